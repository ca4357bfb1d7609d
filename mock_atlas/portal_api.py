"""The Atlas portal's JSON API (`/atlas/api` on the web listener): what the portal pages sit on.

Sign-in gives a session token, sent back as `Authorization: Bearer <token>` (or the `atlas_session`
cookie that sign-in also sets). Errors: the JSON error shape of `sandbox.json_api`.
"""
from __future__ import annotations

from flask import Blueprint, current_app, g, request

from mock_atlas.portal_api_credentials import add_credential_routes
from mock_atlas.portal_api_domains import add_domain_and_user_routes
from mock_atlas.portal_api_vetting import add_vetting_routes
from mock_atlas.portal_requests import COOKIE, api_account_id, atlas_of_app, session_token
from sandbox.kernel.docs_page import docs_page
from sandbox.kernel.json_api import json_body

PUBLIC = {"register", "accept_invitation", "request_reset_code", "set_password", "sign_in",
          "openapi", "docs"}


def portal_blueprint() -> Blueprint:
    bp = Blueprint("atlas_portal", __name__)

    @bp.before_request
    def signed_in():
        endpoint = (request.endpoint or "").split(".")[-1]
        if endpoint not in PUBLIC:
            g.atlas_user = atlas_of_app().users.authenticate(session_token())

    # -- public: the journey up to sign-in -------------------------------------------------------------
    @bp.post("/registrations")
    def register():
        return atlas_of_app().registration.register(json_body()), 201

    @bp.post("/invitations/<token>/accept")
    def accept_invitation(token: str):
        return atlas_of_app().users.accept_invitation(token)

    @bp.post("/password-reset-codes")
    def request_reset_code():
        return atlas_of_app().users.request_reset_code(json_body().get("email")), 202

    @bp.post("/password")
    def set_password():
        return atlas_of_app().users.set_password(json_body())

    @bp.post("/sessions")
    def sign_in():
        session = atlas_of_app().users.sign_in(json_body())
        response = current_app.make_response((session, 201))
        response.set_cookie(COOKIE, session["token"], httponly=True, samesite="Lax", path="/atlas")
        return response

    @bp.delete("/sessions")
    def sign_out():
        atlas_of_app().users.sign_out(session_token())
        response = current_app.make_response(("", 204))
        response.delete_cookie(COOKIE, path="/atlas")
        return response

    # -- signed in ----------------------------------------------------------------------------------------
    @bp.get("/me")
    def me():
        atlas = atlas_of_app()
        return {"user": atlas.users.describe(g.atlas_user), "account": atlas.describe(api_account_id())}

    add_vetting_routes(bp)
    add_credential_routes(bp)
    add_domain_and_user_routes(bp)

    # -- its documentation ----------------------------------------------------------------------------
    @bp.get("/openapi.json")
    def openapi():
        from mock_atlas.portal_openapi import openapi_document
        return openapi_document()

    @bp.get("/docs")
    def docs():
        return docs_page("GlobalSign Atlas portal API (dip-sandbox)", "/atlas/api/openapi.json",
                         "/_sandbox/docs/assets")

    return bp


def links_blueprint() -> Blueprint:
    """The HVCA API's documents (`/atlas/hvca/...`); the links of emails (registration, invitation, domain
    verification) are pages (mock_atlas.web)."""
    bp = Blueprint("atlas_links", __name__)

    @bp.get("/hvca/openapi.json")
    def hvca_openapi():
        from mock_atlas.hvca_openapi import openapi_document
        return openapi_document()

    @bp.get("/hvca/docs")
    def hvca_docs():
        return docs_page("GlobalSign Atlas HVCA v2 API (dip-sandbox)", "/atlas/hvca/openapi.json",
                         "/_sandbox/docs/assets")

    return bp
