"""What every route of a DIP message API listener reads from its request and how it answers: the raw body within
its limit, the signed sender (mTLS certificate, X-API-Key and the four signature headers), a recipient the sender
may act for, and the StandardResponse of a success."""
from __future__ import annotations

from flask import g, request

from mock_dip import message_signature
from mock_dip.message_senders import Sender
from mock_dip.response_codes import message as code_message
from mock_dip.service import Dip
from mock_dip.standard_response import response_item
from sandbox.kernel.clock import SandboxClock, real_now
from sandbox.kernel.errors import BadRequest, DomainError, Forbidden
from sandbox.kernel.http_server import JOURNAL_DETAIL_KEY
from sandbox.kernel.json_limits import json_media_type

ACTING_ON = {"configure_publication": "a webhook of", "remove_publication": "a webhook of",
             "configure_status_messages": "the status message webhook of",
             "remove_status_messages": "the status message webhook of",
             "replay": "replaying the messages of", "requeue": "requeueing the messages of"}


class PayloadTooLarge(DomainError):
    status = 413


def standard_response(message: str, help_text: str | None, timestamp: str) -> dict:
    """A StandardResponse of one item about this request (its sender's DIP ID once known)."""
    return {"messageArray": [response_item(message, help_text, stamp=timestamp, sender_id=g.get("sender_id"))],
            "timestamp": timestamp}


class ApiRequest:
    def __init__(self, dip: Dip, clock: SandboxClock):
        self.dip, self.clock = dip, clock

    def now_stamp(self) -> str:
        return self.clock.now().strftime("%Y-%m-%dT%H:%M:%S+00:00")

    def raw_body(self) -> bytes:
        limit = self.dip.ctx.messages.max_request_bytes
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

    def signed_sender(self, body: bytes) -> Sender:
        """mTLS certificate + X-API-Key + the four signature headers; the journal keeps the debugger's report."""
        dip, messages = self.dip, self.dip.ctx.messages
        sender = dip.senders.sender(g.client_identity.serial, request.headers.get("X-API-Key"))
        report = message_signature.check(request.method, request.url, body, request.headers, now_real=real_now(),
                                         now_sandbox=self.clock.now(), skew_seconds=messages.signature_skew,
                                         path_only=messages.path_only)
        try:
            dip.senders.judge_signature(sender, report)
        finally:
            request.environ[JOURNAL_DETAIL_KEY] = {"signature": report.describe(), "sender": sender.dip_id["dip_id"]}
        g.sender_id = sender.dip_id["dip_id"]
        return sender

    def for_recipient(self, sender: Sender, recipient_id: str) -> str:
        """`recipient_id`, when the sender is that DIP ID (its own webhooks, replays and requeues)."""
        if sender.dip_id["dip_id"] != recipient_id:
            what = ACTING_ON.get(request.endpoint or "", "acting for")
            raise Forbidden(f"the X-API-Key is the key of DIP ID {sender.dip_id['dip_id']}: {what} DIP ID "
                            f"{recipient_id} takes that DIP ID's own key (and its own signing certificate)")
        return recipient_id

    def signed_recipient(self, recipient_id: str) -> str:
        """The recipient of a signed request about its own configuration or messages."""
        return self.for_recipient(self.signed_sender(self.raw_body()), recipient_id)

    def answer(self, outcome):
        """A submission's StandardResponse; the journal keeps every problem in full (help is cut at 500)."""
        if outcome.problems:
            request.environ.setdefault(JOURNAL_DETAIL_KEY, {})["problems"] = outcome.problems
        if outcome.status == 201:
            self.dip.delivery.wake()
        return outcome.body(), outcome.status

    def done(self, status: int = 201, help_text: str | None = None):
        return standard_response(code_message("MSG0000"), help_text, self.now_stamp()), status
