"""A DIP message API listener (one per environment): mutual TLS with a DIP certificate, errors as the
DIP's `StandardResponse` — the one error mapping of this API. URLs are case-insensitive (the spec says so)."""
from __future__ import annotations

from flask import Flask, g, jsonify, request
from werkzeug.exceptions import HTTPException

from mock_ca import CertificateAuthorities
from mock_dip import message_signature
from mock_dip.message_senders import Sender
from mock_dip.response_codes import message as code_message
from mock_dip.service import Dip
from mock_dip.standard_response import response_item
from mock_dip.webhooks import STATUS_CHANNEL
from sandbox.kernel.clock import SandboxClock, real_now
from sandbox.kernel.errors import BadRequest, DomainError, Forbidden, InvalidInput, NotFound
from sandbox.kernel.flask_apps import SandboxFlask
from sandbox.kernel.http_framing import repeated_credentials
from sandbox.kernel.json_api import error_headers
from sandbox.kernel.json_limits import json_media_type
from sandbox.kernel.http_server import CLIENT_CHAIN_KEY, CLIENT_IDENTITY_KEY, JOURNAL_DETAIL_KEY


class PayloadTooLarge(DomainError):
    status = 413

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


def standard_response(message: str, help_text: str | None, timestamp: str) -> dict:
    """One item, for the sender of this request when it is known (g.sender_id, set once authenticated)."""
    return {"messageArray": [response_item(message, help_text, stamp=timestamp, sender_id=g.get("sender_id"))],
            "timestamp": timestamp}


