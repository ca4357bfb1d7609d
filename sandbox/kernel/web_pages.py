"""What every page for people shares (the web layer of design.md): the Jinja2 layout, the stylesheet, CSRF
protection on every form (Flask-WTF's CSRFProtect: a well-kept implementation of the synchronizer token), the
secret key kept in the store, and turning a domain error into messages shown next to the fields.

The JSON APIs (control, Atlas portal API, DIP portal API) are exempt from CSRF: they take bearer tokens, and their
cookies are SameSite=Lax. Pages never carry secrets in URLs: tokens travel in POST bodies and HttpOnly cookies."""
from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any, Callable, TypeVar

from flask import Blueprint, Flask, flash, redirect, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect

from sandbox.kernel.errors import DomainError
from sandbox.kernel.passwords import RULE as PASSWORD_RULE


_SANDBOX = Path(__file__).resolve().parent.parent  # the sandbox package: the layout, the console's pages, the stylesheet
T = TypeVar("T")
PRESENTER_COOKIE = "presenter"
CHANGES_PATH = "/_pages/changes"


def live(changes: Callable[[], int] | None) -> Blueprint:
    """What makes the pages follow the sandbox: `GET /_pages/changes` (a number that moves when the state changes;
    static/live.js asks it every two seconds and reloads a page that is not being filled in), and presenter mode
    (larger type for a projector, a cookie of this browser)."""
    bp = Blueprint("sandbox_pages", __name__, template_folder=str(_SANDBOX / "templates"),
                   static_folder=str(_SANDBOX / "static"), static_url_path="/_sandbox/static")

    @bp.get(CHANGES_PATH)
    def changes_now():
        return {"changes": changes() if changes else 0}, 200, {"Cache-Control": "no-store"}

    @bp.post("/_pages/presenter")
    def presenter():
        response = redirect(local_path(request.form.get("back")) or "/")
        if request.form.get("on") == "1":
            response.set_cookie(PRESENTER_COOKIE, "1", samesite="Lax", max_age=30 * 86400)
        else:
            response.delete_cookie(PRESENTER_COOKIE)
        return response

    @bp.app_context_processor
    def page_globals():
        return {"presenter": request.cookies.get(PRESENTER_COOKIE) == "1",
                "live_url": CHANGES_PATH if changes and request.method == "GET" else None}

    return bp


def setup_pages(app: Flask, secret_key: str, api_blueprints: list[Blueprint],
                changes: Callable[[], int] | None = None) -> CSRFProtect:
    """`changes`: the store's change counter when pages follow the sandbox live (setting live_pages), else None."""
    app.secret_key = secret_key
    app.jinja_env.globals["password_rule"] = PASSWORD_RULE  # the hint says what the check checks
    app.jinja_env.filters["b64encode"] = lambda text: base64.b64encode(str(text).encode()).decode()  # data: links
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", WTF_CSRF_TIME_LIMIT=None)
    csrf = CSRFProtect(app)
    for blueprint in api_blueprints:
        csrf.exempt(blueprint)
    app.register_blueprint(live(changes))

    @app.errorhandler(CSRFError)
    def csrf_failed(exc: CSRFError):
        return error_page("The form expired", f"{exc.description} Go back, reload the page and send the form "
                          "again.", 400)

    return csrf


_DIP_AREA = re.compile(r"^/dip/(uit|prod)(/|$)")


def way_back(path: str) -> tuple[str, str]:
    """(address, name) of the start of the area a page belongs to: where an error page sends a person."""
    dip = _DIP_AREA.match(path)
    if dip:
        return f"/dip/{dip.group(1)}/", f"the DIP portal ({'UIT' if dip.group(1) == 'uit' else 'Production'})"
    if path.startswith("/atlas"):
        return "/atlas/", "the Atlas portal"
    if path.startswith("/console"):
        return "/console/", "the console"
    return "/", "the start page"


def error_page(title: str, message: str, status: int, headers: dict | None = None):
    """A styled page for a person who met an error (never JSON or a traceback): what happened, and two ways on —
    the page they came from, when it is one of ours, and the start of the area they were in."""
    home, home_name = way_back(request.path)
    referrer = request.referrer or ""
    previous = local_path(referrer[len(request.host_url) - 1:]) if referrer.startswith(request.host_url) else None
    return render_template("error.html", title=title, message=message, home=home, home_name=home_name,
                           previous=previous if previous != request.full_path.rstrip("?") else None), status, \
        headers or {}


def form_action(action: Callable[[], T], success: str | Callable[[T], str] | None, done: Callable[[T], Any],
                failed: Callable[[DomainError], Any]):
    """A form's POST, the one way every page runs it: do the domain `action`; when it succeeds, flash `success` (a
    message, or a function of the action's result that gives one — never a template, so nothing a person typed is
    read as one; None for a page that shows the result itself) and answer `done(result)`; when the domain
    refuses, answer `failed(refusal)` (as a rule the page again, with the errors next to the fields)."""
    try:
        result = action()
    except DomainError as exc:
        return failed(exc)
    if success is not None:
        flash(success(result) if callable(success) else success, "ok")
    return done(result)


def form_errors(exc: DomainError) -> dict[str, str]:
    """field -> message for the template, from a domain error (a form's several errors, or its one field)."""
    errors = dict(exc.details.get("errors") or {})
    if not errors:
        errors[exc.field or "_form"] = exc.message
    errors.setdefault("_form", exc.message)  # also at the top of the page: a field a form does not show is not lost
    return errors


def local_path(target: str | None) -> str | None:
    """A redirect target only when it is a path on this server ("/console/dns"), never another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target \
            or any(ord(character) < 32 for character in target):
        return None
    return target


def return_path() -> str | None:
    """Where a person who must sign in first was going (a page they asked for), for after the sign-in."""
    return request.full_path.rstrip("?") if request.method == "GET" else None
