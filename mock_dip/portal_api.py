"""The DIP portal's JSON API, per environment (`/dip/<environment>/api` on the web listener): what the portal
pages sit on. Sessions by cookie (`dip_session_<environment>`) or bearer token. Errors: sandbox.json_api."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, g, request

from mock_dip import permissions
from mock_dip.permissions import roles_of
from mock_dip.promotion import promote
from mock_dip.service import Dip
from sandbox.kernel.docs_page import docs_page
from sandbox.kernel.errors import NotFound
from sandbox.kernel.json_api import json_body

PUBLIC = {"accept_invitation", "sign_in", "openapi", "docs", "dip_certificates", "dip_certificate_file"}
PEM_FILE = "application/x-pem-file"
CONTEXT_HEADER = "X-DIP-Context"


def environment_dip() -> Dip:
    """The DIP of the request's `<environment>` (uit or prod)."""
    environment = request.view_args.get("environment") if request.view_args else None
    dips = current_app.extensions["dip_sandbox"].dip
    if environment not in dips:
        raise NotFound(f"no DIP environment {environment!r}: use uit or prod", field="environment")
    return dips[environment]


def session_cookie(environment: str) -> str:
    return f"dip_session_{environment}"


def session_token(environment: str) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[7:].strip()
    return request.cookies.get(session_cookie(environment))


