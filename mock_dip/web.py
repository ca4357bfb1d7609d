"""The DIP portal's pages for people (`/dip/<environment>/...` on the web listener): server-rendered over the same
domain operations as the portal API — a page parses a form, calls the domain, and shows the domain's error next
to the field. The session is the portal API's cookie (HttpOnly, SameSite=Lax); sign-in steps carry their
challenge in the form body, never in a URL."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from mock_dip.permissions import roles_of
from mock_dip.permissions import may
from mock_dip.portal_requests import environment_dip, session_cookie, session_token
from mock_dip.web_manager import CONTEXT_COOKIE, add_manager_pages
from mock_dip.web_messaging import add_messaging_pages
from mock_dip.web_organisation import add_organisation_pages
from mock_dip.web_send_message import add_send_pages
from sandbox.kernel.errors import DomainError, Forbidden, Unauthorized
from sandbox.kernel.web_pages import form_errors, local_path, return_path

MENU = (("home", "Home"), ("organisation", "Market Participant Organisation"), ("channels", "Message Channels"),
        ("messages", "Messages"), ("performance", "Performance"))


def _page(template: str, **values):
    dip = environment_dip()
    user = g.get("page_user")
    menu = list(MENU)
    if user and user.get("is_manager"):  # the guide's DIP Manager navigation, as far as the sandbox goes
        menu = [("home", "Home"), ("manager", "Market Participant Organisation"), ("audit", "Audit"),
                ("mpan", "MPAN"), ("users", "Users")]
    elif user and "MP User Admin" in roles_of(user) and not user.get("dcp_context"):
        menu.append(("audit", "Audit"))
    return render_template(f"dip/{template}", environment=dip.ctx.environment,
                           environment_name=dip.ctx.environment_name, menu=menu, user=user,
                           can=lambda operation: bool(user) and may(user, roles_of(user), operation),
                           contexts=g.get("page_contexts") or [], **values)


def _signed_in():
    """The signed-in user of the page (acting in the chosen DCP context, if any), or None."""
    dip = environment_dip()
    try:
        user = dip.identity.authenticate(session_token(dip.ctx.environment))
    except Unauthorized:
        return None
    g.signed_in_page_user = user
    try:
        g.page_user = dip.dcps.acting_for(user, request.cookies.get(
            CONTEXT_COOKIE.format(environment=dip.ctx.environment)))
    except Forbidden:  # the nomination was withdrawn: back to the own organisation
        g.page_user = user
    if not user["is_manager"] and user["organisation_id"]:
        g.page_contexts = dip.dcps.contexts(user)
    return g.page_user


def pages_blueprint() -> Blueprint:
    bp = Blueprint("dip_pages", __name__, template_folder="templates")

    @bp.errorhandler(DomainError)
    def refused(exc: DomainError):
        """A refusal that no form shows next to its fields (a page the person may not open, a DIP ID that is not
        theirs): the portal's own error page, with its menu. Forms catch theirs (`form_action`)."""
        return _page("error.html", title="Not available", message=exc.message), exc.status

    @bp.get("/")
    def start(environment: str):
        return redirect(url_for(".home" if _signed_in() else ".sign_in", environment=environment))

    # -- invitation and sign-in ----------------------------------------------------------------------
    @bp.route("/invitations/<token>", methods=["GET", "POST"])
    def invitation(environment: str, token: str):
        if request.method == "POST":
            try:
                accepted = environment_dip().identity.accept_invitation(token, {"password": request.form.get("password",
                                                                                                              "")})
            except DomainError as exc:
                return _page("invitation.html", title="Set your password", errors=form_errors(exc)), exc.status
            flash(f"Password set for {accepted['email']}. Sign in to set up your authenticator app.", "ok")
            return redirect(url_for(".sign_in", environment=environment))
        return _page("invitation.html", title="Set your password", errors={})

    @bp.route("/sign-in", methods=["GET", "POST"])
    def sign_in(environment: str):
        if request.method == "GET":
            return _page("sign_in.html", title="Sign in", errors={}, email="")
        form = request.form
        payload = {k: form.get(k) for k in ("email", "password", "totp", "challenge") if form.get(k)}
        if form.get("accept_terms_of_use"):
            payload["accept_terms_of_use"] = True
        try:
            status, body = environment_dip().identity.sign_in(payload)
        except DomainError as exc:
            if form.get("challenge"):  # a failed step ends the sign-in: start again from email and password
                flash(f"{exc.message}. Sign in again.", "error")
                return redirect(url_for(".sign_in", environment=environment, next=local_path(request.args.get("next"))))
            return _page("sign_in.html", title="Sign in", errors=form_errors(exc), email=form.get("email", "")), \
                exc.status
        if status == 201:
            response = redirect(local_path(request.args.get("next")) or url_for(".home", environment=environment))
            response.set_cookie(session_cookie(environment), body["token"], httponly=True, samesite="Lax",
                                path=f"/dip/{environment}")
            return response
        if body["status"] == "mfa_enrolment_required":
            return _page("enrol.html", title="Set up your authenticator app", step=body, errors={})
        return _page("terms.html", title="Terms of Use", step=body, errors={})

    @bp.post("/sign-out")
    def sign_out(environment: str):
        environment_dip().identity.sign_out(session_token(environment))
        response = redirect(url_for(".sign_in", environment=environment))
        response.delete_cookie(session_cookie(environment), path=f"/dip/{environment}")
        flash("Signed out.", "ok")
        return response

    # -- signed-in pages -----------------------------------------------------------------------------
    @bp.before_request
    def require_session():
        endpoint = (request.endpoint or "").split(".")[-1]
        if endpoint in ("start", "invitation", "sign_in", "sign_out"):
            return None
        if _signed_in() is None:
            flash("Sign in to continue.", "error")
            return redirect(url_for(".sign_in", environment=request.view_args["environment"], next=return_path()))
        return None

    @bp.get("/home")
    def home(environment: str):
        dip, user = environment_dip(), g.page_user
        organisation = dip.organisations.get(user["organisation_id"]) if user["organisation_id"] else None
        return _page("home.html", title="Home", current="home", organisation=organisation, roles=roles_of(user))

    add_organisation_pages(bp, _page)
    add_messaging_pages(bp, _page)
    add_send_pages(bp, _page)
    add_manager_pages(bp, _page)
    return bp

