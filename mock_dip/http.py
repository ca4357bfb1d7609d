"""A DIP message API listener (one per environment): mutual TLS with a DIP certificate, errors as the
DIP's `StandardResponse` — the one error mapping of this API."""
from __future__ import annotations

from flask import Flask, g, request
from werkzeug.exceptions import HTTPException

from mock_ca import CertificateAuthorities
from mock_dip.service import Dip
from sandbox.clock import SandboxClock
from sandbox.errors import DomainError
from sandbox.http_server import CLIENT_CHAIN_KEY, CLIENT_IDENTITY_KEY

ACCEPTED_ISSUERS = ["dip-issuing"]


def standard_response(message: str, help_text: str | None = None, timestamp: str | None = None) -> dict:
    item = {"transactionID": None, "senderUniqueReference": None, "correlationID": None, "sentTimestamp": None,
            "senderID": None, "recipientID": None, "DIPConnectionProviderID": None, "message": message,
            "help": help_text, "serviceTicketURL": None}
    return {"messageArray": [item], "timestamp": timestamp}


def create_dip_api_app(cas: CertificateAuthorities, clock: SandboxClock, dip: Dip) -> Flask:
    environment = dip.ctx.environment
    app = Flask(f"dip_sandbox_dip_api_{environment}")
    app.json.sort_keys = False
    listener = f"the DIP {environment.upper()} API"

    def now_stamp() -> str:
        return clock.now().strftime("%Y-%m-%dT%H:%M:%S+00:00")

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        return standard_response("MSG1000 -Message Processing Failed", exc.message, now_stamp()), exc.status

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return standard_response("MSG1000 -Message Processing Failed", exc.description, now_stamp()), exc.code

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("unexpected error")
        return standard_response("MSG1000 -Message Processing Failed",
                                 "internal error in the sandbox; the sandbox log has the details", now_stamp()), 500

    @app.before_request
    def client_certificate():
        identity = cas.judge_client(request.environ.get(CLIENT_CHAIN_KEY, []), ACCEPTED_ISSUERS, listener)
        g.client_identity = identity
        request.environ[CLIENT_IDENTITY_KEY] = f"CN={identity.common_name} serial={identity.serial}"

    @app.get("/_sandbox/whoami")
    def whoami():
        """Sandbox diagnostic: the client certificate this connection presented, as the sandbox judged it."""
        known = dip.certificates.find(g.client_identity.serial)
        return {"environment": environment, **g.client_identity.describe(),
                "dip_certificate": known and {"organisation_id": known["organisation_id"], "purpose": known["purpose"],
                                              "status": dip.certificates.display_status(known)}}

    return app
