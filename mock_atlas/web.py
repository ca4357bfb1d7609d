"""The Atlas portal's pages for people (`/atlas/...` on the web listener), over the same domain operations as the
Atlas portal API: registration, invitation and password, sign-in, the dashboard with its tiles in the guide's
colours, quotation, identity profiles (and the postal challenge), the API credentials wizard (View and Copy: the
secret shown once, with the CSV download and the warning), Generate mTLS Certificates, domains and users."""
from __future__ import annotations

import base64

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from mock_atlas.dashboard import tiles
from mock_atlas.portal_api import COOKIE, atlas_of_app, session_token
from sandbox.kernel.errors import DomainError, Unauthorized
from sandbox.kernel.web_pages import form_action, form_errors, local_path, return_path

REGISTRATION_FIELDS = ("first_name", "last_name", "job_title", "contact_phone", "email", "company_name", "website",
                       "address_line_1", "address_line_2", "city", "postal_code", "country")
MENU = (("dashboard", "Dashboard"), ("identity_profiles", "Identity Profiles"), ("api_credentials", "API Credentials"),
        ("mtls_certificates", "Generate mTLS Certificates"), ("domains", "Domains"), ("users", "Users"))
PUBLIC = ("register", "invitation", "password", "sign_in", "sign_out", "domain_verification")


