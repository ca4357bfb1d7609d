"""A DIP message API listener (one per environment): mutual TLS with a DIP certificate, errors as the
DIP's `StandardResponse` — the one error mapping of this API. URLs are case-insensitive (the spec says so). The
operations are api_messages, api_webhooks and api_replay, over what api_requests reads from a request."""
from __future__ import annotations

from flask import Flask, g, jsonify, request
from werkzeug.exceptions import HTTPException

from mock_ca import CertificateAuthorities
from mock_dip.api_messages import add_message_routes
from mock_dip.api_replay import add_replay_routes
from mock_dip.api_requests import ApiRequest, standard_response
from mock_dip.api_webhooks import add_webhook_routes
from mock_dip.service import Dip
from sandbox.kernel.clock import SandboxClock
from sandbox.kernel.errors import BadRequest, DomainError
from sandbox.kernel.flask_apps import SandboxFlask
from sandbox.kernel.http_framing import repeated_credentials
from sandbox.kernel.json_api import error_headers
from sandbox.kernel.http_server import CLIENT_CHAIN_KEY, CLIENT_IDENTITY_KEY

ACCEPTED_ISSUERS = ["dip-issuing"]
# The codes the official SubmitEvents document declares for each operation (v1.8.3 and v2.1.0 alike). An error
# whose own status an operation does not declare is answered with the closest one it does (docs/dip.md, "The DIP
# message API"): 403 -> 401 where only 401 is declared, any other 4xx -> 400.
_CHANNEL_CODES = {400, 401, 403, 404, 405, 406, 408, 413, 429, 500, 502, 503, 504, 505}
DOCUMENTED = {"send_messages": _CHANNEL_CODES, "status_message": _CHANNEL_CODES,
              "configure_publication": {400, 401, 403}, "configure_status_messages": {400, 401, 403},
              "remove_publication": {401}, "remove_status_messages": {401},
              "replay": {400, 401, 403}, "requeue": {400, 401, 403}, "validate": {400, 500}}


def documented_status(endpoint: str | None, status: int) -> int:
    codes = DOCUMENTED.get(endpoint or "")
    if codes is None or status in codes:
        return status
    if status == 403 and 401 in codes:
        return 401
    if 400 <= status < 500 and 400 in codes:
        return 400
    return 401 if 400 <= status < 500 and 401 in codes else status


def create_dip_api_app(cas: CertificateAuthorities, clock: SandboxClock, dip: Dip) -> Flask:
    environment = dip.ctx.environment
    app = SandboxFlask(f"dip_sandbox_dip_api_{environment}")
    app.json.sort_keys = False
    listener = f"the DIP {environment.upper()} API"
    api = ApiRequest(dip, clock)

    def refusal(help_text: str, status: int):
        """The body of an error: a StandardResponse, but a JSON string on /validate (as its document says)."""
        if request.endpoint == "validate":
            return jsonify(help_text), documented_status(request.endpoint, status)
        return (standard_response("MSG1000 -Message Processing Failed", help_text, api.now_stamp()),
                documented_status(request.endpoint, status))

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        return refusal(exc.message, exc.status)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        body, status = refusal(exc.description, exc.code or 500)
        return body, status, error_headers(exc)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("unexpected error")
        return refusal("internal error in the sandbox; the sandbox log has the details", 500)

    app.config["MAX_CONTENT_LENGTH"] = dip.ctx.messages.max_request_bytes  # chunked bodies too

    @app.before_request
    def client_certificate():
        identity = cas.judge_client(request.environ.get(CLIENT_CHAIN_KEY, []), ACCEPTED_ISSUERS, listener)
        g.client_identity = identity
        request.environ[CLIENT_IDENTITY_KEY] = f"CN={identity.common_name} serial={identity.serial}"
        repeated = repeated_credentials(request.environ)
        if repeated:
            raise BadRequest(repeated)

    add_message_routes(app, api)
    add_webhook_routes(app, api)
    add_replay_routes(app, api)

    @app.post("/_sandbox/echo")
    def echo():
        """Sandbox diagnostic: the JSON body back, with the client certificate as judged — what the same stack
        does for a request without the message pipeline (the benchmarks' baseline)."""
        return {"echo": request.get_json(silent=True), "serial": g.client_identity.serial}, 201

    @app.get("/_sandbox/whoami")
    def whoami():
        """Sandbox diagnostic: the client certificate this connection presented, as the sandbox judged it."""
        known = dip.certificates.find(g.client_identity.serial)
        return {"environment": environment, **g.client_identity.describe(),
                "dip_certificate": known and {"organisation_id": known["organisation_id"], "purpose": known["purpose"],
                                              "status": dip.certificates.display_status(known)}}

    flask_wsgi = app.wsgi_app

    def case_insensitive_paths(environ, start_response):
        environ["PATH_INFO"] = environ.get("PATH_INFO", "").lower()
        return flask_wsgi(environ, start_response)

    app.wsgi_app = case_insensitive_paths
    return app
