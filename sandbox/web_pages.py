"""What every page for people shares (the web layer of design.md): the Jinja2 layout, the stylesheet, CSRF
protection on every form (Flask-WTF's CSRFProtect: a well-kept implementation of the synchronizer token), the
secret key kept in the store, and turning a domain error into messages shown next to the fields.

The JSON APIs (control, Atlas portal API, DIP portal API) are exempt from CSRF: they take bearer tokens, and their
cookies are SameSite=Lax. Pages never carry secrets in URLs: tokens travel in POST bodies and HttpOnly cookies."""
from __future__ import annotations

from flask import Blueprint, Flask, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect

from sandbox.errors import DomainError

SECRET_META = "web_secret_key"


def setup_pages(app: Flask, secret_key: str, api_blueprints: list[Blueprint]) -> CSRFProtect:
    app.secret_key = secret_key
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", WTF_CSRF_TIME_LIMIT=None)
    csrf = CSRFProtect(app)
    for blueprint in api_blueprints:
        csrf.exempt(blueprint)
    app.register_blueprint(Blueprint("sandbox_pages", __name__, template_folder="templates",
                                     static_folder="static", static_url_path="/_sandbox/static"))

    @app.errorhandler(CSRFError)
    def csrf_failed(exc: CSRFError):
        return render_template("error.html", title="The form expired",
                               message=f"{exc.description} Go back, reload the page and send the form again."), 400

    return csrf


def form_errors(exc: DomainError) -> dict[str, str]:
    """field -> message for the template, from a domain error (a form's several errors, or its one field)."""
    errors = dict(exc.details.get("errors") or {})
    if not errors:
        errors[exc.field or "_form"] = exc.message
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
