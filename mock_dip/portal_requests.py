"""What every route of the DIP portal (its JSON API and its pages) reads from the request: the DIP of the
environment in the address, the session (cookie or bearer token), and a certificate as a download."""
from __future__ import annotations

from flask import Response, request

from mock_dip.service import Dip
from sandbox.kernel.errors import NotFound
from sandbox.kernel.flask_apps import app_sandbox

PEM_FILE = "application/x-pem-file"
CONTEXT_HEADER = "X-DIP-Context"  # a DCP member names the organisation it acts for


def environment_dip() -> Dip:
    """The DIP of the request's `<environment>` (uit or prod)."""
    environment = request.view_args.get("environment") if request.view_args else None
    dips = app_sandbox().dip
    if environment not in dips:
        raise NotFound(f"no DIP environment {environment!r}: use uit or prod", field="environment")
    return dips[environment]


def session_cookie(environment: str) -> str:
    return f"dip_session_{environment}"


def session_token(environment: str) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[7:].strip()
    return request.cookies.get(session_cookie(environment))


def pem_file(name: str, pem: str) -> Response:
    """A certificate (or chain) as a download: the API's and the pages' (mock_dip.web_organisation)."""
    return Response(pem, content_type=PEM_FILE, headers={"Content-Disposition": f'attachment; filename="{name}"'})
