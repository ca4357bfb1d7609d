"""What every Atlas page shares: the portal's layout and menu, the signed-in account, and a form's action (flash
and go back, or the page again with the errors next to the fields)."""
from __future__ import annotations

from flask import g, redirect, render_template, request, url_for

from sandbox.kernel.web_pages import form_action, form_errors

MENU = (("dashboard", "Dashboard"), ("identity_profiles", "Identity Profiles"), ("api_credentials", "API Credentials"),
        ("mtls_certificates", "Generate mTLS Certificates"), ("domains", "Domains"), ("users", "Users"))


def page(template: str, **values):
    return render_template(f"atlas/{template}", menu=MENU, user=g.get("atlas_page_user"), **values)


def account_id() -> str:
    """The signed-in user's account (the blueprint signs every page but the public ones in)."""
    return g.atlas_page_user["account_id"]


def act(action, success, back: str, template: str, context):
    """A form's domain action: flash and go back to `back` on success, else `template` with its errors."""
    return form_action(action, success, lambda _: redirect(url_for(back)), lambda exc: (page(
        template, errors=form_errors(exc), values=dict(request.form), **context()), exc.status))
