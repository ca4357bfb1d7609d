"""The Atlas portal's pages for people (`/atlas/...` on the web listener), over the same domain operations as the
Atlas portal API: registration, invitation and password, sign-in, the dashboard with its tiles in the guide's
colours, quotation, identity profiles (and the postal challenge), the API credentials wizard (View and Copy: the
secret shown once, with the CSV download and the warning), Generate mTLS Certificates, domains and users. This
module signs people in; the pages after sign-in are web_vetting, web_credentials and web_domains."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, request, url_for

from mock_atlas.atlas_pages import page
from mock_atlas.portal_requests import COOKIE, atlas_of_app, session_token
from mock_atlas.web_credentials import add_credential_pages
from mock_atlas.web_domains import add_domain_and_user_pages
from mock_atlas.web_vetting import add_vetting_pages
from sandbox.kernel.errors import DomainError, Unauthorized
from sandbox.kernel.web_pages import form_action, form_errors, local_path, return_path

REGISTRATION_FIELDS = ("first_name", "last_name", "job_title", "contact_phone", "email", "company_name", "website",
                       "address_line_1", "address_line_2", "city", "postal_code", "country")
PUBLIC = ("register", "invitation", "password", "sign_in", "sign_out", "domain_verification")


def pages_blueprint() -> Blueprint:
    bp = Blueprint("atlas_pages", __name__, template_folder="templates")

    @bp.before_request
    def require_session():
        if (request.endpoint or "").split(".")[-1] in PUBLIC:
            return None
        try:
            g.atlas_page_user = atlas_of_app().users.authenticate(session_token())
        except Unauthorized:
            flash("Sign in to continue.", "error")
            return redirect(url_for(".sign_in", next=return_path()))
        return None

    # -- the journey up to sign-in -------------------------------------------------------------------
    @bp.route("/register", methods=["GET", "POST"])
    def register():
        if request.method == "GET":
            return page("register.html", title="GlobalSign Services for MHHS: registration", errors={}, values={})
        payload = {k: request.form.get(k, "") for k in REGISTRATION_FIELDS}
        payload["not_a_robot"] = bool(request.form.get("not_a_robot"))
        try:
            atlas_of_app().registration.register(payload)
        except DomainError as exc:
            return page("register.html", title="GlobalSign Services for MHHS: registration", errors=form_errors(exc),
                        values=payload), exc.status
        return page("registered.html", title="Thank you for registering", email=payload["email"])

    @bp.route("/invitations/<token>", methods=["GET", "POST"])
    def invitation(token: str):
        if request.method == "GET":
            return page("invitation.html", title="New User Registration", errors={})
        return form_action(lambda: atlas_of_app().users.accept_invitation(token),
                           "Invitation accepted: a 'Password Reset Code - GlobalSign Atlas' email is on its way.",
                           lambda _: redirect(url_for(".password")), lambda exc: (page(
                               "invitation.html", title="New User Registration", errors=form_errors(exc)), exc.status))

    @bp.route("/password", methods=["GET", "POST"])
    def password():
        if request.method == "GET":
            return page("password.html", title="Set your password", errors={}, values={})
        values = {k: request.form.get(k, "") for k in ("email", "code", "password")}
        return form_action(lambda: atlas_of_app().users.set_password(values), "Password set: sign in.",
                           lambda _: redirect(url_for(".sign_in")), lambda exc: (page(
                               "password.html", title="Set your password", errors=form_errors(exc),
                               values={**values, "password": ""}), exc.status))

    @bp.route("/sign-in", methods=["GET", "POST"])
    def sign_in():
        if request.method == "GET":
            return page("sign_in.html", title="Sign in to GlobalSign Atlas", errors={}, values={})
        values = {k: request.form.get(k, "") for k in ("email", "password")}
        try:
            session = atlas_of_app().users.sign_in(values)
        except DomainError as exc:
            return page("sign_in.html", title="Sign in to GlobalSign Atlas", errors=form_errors(exc),
                        values={"email": values["email"]}), exc.status
        response = redirect(local_path(request.args.get("next")) or url_for(".dashboard"))
        response.set_cookie(COOKIE, session["token"], httponly=True, samesite="Lax", path="/atlas")
        return response

    @bp.post("/sign-out")
    def sign_out():
        atlas_of_app().users.sign_out(session_token())
        response = redirect(url_for(".sign_in"))
        response.delete_cookie(COOKIE, path="/atlas")
        return response

    @bp.get("/domain-verification/<token>")
    def domain_verification(token: str):
        """The link of the verification email: opened by a person, so a page (signed in or not)."""
        try:
            verified = atlas_of_app().domains.follow_email_link(token)
        except DomainError as exc:
            return page("domain_verification.html", title="Domain verification", error=exc.message), exc.status
        return page("domain_verification.html", title="Domain verified", domain=verified["domain"].rstrip("."))

    add_vetting_pages(bp)
    add_credential_pages(bp)
    add_domain_and_user_pages(bp)
    return bp
