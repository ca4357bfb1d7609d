"""The console's "sign in as": the trainer becomes a DIP member or an Atlas user in this browser in one click (the
portal's own session cookie), and lands on that person's next action."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for

from mock_atlas.portal_requests import COOKIE as ATLAS_COOKIE
from mock_dip.portal_requests import session_cookie
from mock_dip.web_manager import CONTEXT_COOKIE
from sandbox.kernel.errors import DomainError
from sandbox.kernel.flask_apps import app_sandbox
from sandbox.kernel.web_pages import local_path


def add_sign_in_as_pages(bp: Blueprint) -> None:
    @bp.post("/sign-in-as/dip/<environment>/<user_id>")
    def sign_in_as_dip(environment: str, user_id: str):
        """The trainer becomes a member in this browser, in one click, and lands on their next action."""
        sandbox = app_sandbox()
        if environment not in sandbox.dip:
            flash(f"no DIP environment {environment}", "error")
            return redirect(url_for(".overview"))
        try:
            signed = sandbox.dip[environment].identity.sign_in_as(user_id)
        except DomainError as exc:
            flash(exc.message, "error")
            return redirect(url_for(".overview"))
        response = redirect(local_path(request.form.get("next")) or f"/dip/{environment}/home")
        response.set_cookie(session_cookie(environment), signed["token"], httponly=True, samesite="Lax",
                            path=f"/dip/{environment}")
        response.delete_cookie(CONTEXT_COOKIE.format(environment=environment), path=f"/dip/{environment}")
        flash(f"Signed in as {signed['user']['email']} (their authenticator app shows {signed['totp_now']} now).",
              "ok")
        return response

    @bp.post("/sign-in-as/atlas/<user_id>")
    def sign_in_as_atlas(user_id: str):
        try:
            token = app_sandbox().atlas.users.sign_in_as(user_id)
        except DomainError as exc:
            flash(exc.message, "error")
            return redirect(url_for(".overview"))
        response = redirect(local_path(request.form.get("next")) or "/atlas/dashboard")
        response.set_cookie(ATLAS_COOKIE, token, httponly=True, samesite="Lax", path="/atlas")
        return response