def portal_blueprint() -> Blueprint:
    bp = Blueprint("dip_portal", __name__)

    @bp.before_request
    def signed_in():
        dip = environment_dip()
        endpoint = (request.endpoint or "").split(".")[-1]
        if endpoint not in PUBLIC:
            user = dip.identity.authenticate(session_token(dip.ctx.environment))
            g.signed_in_user = user
            # A DCP member acts for a served organisation by naming it in X-DIP-Context.
            g.dip_user = dip.dcps.acting_for(user, request.headers.get(CONTEXT_HEADER))

    @bp.post("/invitations/<token>/accept")
    def accept_invitation(environment: str, token: str):
        return environment_dip().identity.accept_invitation(token, json_body())

    @bp.post("/sessions")
    def sign_in(environment: str):
        status, body = environment_dip().identity.sign_in(json_body())
        response = current_app.make_response((body, status))
        if status == 201:
            response.set_cookie(session_cookie(environment), body["token"], httponly=True, samesite="Lax",
                                path=f"/dip/{environment}")
        return response

    @bp.delete("/sessions")
    def sign_out(environment: str):
        environment_dip().identity.sign_out(session_token(environment))
        response = current_app.make_response(("", 204))
        response.delete_cookie(session_cookie(environment), path=f"/dip/{environment}")
        return response

    @bp.get("/me")
    def me(environment: str):
        dip = environment_dip()
        user = g.signed_in_user
        organisation = (dip.organisations.describe(dip.organisations.get(user["organisation_id"]))
                        if user["organisation_id"] else None)
        return {"user": dip.identity.describe(user), "organisation": organisation, "environment": environment}

    # -- the organisation and its members -----------------------------------------------------------
    @bp.get("/organisation")
    def organisation(environment: str):
        dip, user = environment_dip(), g.dip_user
        permissions.require(user, roles_of(user), "organisation.view")
        organisation_id = user["organisation_id"]
        return {**dip.organisations.describe(dip.organisations.get(organisation_id)),
                "whitelisted_domains": dip.organisations.whitelisted(organisation_id),
                "warnings": dip.members.warnings(organisation_id)}

    @bp.post("/organisation/details")
    def verify_details(environment: str):
        return environment_dip().organisations.verify_details(g.dip_user, json_body())

    @bp.get("/members")
    def list_members(environment: str):
        return {"members": environment_dip().members.list(g.dip_user)}

    @bp.post("/members")
    def create_member(environment: str):
        return environment_dip().members.create(g.dip_user, json_body()), 201

    @bp.patch("/members/<user_id>")
    def edit_member(environment: str, user_id: str):
        return environment_dip().members.edit(g.dip_user, user_id, json_body())

    @bp.post("/members/<user_id>/extend")
    def extend_member(environment: str, user_id: str):
        return environment_dip().members.extend(g.dip_user, user_id)

    @bp.post("/members/<user_id>/offboard")
    def offboard_member(environment: str, user_id: str):
        return environment_dip().members.offboard(g.dip_user, user_id)

    # -- DIP IDs -------------------------------------------------------------------------------------
    @bp.get("/dip-ids")
    def list_dip_ids(environment: str):
        return {"dip_ids": environment_dip().dip_ids.list(g.dip_user)}

    @bp.post("/dip-ids")
    def create_dip_id(environment: str):
        return environment_dip().dip_ids.create(g.dip_user, json_body()), 201

    @bp.get("/dip-ids/<dip_id>")
    def get_dip_id(environment: str, dip_id: str):
        dip = environment_dip()
        permissions.require(g.dip_user, roles_of(g.dip_user), "organisation.view")
        user = g.dip_user
        detail = dip.dip_ids.describe(dip.dip_ids.get(user, dip_id))
        # a DCP acting for the organisation sees the DIP ID, not the organisation's members
        configured = dip.channels.configured(dip_id)
        return {**detail, "members": None if user.get("dcp_context") else dip.dip_ids.members(user, dip_id),
                "interfaces": {"configured": [c for c in configured if c != "STATUS"],
                               "status_messages": "STATUS" in configured}}

    @bp.patch("/dip-ids/<dip_id>")
    def edit_dip_id(environment: str, dip_id: str):
        return environment_dip().dip_ids.edit(g.dip_user, dip_id, json_body())

    @bp.delete("/dip-ids/<dip_id>")
    def delete_dip_id(environment: str, dip_id: str):
        environment_dip().dip_ids.delete(g.dip_user, dip_id)
        return "", 204

    @bp.get("/dip-ids/<dip_id>/api-keys")
    def api_keys(environment: str, dip_id: str):
        return environment_dip().dip_ids.api_keys(g.dip_user, dip_id)

    @bp.post("/dip-ids/<dip_id>/api-keys/<slot>/regenerate")
    def regenerate_api_key(environment: str, dip_id: str, slot: str):
        return environment_dip().dip_ids.regenerate(g.dip_user, dip_id, slot)

    # -- message channels, messages, performance -----------------------------------------------------
    @bp.get("/dip-ids/<dip_id>/channels")
    def list_channels(environment: str, dip_id: str):
        return {"channels": environment_dip().channels.channels(g.dip_user, dip_id)}

    @bp.put("/dip-ids/<dip_id>/channels/<channel>")
    def set_channel(environment: str, dip_id: str, channel: str):
        dip = environment_dip()
        answer = dip.channels.set_channel(g.dip_user, dip_id, channel, json_body())
        dip.delivery.wake()
        return answer

    @bp.delete("/dip-ids/<dip_id>/channels/<channel>")
    def remove_channel(environment: str, dip_id: str, channel: str):
        environment_dip().channels.remove_channel(g.dip_user, dip_id, channel)
        return "", 204

    @bp.get("/dip-ids/<dip_id>/messages")
    def list_messages(environment: str, dip_id: str):
        return {"messages": environment_dip().channels.messages(g.dip_user, dip_id, request.args.get("direction", "sent"))}

    @bp.get("/messages/<transaction_id>")
    def get_message(environment: str, transaction_id: str):
        return environment_dip().channels.message(g.dip_user, transaction_id)

    @bp.get("/dip-ids/<dip_id>/performance")
    def performance(environment: str, dip_id: str):
        return environment_dip().channels.performance(g.dip_user, dip_id)

    # -- the Certificates tab ------------------------------------------------------------------------
    @bp.get("/certificates/stages")
    def certificate_stages(environment: str):
        return environment_dip().certificate_onboarding.stages(g.dip_user)

    @bp.post("/certificates/registration/confirm")
    def confirm_registration(environment: str):
        return environment_dip().certificate_onboarding.confirm_registration(g.dip_user)

    @bp.get("/certificates/api-credentials")
    def api_credentials(environment: str):
        onboarding = environment_dip().certificate_onboarding
        organisation_id = onboarding.require(g.dip_user, "certificates.view")
        return {"api_credentials": onboarding.describe_credentials(onboarding.saved_credentials(organisation_id))}

    @bp.post("/certificates/api-credentials/validate")
    def validate_api_credentials(environment: str):
        if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
            upload = request.files.get("pfx")
            values = (request.form.get("api_key"), request.form.get("api_secret"), upload.read() if upload else None)
        else:
            body = json_body()
            values = (body.get("api_key"), body.get("api_secret"), body.get("pfx"))
        return environment_dip().certificate_onboarding.validate_credentials(g.dip_user, *values)

    @bp.post("/certificates/api-credentials")
    def save_api_credentials(environment: str):
        return environment_dip().certificate_onboarding.save_credentials(g.dip_user), 201

    @bp.get("/certificates/domains")
    def certificate_domains(environment: str):
        return {"domains": environment_dip().certificate_onboarding.domains(g.dip_user)}

    @bp.post("/certificates/domains")
    def create_certificate_domain(environment: str):
        return environment_dip().certificate_onboarding.create_domain(g.dip_user, json_body()), 201

    @bp.post("/certificates/domains/<domain>/verification")
    def verify_certificate_domain(environment: str, domain: str):
        return environment_dip().certificate_onboarding.verify_domain(g.dip_user, domain, json_body())

    @bp.post("/certificates/subject-name")
    def certificate_subject_name(environment: str):
        return environment_dip().certificates.subject_name(g.dip_user, json_body())

    @bp.get("/certificates")
    def list_certificates(environment: str):
        return environment_dip().certificates.list(g.dip_user)

    @bp.post("/certificates")
    def create_certificate(environment: str):
        return environment_dip().certificates.create(g.dip_user, json_body()), 201

    @bp.get("/certificates/<serial>")
    def get_certificate(environment: str, serial: str):
        return environment_dip().certificates.get(g.dip_user, serial)

    @bp.get("/certificates/<serial>/certificate.cer")
    def download_certificate(environment: str, serial: str):
        return pem_file(*environment_dip().certificates.download(g.dip_user, serial))

    @bp.get("/certificates/<serial>/chain.pem")
    def download_chain(environment: str, serial: str):
        return pem_file(*environment_dip().certificates.download(g.dip_user, serial, chain=True))

    @bp.post("/certificates/<serial>/revoke")
    def revoke_certificate(environment: str, serial: str):
        return environment_dip().certificates.revoke(g.dip_user, serial, json_body())

    @bp.post("/certificates/<serial>/reissue")
    def reissue_certificate(environment: str, serial: str):
        return environment_dip().certificates.reissue(g.dip_user, serial, json_body()), 201

    @bp.get("/dip-certificates")
    def dip_certificates(environment: str):
        own = environment_dip().own_certificates
        return {"dip_certificates": [own.describe("signing"), own.describe("client")]}

    @bp.get("/dip-certificates/<purpose>.cer")
    def dip_certificate_file(environment: str, purpose: str):
        described = environment_dip().own_certificates.describe(purpose)
        return pem_file(f"{described['common_name']}.cer", described["certificate_pem"])

    # -- DCPs ----------------------------------------------------------------------------------------
    @bp.get("/contexts")
    def contexts(environment: str):
        return {"contexts": environment_dip().dcps.contexts(g.signed_in_user), "header": CONTEXT_HEADER}

    @bp.post("/organisation/dcp-status-request")
    def request_dcp_status(environment: str):
        return environment_dip().dcps.request_status(g.dip_user)

    @bp.get("/dcp-providers")
    def dcp_providers(environment: str):
        return {"providers": environment_dip().dcps.providers(g.dip_user)}

    @bp.get("/dcp-ids")
    def list_dcp_ids(environment: str):
        return {"dcp_ids": environment_dip().dcps.dcp_ids(g.dip_user)}

    @bp.post("/dcp-ids")
    def create_dcp_id(environment: str):
        return environment_dip().dcps.create_dcp_id(g.dip_user), 201

    @bp.get("/dip-ids/<dip_id>/nominations")
    def list_nominations(environment: str, dip_id: str):
        return {"nominations": environment_dip().dcps.nominations(g.dip_user, dip_id)}

    @bp.post("/dip-ids/<dip_id>/nominations")
    def nominate(environment: str, dip_id: str):
        return environment_dip().dcps.nominate(g.dip_user, dip_id, json_body()), 201

    @bp.delete("/dip-ids/<dip_id>/nominations/<dcp_id>")
    def withdraw_nomination(environment: str, dip_id: str, dcp_id: str):
        environment_dip().dcps.withdraw(g.dip_user, dip_id, dcp_id)
        return "", 204

    # -- the DIP Manager ------------------------------------------------------------------------------
    @bp.post("/manager/organisations/<organisation_id>/domains")
    def whitelist_domain(environment: str, organisation_id: str):
        return {"whitelisted_domains": environment_dip().organisations.whitelist(g.dip_user, organisation_id,
                                                                      json_body().get("domain"))}, 201

    @bp.delete("/manager/organisations/<organisation_id>/domains/<domain>")
    def remove_domain(environment: str, organisation_id: str, domain: str):
        return {"whitelisted_domains": environment_dip().organisations.remove_whitelisted(g.dip_user, organisation_id, domain)}

    @bp.get("/manager/dcp-requests")
    def dcp_requests(environment: str):
        return {"organisations": environment_dip().organisations.dcp_requests(g.dip_user)}

    @bp.post("/manager/organisations/<organisation_id>/dcp-status")
    def decide_dcp_status(environment: str, organisation_id: str):
        return environment_dip().organisations.decide_dcp_status(g.dip_user, organisation_id, json_body())

    @bp.post("/manager/central-services")
    def create_central_service(environment: str):
        return environment_dip().create_central_dip_id(g.dip_user, json_body()), 201

    @bp.patch("/manager/dip-ids/<dip_id>")
    def manager_effective_dates(environment: str, dip_id: str):
        return environment_dip().dip_ids.set_effective_dates(g.dip_user, dip_id, json_body())

    @bp.get("/manager/organisations")
    def manager_organisations(environment: str):
        return {"organisations": environment_dip().organisations.list(g.dip_user)}

    @bp.post("/manager/organisations")
    def invite_organisation(environment: str):
        return environment_dip().organisations.invite(g.dip_user, json_body()), 201

    @bp.post("/manager/promotions")
    def promote_organisation(environment: str):
        """Production's DIP Manager imports an organisation's UIT set-up (part C)."""
        if environment != "prod":
            raise NotFound("promotion to Production is an operation of the Production DIP: POST "
                           "/dip/prod/api/manager/promotions", field="environment")
        dips = current_app.extensions["dip_sandbox"].dip
        return promote(dips["uit"], dips["prod"], g.dip_user, json_body()), 201

    @bp.get("/manager/audit")
    def manager_audit(environment: str):
        return {"entries": environment_dip().audit.readable_by(g.dip_user, everyone=True)}

    @bp.get("/audit")
    def organisation_audit(environment: str):
        return {"entries": environment_dip().audit.readable_by(g.dip_user)}

    @bp.get("/openapi.json")
    def openapi(environment: str):
        from mock_dip.portal_openapi import openapi_document
        return openapi_document(environment)

    @bp.get("/docs")
    def docs(environment: str):
        return docs_page(f"DIP {environment.upper()} portal API (dip-sandbox)", f"/dip/{environment}/api/openapi.json",
                         "/_sandbox/docs/assets")

    return bp


def pem_file(name: str, pem: str) -> Response:
    """A certificate (or chain) as a download: the API's and the pages' (mock_dip.web_organisation)."""
    return Response(pem, content_type=PEM_FILE, headers={"Content-Disposition": f'attachment; filename="{name}"'})
