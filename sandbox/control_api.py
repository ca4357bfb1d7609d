"""The control API (`/_sandbox` on the web listener): clock, DNS, outbox, journal, reset, snapshots, CAs.

Loopback-only unless `control_allow_remote`; a bearer token when `control_token` is set. JSON in and out.
Errors: the JSON error shape of `sandbox.json_api`.
"""
from __future__ import annotations

import ipaddress
import re
import secrets
import time

from flask import Blueprint, Response, current_app, request, session

from sandbox.kernel.clock import parse_duration, parse_iso
from sandbox.kernel.errors import BadRequest, DomainError, Forbidden, NotFound, Unauthorized
from sandbox.kernel.json_api import json_body
from sandbox.kernel.flask_apps import app_sandbox
from seed_data.timing import wait_docs

def _required(payload: dict, name: str):
    if name not in payload or payload[name] in (None, ""):
        raise BadRequest(f"{name!r} is required", field=name)
    return payload[name]


def _pem(text: str) -> Response:
    return Response(text, mimetype="application/x-pem-file")


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

    # -- clock -----------------------------------------------------------------------------------
    @bp.get("/clock")
    def clock_get():
        return app_sandbox().clock.describe()

    @bp.post("/clock/advance")
    def clock_advance():
        payload = json_body()
        return app_sandbox().scheduler.advance(parse_duration(_required(payload, "seconds")))

    @bp.post("/clock/set")
    def clock_set():
        payload = json_body()
        return app_sandbox().scheduler.set_time(parse_iso(_required(payload, "now")))

    @bp.post("/clock/mode")
    def clock_mode():
        payload = json_body()
        sandbox = app_sandbox()
        sandbox.clock.set_mode(str(_required(payload, "mode")).lower(), payload.get("factor"))
        return sandbox.clock.describe()

    @bp.get("/jobs")
    def jobs():
        scheduler = app_sandbox().scheduler
        return {"jobs": scheduler.pending(), "failed": scheduler.failed()}

    @bp.post("/jobs/<int:job_id>/retry")
    def retry_job(job_id: int):
        return app_sandbox().scheduler.retry(job_id)

    # -- DNS -------------------------------------------------------------------------------------
    @bp.get("/dns/records")
    def dns_list():
        sandbox = app_sandbox()
        now = sandbox.clock.now_unix()
        records = sandbox.zones.records(request.args.get("name"), request.args.get("type"))
        return {"records": [r.describe(now) for r in records]}

    @bp.post("/dns/records")
    def dns_add():
        payload = json_body()
        sandbox = app_sandbox()
        record = sandbox.zones.add(_required(payload, "name"), _required(payload, "type"),
                                   _required(payload, "value"), payload.get("ttl", 300))
        return record.describe(sandbox.clock.now_unix()), 201

    @bp.delete("/dns/records/<record_id>")
    def dns_delete(record_id: str):
        app_sandbox().zones.remove(record_id)
        return "", 204

    @bp.get("/dns/servfail")
    def servfail_list():
        return {"names": app_sandbox().zones.servfail_names()}

    @bp.post("/dns/servfail")
    def servfail_add():
        return {"name": app_sandbox().zones.set_servfail(_required(json_body(), "name"))}, 201

    @bp.delete("/dns/servfail/<name>")
    def servfail_delete(name: str):
        app_sandbox().zones.clear_servfail(name)
        return "", 204

    # -- outbox ----------------------------------------------------------------------------------
    @bp.get("/mail")
    def mail_list():
        emails = app_sandbox().outbox.list(request.args.get("to"), request.args.get("subject"),
                                        request.args.get("since"))
        return {"emails": [e.describe() for e in emails]}

    @bp.get("/mail/<email_id>")
    def mail_get(email_id: str):
        return app_sandbox().outbox.get(email_id).describe()

    @bp.delete("/mail")
    def mail_clear():
        return {"deleted": app_sandbox().outbox.clear()}

    # -- journal ---------------------------------------------------------------------------------
    @bp.get("/journal")
    def journal():
        args = request.args
        try:
            page, per_page = int(args.get("page", 1)), int(args.get("per_page", 50))
        except ValueError:
            raise BadRequest("page and per_page are whole numbers", field="page") from None
        return app_sandbox().journal.query(listener=args.get("listener"), method=args.get("method"),
                                        path=args.get("path"), status=args.get("status"),
                                        since=args.get("since"), page=page, per_page=per_page)

    # -- reset and snapshots ---------------------------------------------------------------------
    @bp.post("/reset")
    def reset():
        payload = json_body()
        ca = payload.get("ca", False)
        if not isinstance(ca, bool):
            raise BadRequest("'ca' is true or false", field="ca")
        return app_sandbox().reset(ca=ca)

    @bp.get("/snapshots")
    def snapshots_list():
        return {"snapshots": app_sandbox().snapshots.list()}

    @bp.post("/snapshots")
    def snapshots_save():
        return app_sandbox().snapshots.save(_required(json_body(), "name")), 201

    @bp.post("/snapshots/<name>/restore")
    def snapshots_restore(name: str):
        sandbox = app_sandbox()
        restored = sandbox.restore_snapshot(name)
        return {**restored, "clock": sandbox.clock.describe()}

    @bp.delete("/snapshots/<name>")
    def snapshots_delete(name: str):
        app_sandbox().snapshots.delete(name)
        return "", 204

    # -- scenarios -------------------------------------------------------------------------------
    @bp.get("/scenarios")
    def scenarios_list():
        sandbox = app_sandbox()
        current = sandbox.scenarios.current()
        return {"scenarios": sandbox.scenarios.list(), "current": current["name"] if current else None}

    @bp.post("/scenarios/<name>")
    def scenarios_load(name: str):
        return app_sandbox().scenarios.load(name)

    @bp.get("/scenario")
    def scenario_current():
        current = app_sandbox().scenarios.current()
        if current is None:
            raise NotFound("no scenario is loaded: POST /_sandbox/scenarios/{name} loads one "
                           "(GET /_sandbox/scenarios lists them)")
        return current

    # -- CA material -----------------------------------------------------------------------------
    @bp.get("/ca/bundle")
    def ca_bundle():
        return _pem(app_sandbox().cas.bundle_path.read_text())

    @bp.get("/ca/roots")
    def ca_roots():
        return _pem("".join(a.pem for a in app_sandbox().cas.roots()))

    @bp.get("/ca/intermediates")
    def ca_intermediates():
        return _pem("".join(a.pem for a in app_sandbox().cas.intermediates()))

    @bp.post("/tls/server-certificates")
    def tls_server_certificate():
        """A server certificate from the sandbox TLS root, which the DIP trusts for HTTPS webhooks."""
        names = json_body().get("names") or ["localhost", "127.0.0.1"]
        if not isinstance(names, list) or not all(isinstance(n, str) and re.fullmatch(r"[A-Za-z0-9.:*-]{1,253}", n)
                                                  for n in names):
            raise BadRequest("names is a list of DNS names or IP addresses", field="names")
        cert_pem, key_pem = app_sandbox().cas.new_server_certificate(names)
        return {"certificate_pem": cert_pem, "key_pem": key_pem, "names": names}, 201

    return bp
