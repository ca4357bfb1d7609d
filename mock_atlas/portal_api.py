"""The Atlas portal's JSON API (`/atlas/api` on the web listener): what the portal pages sit on.

Sign-in gives a session token, sent back as `Authorization: Bearer <token>` (or the `atlas_session`
cookie that sign-in also sets). Errors: the JSON error shape of `sandbox.json_api`.
"""
from __future__ import annotations

from flask import Blueprint, current_app, g, request

from mock_atlas import dashboard
from mock_atlas.service import Atlas
from sandbox.kernel.docs_page import docs_page
from sandbox.kernel.json_api import json_body
from sandbox.kernel.flask_apps import app_sandbox

COOKIE = "atlas_session"
PUBLIC = {"register", "accept_invitation", "request_reset_code", "set_password", "sign_in",
          "openapi", "docs"}


def atlas_of_app() -> Atlas:
    return app_sandbox().atlas


def session_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[7:].strip()
    return request.cookies.get(COOKIE)


def portal_blueprint() -> Blueprint:
    bp = Blueprint("atlas_portal", __name__)

    @bp.before_request
    def signed_in():
        endpoint = (request.endpoint or "").split(".")[-1]
        if endpoint not in PUBLIC:
            g.atlas_user = atlas_of_app().users.authenticate(session_token())

    def account_id() -> str:
        return g.atlas_user["account_id"]

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
        return {"user": atlas.users.describe(g.atlas_user), "account": atlas.describe(account_id())}

    @bp.get("/dashboard")
    def show_dashboard():
        return {"tiles": dashboard.tiles(atlas_of_app().ctx, account_id())}

    @bp.post("/payment-method")
    def payment_method():
        return atlas_of_app().quotation.set_payment_method(account_id(), json_body())

    @bp.get("/quotation")
    def quotation():
        return atlas_of_app().quotation.describe(account_id())

    @bp.post("/quotation/accept")
    def accept_quotation():
        return atlas_of_app().quotation.accept(account_id(), json_body())

    @bp.get("/identity-profiles")
    def identity_profiles():
        return {"identity_profiles": atlas_of_app().vetting.profiles(account_id())}

    @bp.post("/identity-profiles")
    def request_identity_profile():
        return atlas_of_app().vetting.request_profile(account_id(), json_body()), 201

    @bp.post("/identity-profiles/<profile_id>/postal-code")
    def postal_code(profile_id: str):
        return atlas_of_app().vetting.enter_postal_code(account_id(), profile_id, json_body())

    @bp.get("/services")
    def services():
        return {"services": atlas_of_app().credentials.services(account_id())}

    @bp.get("/api-credentials")
    def list_credentials():
        return {"api_credentials": atlas_of_app().credentials.list(account_id())}

    @bp.post("/api-credentials")
    def generate_credentials():
        return atlas_of_app().credentials.generate(g.atlas_user, json_body()), 201

    @bp.get("/api-credentials/<api_key>/secret")
    def credential_secret(api_key: str):
        atlas_of_app().credentials.secret_again(account_id(), api_key)

    @bp.post("/api-credentials/<api_key>/revoke")
    def revoke_credentials(api_key: str):
        return atlas_of_app().credentials.revoke(account_id(), api_key)

    @bp.get("/client-certificates")
    def list_client_certificates():
        return {"client_certificates": atlas_of_app().credentials.client_certificates(account_id())}

    @bp.post("/client-certificates")
    def generate_client_certificate():
        return atlas_of_app().credentials.generate_client_certificate(g.atlas_user, json_body()), 201

    @bp.get("/users")
    def list_users():
        return {"users": atlas_of_app().users.list(account_id())}

    @bp.post("/users")
    def add_user():
        return atlas_of_app().users.add_admin_user(g.atlas_user, json_body()), 201

    @bp.delete("/users/<user_id>")
    def remove_user(user_id: str):
        atlas_of_app().users.remove(g.atlas_user, user_id)
        return "", 204

    @bp.get("/domains")
    def list_domains():
        return {"domains": atlas_of_app().domains.list(account_id(), request.args.get("status"))[0]}

    @bp.post("/domains")
    def add_domain():
        return atlas_of_app().domains.claim(account_id(), json_body().get("domain", "")), 201

    @bp.post("/domains/<claim_id>/verify")
    def verify_domain(claim_id: str):
        return atlas_of_app().domains.verify_dns(account_id(), claim_id, json_body().get("authorization_domain"))

    @bp.post("/domains/<claim_id>/reset")
    def reset_dvc(claim_id: str):
        return atlas_of_app().domains.reassert(account_id(), claim_id)

    @bp.delete("/domains/<claim_id>")
    def delete_domain(claim_id: str):
        atlas_of_app().domains.delete(account_id(), claim_id)
        return "", 204

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