def _page(template: str, **values):
    return render_template(f"atlas/{template}", menu=MENU, user=g.get("atlas_page_user"), **values)


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

    def account_id() -> str:
        return g.atlas_page_user["account_id"]

    def act(action, success, back: str, template: str, context):
        """A form's domain action: flash and go back on success, else the page with its errors."""
        return form_action(action, success, lambda _: redirect(url_for(back)), lambda exc: (_page(
            template, errors=form_errors(exc), values=dict(request.form), **context()), exc.status))

    # -- the journey up to sign-in -------------------------------------------------------------------
    @bp.route("/register", methods=["GET", "POST"])
    def register():
        if request.method == "GET":
            return _page("register.html", title="GlobalSign Services for MHHS: registration", errors={}, values={})
        payload = {k: request.form.get(k, "") for k in REGISTRATION_FIELDS}
        payload["not_a_robot"] = bool(request.form.get("not_a_robot"))
        try:
            atlas_of_app().registration.register(payload)
        except DomainError as exc:
            return _page("register.html", title="GlobalSign Services for MHHS: registration", errors=form_errors(exc),
                         values=payload), exc.status
        return _page("registered.html", title="Thank you for registering", email=payload["email"])

    @bp.route("/invitations/<token>", methods=["GET", "POST"])
    def invitation(token: str):
        if request.method == "GET":
            return _page("invitation.html", title="New User Registration", errors={})
        return form_action(lambda: atlas_of_app().users.accept_invitation(token),
                           "Invitation accepted: a 'Password Reset Code - GlobalSign Atlas' email is on its way.",
                           lambda _: redirect(url_for(".password")), lambda exc: (_page(
                               "invitation.html", title="New User Registration", errors=form_errors(exc)), exc.status))

    @bp.route("/password", methods=["GET", "POST"])
    def password():
        if request.method == "GET":
            return _page("password.html", title="Set your password", errors={}, values={})
        values = {k: request.form.get(k, "") for k in ("email", "code", "password")}
        return form_action(lambda: atlas_of_app().users.set_password(values), "Password set: sign in.",
                           lambda _: redirect(url_for(".sign_in")), lambda exc: (_page(
                               "password.html", title="Set your password", errors=form_errors(exc),
                               values={**values, "password": ""}), exc.status))

    @bp.route("/sign-in", methods=["GET", "POST"])
    def sign_in():
        if request.method == "GET":
            return _page("sign_in.html", title="Sign in to GlobalSign Atlas", errors={}, values={})
        values = {k: request.form.get(k, "") for k in ("email", "password")}
        try:
            session = atlas_of_app().users.sign_in(values)
        except DomainError as exc:
            return _page("sign_in.html", title="Sign in to GlobalSign Atlas", errors=form_errors(exc),
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
            return _page("domain_verification.html", title="Domain verification", error=exc.message), exc.status
        return _page("domain_verification.html", title="Domain verified", domain=verified["domain"].rstrip("."))

    # -- dashboard, quotation, identity profiles -----------------------------------------------------
    @bp.get("/")
    def dashboard_page():
        return redirect(url_for(".dashboard"))

    @bp.get("/dashboard")
    def dashboard():
        atlas = atlas_of_app()
        return _page("dashboard.html", title="Dashboard", current="dashboard",
                     account=atlas.account(account_id()), tiles=tiles(atlas.ctx, account_id()))

    @bp.post("/payment-method")
    def payment_method():
        return act(lambda: atlas_of_app().quotation.set_payment_method(account_id(), {"method": "invoice"}),
                   "Payment method set to Invoice: the quotation follows.", ".dashboard", "dashboard.html",
                   lambda: {"title": "Dashboard", "account": atlas_of_app().account(account_id()),
                            "tiles": tiles(atlas_of_app().ctx, account_id())})

    def quotation_context():
        return {"title": "Quotation", "current": "dashboard",
                "quotation": atlas_of_app().quotation.describe(account_id())}

    @bp.route("/quotation", methods=["GET", "POST"])
    def quotation():
        if request.method == "GET":
            return _page("quotation.html", errors={}, values={}, **quotation_context())
        return act(lambda: atlas_of_app().quotation.accept(account_id(), {
            "accept_quotation": bool(request.form.get("accept_quotation")),
            "accept_msa": bool(request.form.get("accept_msa"))}), "Quotation accepted.", ".dashboard",
                   "quotation.html", quotation_context)

    def profiles_context():
        return {"title": "Identity Profiles", "current": "identity_profiles",
                "profiles": atlas_of_app().vetting.profiles(account_id())}

    @bp.route("/identity-profiles", methods=["GET", "POST"])
    def identity_profiles():
        if request.method == "GET":
            return _page("identity_profiles.html", errors={}, values={}, **profiles_context())
        payload = {k: request.form.get(k, "") for k in ("profile_name", "organization", "locality", "state",
                                                        "country")}
        return act(lambda: atlas_of_app().vetting.request_profile(account_id(), payload),
                   "Identity profile submitted: vetting has started.", ".identity_profiles",
                   "identity_profiles.html", profiles_context)

    @bp.post("/identity-profiles/<profile_id>/postal-code")
    def postal_code(profile_id: str):
        return act(lambda: atlas_of_app().vetting.enter_postal_code(account_id(), profile_id,
                                                                    {"code": request.form.get("code", "")}),
                   "Postal challenge code accepted.", ".identity_profiles", "identity_profiles.html",
                   profiles_context)

    # -- API credentials and the mTLS certificate ----------------------------------------------------
    def credentials_context():
        atlas = atlas_of_app()
        return {"title": "API Credentials", "current": "api_credentials",
                "credentials": atlas.credentials.list(account_id()),
                "services": atlas.credentials.services(account_id())}

    @bp.route("/api-credentials", methods=["GET", "POST"])
    def api_credentials():
        """The guide's wizard: how to receive them (View and Copy, or an encrypted file), the service, a familiar
        name; then the key and secret, shown once. The first steps are GETs (the address shows the step)."""
        source = request.form if request.method == "POST" else request.args
        values = {"method": source.get("method") or "", "service_id": source.get("service_id") or "",
                  "familiar_name": source.get("familiar_name", ""), "public_key": source.get("public_key", "")}
        step = 1 if not values["method"] else (2 if not values["service_id"] else 3)
        if request.method == "GET":
            return _page("api_credentials.html", errors={}, values=values, step=step, **credentials_context())
        payload = {"method": values["method"], "service_id": values["service_id"] or None,
                   "familiar_name": values["familiar_name"]}
        if values["method"] == "encrypted_file":
            payload["public_key"] = values["public_key"]
        try:
            created = atlas_of_app().credentials.generate(g.atlas_page_user, payload)
        except DomainError as exc:
            return _page("api_credentials.html", errors=form_errors(exc), values=values, step=3,
                         **credentials_context()), exc.status
        download = base64.b64encode(created["csv"].encode()).decode() if "csv" in created else \
            created["encrypted_file_base64"]
        return _page("api_credentials.html", errors={}, values={}, step=4, created=created, download=download,
                     **credentials_context())

    def certificates_context():
        atlas = atlas_of_app()
        return {"title": "Generate mTLS Certificates", "current": "mtls_certificates",
                "credentials": atlas.credentials.list(account_id()),
                "certificates": atlas.credentials.client_certificates(account_id())}

    @bp.route("/mtls-certificates", methods=["GET", "POST"])
    def mtls_certificates():
        if request.method == "GET":
            return _page("mtls_certificates.html", errors={}, values={}, **certificates_context())
        payload = {"familiar_name": request.form.get("familiar_name", ""), "csr": request.form.get("csr", "")}
        try:
            issued = atlas_of_app().credentials.generate_client_certificate(g.atlas_page_user, payload)
        except DomainError as exc:
            return _page("mtls_certificates.html", errors=form_errors(exc), values=payload,
                         **certificates_context()), exc.status
        return _page("mtls_certificates.html", errors={}, values={}, issued=issued, **certificates_context())

    # -- domains and users ---------------------------------------------------------------------------
    def domains_context():
        domains = atlas_of_app().domains
        listed = [{**d, "token": domains.token(account_id(), d["id"]) if d["status"] != "VERIFIED" else None}
                  for d in domains.list(account_id())[0]]
        return {"title": "Domains", "current": "domains", "domains": listed}

    @bp.route("/domains", methods=["GET", "POST"])
    def domains():
        if request.method == "GET":
            return _page("domains.html", errors={}, values={}, **domains_context())
        return act(lambda: atlas_of_app().domains.claim(account_id(), request.form.get("domain", "")),
                   lambda claimed: f"Domain {claimed['domain']} added: publish its DNS verification code as a TXT "
                                   "record.", ".domains", "domains.html", domains_context)

    @bp.post("/domains/<claim_id>/<action>")
    def domain_action(claim_id: str, action: str):
        domains = atlas_of_app().domains
        operations = {"verify": (lambda: domains.verify_dns(account_id(), claim_id),
                                 lambda checked: f"Verification: {checked['result']}."),
                      "reset": (lambda: domains.reassert(account_id(), claim_id), "New verification code issued."),
                      "delete": (lambda: domains.delete(account_id(), claim_id), "Domain deleted.")}
        if action not in operations:
            return _page("domains.html", errors={"_form": f"unknown action {action}"}, values={},
                         **domains_context()), 404
        operation, success = operations[action]
        return act(operation, success, ".domains", "domains.html", domains_context)

    def users_context():
        return {"title": "Users", "current": "users", "users": atlas_of_app().users.list(account_id())}

    @bp.route("/users", methods=["GET", "POST"])
    def users():
        if request.method == "GET":
            return _page("users.html", errors={}, values={}, **users_context())
        payload = {k: request.form.get(k, "") for k in ("email", "first_name", "last_name")}
        return act(lambda: atlas_of_app().users.add_admin_user(g.atlas_page_user, payload),
                   lambda added: f"Atlas admin user {added['email']} added: an invitation email was sent.", ".users",
                   "users.html", users_context)

    @bp.post("/users/<user_id>/delete")
    def remove_user(user_id: str):
        return act(lambda: atlas_of_app().users.remove(g.atlas_page_user, user_id), "User removed.", ".users",
                   "users.html", users_context)

    return bp
