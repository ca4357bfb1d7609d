"""The control API (`/_sandbox` on the web listener): clock, DNS, outbox, journal, reset, snapshots, CAs — its
routes by resource in control_time, control_records, control_state and control_pki.

Loopback-only unless `control_allow_remote`; a bearer token when `control_token` is set. JSON in and out.
Errors: the JSON error shape of `sandbox.json_api`.
"""
from __future__ import annotations

import ipaddress
import secrets
import time

from flask import Blueprint, current_app, request, session

from sandbox.control_pki import add_pki_routes
from sandbox.control_records import add_record_routes
from sandbox.control_state import add_state_routes
from sandbox.control_time import add_time_routes
from sandbox.kernel.errors import DomainError, Forbidden, Unauthorized
from sandbox.kernel.flask_apps import app_sandbox
from seed_data.timing import wait_docs


def access_problem(settings, remote_addr: str | None, authorization: str | None) -> DomainError | None:
    """Why a request may not use the control API (or the console), or None: loopback only unless
    control_allow_remote, and the control_token when one is set."""
    if not settings.control_allow_remote:
        try:
            address = ipaddress.ip_address(remote_addr or "")
            loopback = address.is_loopback or bool(getattr(address, "ipv4_mapped", None)
                                                    and address.ipv4_mapped.is_loopback)
        except ValueError:
            loopback = False
        if not loopback:
            return Forbidden("the control API answers loopback addresses only; start the sandbox with "
                             "--control-allow-remote to allow others")
    if settings.control_token and (authorization or "") != f"Bearer {settings.control_token}":
        return Unauthorized("the control API needs 'Authorization: Bearer <control token>' "
                            "(the control_token setting)")
    return None


CONSOLE_SESSIONS = "dip_sandbox_console_sessions"
CONSOLE_SESSION_KEY = "console_session"


class ConsoleSessions:
    """Who entered the control token in the console. The signed (not encrypted) session cookie holds only a
    reference; the fact that it was entered stays in this process. A person's state, so real time (12 h), and
    references from `secrets`: a seeded source would make them guessable."""

    def __init__(self, lifetime_seconds: float = 12 * 3600):
        self._expiry: dict[str, float] = {}
        self._lifetime = lifetime_seconds

    def open(self) -> str:
        reference = secrets.token_urlsafe(32)
        self._expiry[reference] = time.monotonic() + self._lifetime
        return reference

    def valid(self, reference: str | None) -> bool:
        expiry = self._expiry.get(reference or "")
        return expiry is not None and expiry > time.monotonic()


def request_access_problem() -> DomainError | None:
    """`access_problem` for this request: its bearer token, or a console session that entered the token."""
    settings = app_sandbox().settings
    authorization = request.headers.get("Authorization")
    if settings.control_token and authorization is None and \
            current_app.extensions[CONSOLE_SESSIONS].valid(session.get(CONSOLE_SESSION_KEY)):
        authorization = f"Bearer {settings.control_token}"
    return access_problem(settings, request.remote_addr, authorization)


def control_blueprint() -> Blueprint:
    """The control API's kernel routes; the composition adds those of the simulated services."""
    bp = Blueprint("control", __name__)

    @bp.before_request
    def guard():
        problem = access_problem(app_sandbox().settings, request.remote_addr, request.headers.get("Authorization"))
        if problem is not None:
            raise problem

    # -- basics ----------------------------------------------------------------------------------
    @bp.get("/health")
    def health():
        sandbox = app_sandbox()
        spec = sandbox.dip_spec
        return {"status": "ok", "now": sandbox.clock.describe()["now"], "profile": sandbox.profile.name,
                "dip_spec": spec and {"version": spec.version, "directory": str(spec.directory.resolve())}}

    @bp.get("/profile")
    def profile():
        sandbox = app_sandbox()
        docs = wait_docs()
        return {"name": sandbox.profile.name, "waits": {
            name: {"seconds": seconds, "doc": docs.get(name, "")} for name, seconds in sandbox.profile.seconds.items()}}

    @bp.get("/endpoints")
    def endpoints():
        return app_sandbox().endpoints or {}

    add_time_routes(bp)
    add_record_routes(bp)
    add_state_routes(bp)
    add_pki_routes(bp)
    return bp
