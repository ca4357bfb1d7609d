"""The DIP pages around the organisation's set-up: the Primary Admin's company-details verification, the audit
log, the DCP context switcher, and the DIP Manager console (invite an organisation, whitelist domains, decide DCP
requests, promote to Production)."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, request, url_for

from mock_dip.portal_requests import environment_dip
from mock_dip.promotion import promote
from sandbox.kernel.errors import DomainError
from sandbox.kernel.web_pages import form_action, form_errors
from sandbox.kernel.flask_apps import app_sandbox

CONTEXT_COOKIE = "dip_context_{environment}"


def add_manager_pages(bp: Blueprint, page) -> None:
    # -- the Primary Admin's first task ----------------------------------------------------------------
    @bp.post("/organisation/details")
    def verify_details(environment: str):
        values = {"company_name": request.form.get("company_name", ""), "company_number":
                  request.form.get("company_number", ""), "description": request.form.get("description", ""),
                  "request_dcp_status": bool(request.form.get("request_dcp_status"))}
        return form_action(lambda: environment_dip().organisations.verify_details(g.page_user, values),
                           "Company details verified.", lambda _: redirect(url_for(".home", environment=environment)),
                           lambda exc: (page("home.html", title="Home", current="home", errors=form_errors(exc),
                                             values=values, organisation=environment_dip().organisations.get(
                                                 g.page_user["organisation_id"]), roles=[]), exc.status))

    @bp.get("/audit")
    def audit(environment: str):
        # the DIP Manager's page is every organisation's log
        entries = environment_dip().audit.readable_by(g.page_user, everyone=bool(g.page_user["is_manager"]))
        return page("audit.html", title="Audit", current="audit", entries=entries)

    @bp.get("/mpan")
    def mpan(environment: str):
        dip, user, wanted = environment_dip(), g.page_user, request.args.get("mpan_core", "").strip()
        errors, found = {}, None
        known = dip.mpans.known(user)  # the page itself: a refusal is the error page
        if wanted:
            try:
                found = dip.mpans.lookup(user, wanted)
            except DomainError as exc:
                if exc.status == 403:
                    raise
                errors = form_errors(exc)
        return page("mpan.html", title="MPAN", current="mpan", known=known, found=found, wanted=wanted,
                    errors=errors), 400 if errors else 200

    @bp.get("/users")
    def users(environment: str):
        return page("users.html", title="Users", current="users",
                    users=environment_dip().identity.everyone(g.page_user))

    # -- the DCP context switcher ----------------------------------------------------------------------
    @bp.post("/context")
    def switch_context(environment: str):
        response = redirect(url_for(".home", environment=environment))
        chosen = request.form.get("organisation_id", "")
        allowed = {c["organisation_id"] for c in environment_dip().dcps.contexts(g.signed_in_page_user)}
        if chosen not in allowed:
            flash("You cannot act for that organisation.", "error")
            return response
        response.set_cookie(CONTEXT_COOKIE.format(environment=environment), chosen, httponly=True, samesite="Lax",
                            path=f"/dip/{environment}")
        return response

    # -- the DIP Manager console -----------------------------------------------------------------------
    def console(errors: dict | None = None, values: dict | None = None, status: int = 200, **extra):
        dip, user = environment_dip(), g.page_user
        if not user["is_manager"]:
            return page("error.html", title="Not available", message="the DIP Manager console is for the DIP "
                                                                      "Manager"), 403
        uit = app_sandbox().dip["uit"]
        candidates = uit.organisations.list(user) if dip.ctx.environment == "prod" else []
        return page("manager.html", title="DIP Manager", current="manager", organisations=dip.organisations.list(user),
                    requests=dip.organisations.dcp_requests(user), errors=errors or {}, values=values or {},
                    promotable=[o for o in candidates if o["kind"] == "participant"], **extra), status

    def managed(action, success):
        """A console form: on success flash and back to the console, else the console with the errors."""
        return form_action(action, success, lambda _: redirect(url_for(".manager", environment=request.view_args[
            "environment"])), lambda exc: console(form_errors(exc), dict(request.form), exc.status))

    @bp.get("/manager")
    def manager(environment: str):
        return console()

    @bp.post("/manager/organisations")
    def invite_organisation(environment: str):
        form = request.form
        payload = {"company_name": form.get("company_name", ""), "company_number": form.get("company_number", ""),
                   "primary_admin": {k: form.get(k, "") for k in ("first_name", "last_name", "email")}}
        return managed(lambda: environment_dip().organisations.invite(g.page_user, payload),
                       lambda invited: f"{invited['company_name']} invited: its Primary Admin has an invitation email.")

    @bp.post("/manager/organisations/<organisation_id>/domains")
    def whitelist_domain(environment: str, organisation_id: str):
        return managed(lambda: environment_dip().organisations.whitelist(
            g.page_user, organisation_id, request.form.get("domain")),
            lambda domains: f"Whitelisted domains: {', '.join(domains)}.")

    @bp.post("/manager/organisations/<organisation_id>/dcp-status")
    def decide_dcp(environment: str, organisation_id: str):
        return managed(lambda: environment_dip().organisations.decide_dcp_status(
            g.page_user, organisation_id, {"decision": request.form.get("decision"),
                                           "reason": request.form.get("reason") or None}),
                       lambda decided: f"DCP status of {decided['company_name']}: {decided['dcp_status']}.")

    @bp.post("/manager/promotions")
    def promote_organisation(environment: str):
        dips = app_sandbox().dip
        if environment != "prod":
            flash("Promotion is an operation of the Production DIP Manager.", "error")
            return redirect(url_for(".manager", environment=environment))
        return managed(lambda: promote(dips["uit"], dips["prod"], g.page_user, {
            "organisation_id": request.form.get("organisation_id", ""),
            "effective_from": request.form.get("effective_from", "")}),
                       lambda promoted: f"{promoted['organisation']['company_name']} promoted to Production; its "
                                        "Primary User Admin is invited.")
