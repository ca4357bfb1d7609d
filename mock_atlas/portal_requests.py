"""What every Atlas portal route reads from the request, pages and JSON API alike: the Atlas the app serves, the
session token (a bearer token, or the `atlas_session` cookie sign-in sets) and the signed-in account."""
from __future__ import annotations

from flask import g, request

from mock_atlas.service import Atlas
from sandbox.kernel.flask_apps import app_sandbox

COOKIE = "atlas_session"


def atlas_of_app() -> Atlas:
    return app_sandbox().atlas


def session_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[7:].strip()
    return request.cookies.get(COOKIE)


def api_account_id() -> str:
    """The account of the portal API's signed-in user (the blueprint authenticates every route but the public ones)."""
    return g.atlas_user["account_id"]
