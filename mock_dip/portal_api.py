"""The DIP portal's JSON API, per environment (`/dip/<environment>/api` on the web listener): what the portal
pages sit on. Sessions by cookie (`dip_session_<environment>`) or bearer token; errors in the web listener's JSON
shape (sandbox.kernel.json_api). Here: signing in and the API's documents; each resource's routes are in the
portal_api_* module beside its domain module."""
from __future__ import annotations

from flask import Blueprint, current_app, g, request

from mock_dip.portal_api_certificates import add_certificate_routes
from mock_dip.portal_api_dcps import add_dcp_routes
from mock_dip.portal_api_dip_ids import add_dip_id_routes
from mock_dip.portal_api_manager import add_manager_routes
from mock_dip.portal_api_messages import add_message_routes
from mock_dip.portal_api_organisation import add_organisation_routes
from mock_dip.portal_requests import CONTEXT_HEADER, environment_dip, session_cookie, session_token
from sandbox.kernel.docs_page import docs_page
from sandbox.kernel.json_api import json_body

PUBLIC = {"accept_invitation", "sign_in", "openapi", "docs", "dip_certificates", "dip_certificate_file"}


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

    for add_routes in (add_organisation_routes, add_dip_id_routes, add_message_routes, add_certificate_routes,
                       add_dcp_routes, add_manager_routes):
        add_routes(bp)

    @bp.get("/openapi.json")
    def openapi(environment: str):
        from mock_dip.portal_openapi import openapi_document
        return openapi_document(environment)

    @bp.get("/docs")
    def docs(environment: str):
        return docs_page(f"DIP {environment.upper()} portal API (dip-sandbox)", f"/dip/{environment}/api/openapi.json",
                         "/_sandbox/docs/assets")

    return bp