def create_dip_api_app(cas: CertificateAuthorities, clock: SandboxClock, dip: Dip) -> Flask:
    environment = dip.ctx.environment
    app = SandboxFlask(f"dip_sandbox_dip_api_{environment}")
    app.json.sort_keys = False
    listener = f"the DIP {environment.upper()} API"

    def now_stamp() -> str:
        return clock.now().strftime("%Y-%m-%dT%H:%M:%S+00:00")

    def refusal(help_text: str, status: int):
        """The body of an error: a StandardResponse, but a JSON string on /validate (as its document says)."""
        if request.endpoint == "validate":
            return jsonify(help_text), documented_status(request.endpoint, status)
        return (standard_response("MSG1000 -Message Processing Failed", help_text, now_stamp()),
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

    def raw_body() -> bytes:
        limit = dip.ctx.messages.max_request_bytes
        if (request.content_length or 0) > limit:
            raise PayloadTooLarge(f"the request body is {request.content_length} bytes; the DIP accepts at most "
                                  f"{limit} (setting dip_max_request_bytes)")
        body = request.get_data()
        if len(body) > limit:
            raise PayloadTooLarge(f"the request body is more than {limit} bytes (setting dip_max_request_bytes)")
        if body and not json_media_type(request.headers.get("Content-Type")):
            raise BadRequest(f"Content-Type {request.headers.get('Content-Type') or '(none)'} is not accepted: the DIP "
                             "takes application/json bodies in UTF-8 (Content-Type: application/json)")
        return body

    def signed_sender(body: bytes) -> Sender:
        """mTLS certificate + X-API-Key + the four signature headers; the journal keeps the debugger's report."""
        sender = dip.senders.sender(g.client_identity.serial, request.headers.get("X-API-Key"))
        report = message_signature.check(request.method, request.url, body, request.headers, now_real=real_now(),
                                         now_sandbox=clock.now(), skew_seconds=dip.ctx.messages.signature_skew,
                                         path_only=dip.ctx.messages.path_only)
        try:
            dip.senders.judge_signature(sender, report)
        finally:
            request.environ[JOURNAL_DETAIL_KEY] = {"signature": report.describe(), "sender": sender.dip_id["dip_id"]}
        g.sender_id = sender.dip_id["dip_id"]
        return sender

    def answer(outcome):
        """A submission's StandardResponse; the journal keeps every problem in full (help is cut at 500)."""
        if outcome.problems:
            request.environ.setdefault(JOURNAL_DETAIL_KEY, {})["problems"] = outcome.problems
        if outcome.status == 201:
            dip.delivery.wake()
        return outcome.body(), outcome.status

    acting_on = {"configure_publication": "a webhook of", "remove_publication": "a webhook of",
                 "configure_status_messages": "the status message webhook of",
                 "remove_status_messages": "the status message webhook of",
                 "replay": "replaying the messages of", "requeue": "requeueing the messages of"}

    def for_recipient(sender: Sender, recipient_id: str) -> str:
        if sender.dip_id["dip_id"] != recipient_id:
            what = acting_on.get(request.endpoint or "", "acting for")
            raise Forbidden(f"the X-API-Key is the key of DIP ID {sender.dip_id['dip_id']}: {what} DIP ID "
                            f"{recipient_id} takes that DIP ID's own key (and its own signing certificate)")
        return recipient_id

    def done(status: int = 201, help_text: str | None = None):
        return standard_response(code_message("MSG0000"), help_text, now_stamp()), status

    @app.post("/dip-channel/<channel>")
    def send_messages(channel: str):
        body = raw_body()
        sender = signed_sender(body)
        return answer(dip.ingress.submit(sender, channel, body))

    @app.post("/dip-channel/<channel>/pubconfig/<recipient_id>")
    def configure_publication(channel: str, recipient_id: str):
        body = raw_body()
        recipient = for_recipient(signed_sender(body), recipient_id)
        dip.webhooks.set(recipient, channel, request.get_json(silent=True), f"X-API-Key of {recipient}")
        dip.delivery.wake()
        return done()

    def removed(recipient: str, channel: str):
        """204 whether or not there was a webhook to remove (the operation declares only 204 and 401)."""
        try:
            dip.webhooks.remove(recipient, channel)
        except (NotFound, InvalidInput) as nothing:
            request.environ.setdefault(JOURNAL_DETAIL_KEY, {})["nothing_removed"] = nothing.message
        return "", 204

    @app.delete("/dip-channel/<channel>/pubconfig/<recipient_id>")
    def remove_publication(channel: str, recipient_id: str):
        return removed(for_recipient(signed_sender(raw_body()), recipient_id), channel)

    @app.post("/statusmessage/config/<recipient_id>")
    def configure_status_messages(recipient_id: str):
        body = raw_body()
        recipient = for_recipient(signed_sender(body), recipient_id)
        dip.webhooks.set(recipient, STATUS_CHANNEL, request.get_json(silent=True), f"X-API-Key of {recipient}")
        return done()

    @app.delete("/statusmessage/config/<recipient_id>")
    def remove_status_messages(recipient_id: str):
        return removed(for_recipient(signed_sender(raw_body()), recipient_id), STATUS_CHANNEL)

    def own_recipient(channel: str, recipient_id: str) -> tuple[str, dict]:
        body = raw_body()
        recipient = for_recipient(signed_sender(body), recipient_id)
        payload = request.get_json(silent=True)
        if payload is None:
            raise BadRequest("the body is a MessageRequest JSON object")
        return recipient, payload

    @app.post("/dip-channel/<channel>/replay/<recipient_id>")
    def replay(channel: str, recipient_id: str):
        recipient, payload = own_recipient(channel, recipient_id)
        found = dip.replay.replay(recipient, channel, payload)
        if not found:  # the document's 200 is an array of at least one message: an empty answer is a 400
            raise NotFound(f"no message of {channel.upper()} to DIP ID {recipient} matches this MessageRequest "
                           "(datetimeFrom/datetimeTo are sandbox time, and eventCode, MPAN and transactionIDs must all "
                           "match)")
        return jsonify(found), 200

    @app.post("/dip-channel/<channel>/requeue/<recipient_id>")
    def requeue(channel: str, recipient_id: str):
        recipient, payload = own_recipient(channel, recipient_id)
        count = dip.replay.requeue(recipient, channel, payload)
        dip.delivery.wake()
        return done(200, f"{count} message(s) requeued")

    @app.post("/statusmessage")
    def status_message():
        body = raw_body()
        return answer(dip.status_messages.submit(signed_sender(body), body))

    @app.post("/validate/<channel>/<event_code>")
    def validate(channel: str, event_code: str):
        """No signature (the spec says so); mTLS still. Built-in checks of the common blocks."""
        problems = dip.ingress.validate(channel, event_code, raw_body())
        if problems:
            return jsonify("; ".join(problems)), 400
        return jsonify("Message OK"), 201

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
