"""The Market Participant Organisation page and its tabs: DIP IDs, Members (create, edit roles, extend,
offboard) and Certificates (the five-stage stepper, the certificate lists, download, revoke, reissue) — forms
over the same domain operations as the portal API."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, request, url_for

from mock_dip.permissions import roles_of
from mock_dip.permissions import ROLES, may
from mock_dip.portal_requests import environment_dip, pem_file
from sandbox.kernel.errors import DomainError
from sandbox.kernel.web_pages import form_action, form_errors
from seed_data.role_codes import requestable_roles

REVOCATION_REASONS = ("unspecified", "keyCompromise", "affiliationChanged", "superseded", "cessationOfOperation")


def render_organisation(page, tab: str, errors: dict | None = None, values: dict | None = None, status: int = 200,
                        **extra):
    dip, user = environment_dip(), g.page_user
    details = dip.organisations.describe(dip.organisations.get(user["organisation_id"]))
    tabs = organisation_tabs(user, details)
    tab = tab if tab in dict(tabs) else "dip-ids"
    if tab == "members":
        content = dip.members.list(user)
    elif tab == "certificates":
        content = {**dip.certificate_onboarding.stages(user), **dip.certificates.list(user)}
    elif tab == "dcp-ids":
        content = dip.dcps.dcp_ids(user)
    else:
        content = [{**d, "nominations": dip.dcps.nominations(user, d["dip_id"])} for d in dip.dip_ids.list(user)]
    return page("organisation.html", title=details["company_name"], current="organisation", organisation=details,
                tabs=tabs, may_request_dcp=may_request_dcp(user, details),
                whitelisted=dip.organisations.whitelisted(user["organisation_id"]),
                warnings=dip.members.warnings(user["organisation_id"]), tab=tab, content=content, roles=ROLES,
                reasons=REVOCATION_REASONS, requestable=requestable_roles(), errors=errors or {},
                values=values or {}, **extra), status


def organisation_tabs(user: dict, organisation: dict) -> list[tuple[str, str]]:
    """The tabs a person can open: acting for another organisation as its DCP, only its DIP IDs (never its members
    or certificates); an approved DCP has its DCP IDs."""
    if user.get("dcp_context"):
        return [("dip-ids", "DIP IDs")]
    tabs = [("dip-ids", "DIP IDs"), ("members", "Members"), ("certificates", "Certificates")]
    if organisation["dcp_status"] == "approved":
        tabs.append(("dcp-ids", "DCP IDs"))
    return tabs


def may_request_dcp(user: dict, organisation: dict) -> bool:
    return may(user, roles_of(user), "organisation.request_dcp_status") and \
        bool(organisation.get("details_verified")) and organisation["dcp_status"] not in ("requested", "approved")


def add_organisation_pages(bp: Blueprint, page) -> None:
    def back(tab: str):
        return redirect(url_for(".organisation", environment=request.view_args["environment"], tab=tab))

    def act(tab: str, action, success, values: dict | None = None):
        """A tab's form: on success flash and go back to the tab, else show the errors on it."""
        def refused(exc: DomainError):
            errors = form_errors(exc)
            if set(errors) == {"_form"}:  # nothing to show next to a field: back to the tab's own address
                flash(exc.message[0].upper() + exc.message[1:], "error")
                return back(tab)
            return render_organisation(page, tab, errors, values or dict(request.form), exc.status)
        return form_action(action, success, lambda _: back(tab), refused)

    @bp.get("/organisation")
    def organisation(environment: str):
        return render_organisation(page, request.args.get("tab", "dip-ids"))

    # -- DCP status and DCP IDs ------------------------------------------------------------------------
    @bp.post("/organisation/dcp-status-request")
    def request_dcp_status(environment: str):
        return act("dip-ids", lambda: environment_dip().dcps.request_status(g.page_user),
                   "DIP Connection Provider status requested: the DIP Manager decides, and the Primary Admin gets "
                   "an email.")

    @bp.post("/organisation/dcp-ids")
    def create_dcp_id(environment: str):
        return act("dcp-ids", lambda: environment_dip().dcps.create_dcp_id(g.page_user),
                   lambda made: f"DCP ID {made['dcp_id']} created: share it with the Market Participant that "
                                "nominates you.")

    # -- members -------------------------------------------------------------------------------------
    @bp.post("/organisation/members")
    def create_member(environment: str):
        form = request.form
        payload = {"first_name": form.get("first_name", ""), "last_name": form.get("last_name", ""),
                   "email": form.get("email", ""), "roles": form.getlist("roles")}
        return act("members", lambda: environment_dip().members.create(g.page_user, payload),
                   lambda made: f"Member created: an invitation email was sent to {made['email']}.")

    @bp.post("/organisation/members/<user_id>/edit")
    def edit_member(environment: str, user_id: str):
        payload = {"first_name": request.form.get("first_name", ""), "last_name": request.form.get("last_name", ""),
                   "roles": request.form.getlist("roles")}
        return act("members", lambda: environment_dip().members.edit(g.page_user, user_id, payload),
                   lambda member: f"Member {member['email']} updated.")

    @bp.post("/organisation/members/<user_id>/extend")
    def extend_member(environment: str, user_id: str):
        return act("members", lambda: environment_dip().members.extend(g.page_user, user_id),
                   lambda member: f"Access of {member['email']} extended by 6 months.")

    @bp.post("/organisation/members/<user_id>/offboard")
    def offboard_member(environment: str, user_id: str):
        return act("members", lambda: environment_dip().members.offboard(g.page_user, user_id),
                   lambda member: f"{member['email']} was offboarded.")

    # -- certificates: the five stages ---------------------------------------------------------------
    @bp.post("/organisation/certificates/registration")
    def confirm_registration(environment: str):
        return act("certificates", lambda: environment_dip().certificate_onboarding.confirm_registration(g.page_user),
                   "GlobalSign registration confirmed: upload the API credentials.")

    @bp.post("/organisation/certificates/credentials/validate")
    def validate_credentials(environment: str):
        upload = request.files.get("pfx")
        values = {"api_key": request.form.get("api_key", "")}
        return act("certificates", lambda: environment_dip().certificate_onboarding.validate_credentials(
            g.page_user, request.form.get("api_key"), request.form.get("api_secret"),
            upload.read() if upload else None), "Added successfully: Save to use these credentials.", values)

    @bp.post("/organisation/certificates/credentials/save")
    def save_credentials(environment: str):
        return act("certificates", lambda: environment_dip().certificate_onboarding.save_credentials(g.page_user),
                   "Onboarding status updated successfully.")

    @bp.post("/organisation/certificates/domains")
    def create_domain(environment: str):
        return act("certificates", lambda: environment_dip().certificate_onboarding.create_domain(
            g.page_user, {"domain": request.form.get("domain", "")}),
                   lambda made: f"Domain {made['domain']} created: give the DNS Admin its TXT record.")

    @bp.post("/organisation/certificates/domains/verification")
    def verify_domain(environment: str):
        def verify():
            answer = environment_dip().certificate_onboarding.verify_domain(
                g.page_user, request.form.get("domain", ""), {"record_added": bool(request.form.get("record_added"))})
            if answer["result"] != "SUCCESS":
                raise DomainError(answer["message"], field="verification")  # the record's FAIL line shows why
            return {**answer, "name": answer["domain"].rstrip(".")}  # "contoso.example", not "contoso.example.."
        return act("certificates", verify, lambda verified: (
            f"Domain Validation Successful: {verified['name']}. The DNS entry should not be removed as it is used "
            "for renewals."))

    @bp.post("/organisation/certificates/subject-name")
    def subject_name(environment: str):
        values = {k: request.form.get(k, "") for k in ("host_name", "domain", "purpose")}
        return form_action(lambda: environment_dip().certificates.subject_name(g.page_user, values), None,
                           lambda named: render_organisation(page, "certificates", values=values, subject=named),
                           lambda exc: render_organisation(page, "certificates", form_errors(exc), values, exc.status))

    @bp.post("/organisation/certificates")
    def create_certificate(environment: str):
        values = {k: request.form.get(k, "") for k in ("host_name", "domain", "purpose", "csr")}
        certificates = environment_dip().certificates

        def refused(exc: DomainError):
            if exc.field in ("host_name", "domain", "purpose"):  # the form itself: the Subject Name is unknown
                return render_organisation(page, "certificates", form_errors(exc), values, exc.status)
            return render_organisation(page, "certificates", form_errors(exc), values, exc.status,
                                       subject=certificates.subject_name(g.page_user, values))
        return form_action(lambda: certificates.create(g.page_user, values), lambda issued: (
            f"Certificate {issued['serial_number']} {issued['status']} for {issued['common_name']}."),
            lambda _: back("certificates"), refused)

    @bp.get("/organisation/certificates/<serial>/certificate.cer")
    def download_certificate(environment: str, serial: str):
        """The pages' own download (the session cookie, a sign-in page when it ended: never a JSON 401)."""
        return pem_file(*environment_dip().certificates.download(g.page_user, serial))

    @bp.get("/organisation/certificates/<serial>/chain.pem")
    def download_chain(environment: str, serial: str):
        return pem_file(*environment_dip().certificates.download(g.page_user, serial, chain=True))

    @bp.post("/organisation/certificates/<serial>/revoke")
    def revoke_certificate(environment: str, serial: str):
        if request.form.get("confirm") != "yes":  # the page asks before a step that cannot be undone
            return render_organisation(page, "certificates", {"_form": f"Certificate {serial} was not revoked: tick "
                                       "the box that confirms it (a revoked certificate stops working at once)."},
                                       dict(request.form), 400)
        return act("certificates", lambda: environment_dip().certificates.revoke(
            g.page_user, serial, {"reason": request.form.get("reason", "")}),
                   lambda revoked: f"Certificate {revoked['serial_number']} revoked.")

    @bp.post("/organisation/certificates/<serial>/reissue")
    def reissue_certificate(environment: str, serial: str):
        return act("certificates", lambda: environment_dip().certificates.reissue(
            g.page_user, serial, {"csr": request.form.get("csr", "")}),
                   lambda issued: f"Certificate {issued['serial_number']} issued to replace {serial}.")
