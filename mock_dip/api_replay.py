"""The DIP message API's replay (the messages of an interface to a DIP ID, again, in the answer) and requeue (the
same messages delivered again to its webhook), each by the recipient DIP ID itself."""
from __future__ import annotations

from flask import Flask, jsonify, request

from mock_dip.api_requests import ApiRequest
from sandbox.kernel.errors import BadRequest, NotFound


def add_replay_routes(app: Flask, api: ApiRequest) -> None:
    dip = api.dip

    def own_request(recipient_id: str) -> tuple[str, dict]:
        recipient = api.signed_recipient(recipient_id)
        payload = request.get_json(silent=True)
        if payload is None:
            raise BadRequest("the body is a MessageRequest JSON object")
        return recipient, payload

    @app.post("/dip-channel/<channel>/replay/<recipient_id>")
    def replay(channel: str, recipient_id: str):
        recipient, payload = own_request(recipient_id)
        found = dip.replay.replay(recipient, channel, payload)
        if not found:  # the document's 200 is an array of at least one message: an empty answer is a 400
            raise NotFound(f"no message of {channel.upper()} to DIP ID {recipient} matches this MessageRequest "
                           "(datetimeFrom/datetimeTo are sandbox time, and eventCode, MPAN and transactionIDs must all "
                           "match)")
        return jsonify(found), 200

    @app.post("/dip-channel/<channel>/requeue/<recipient_id>")
    def requeue(channel: str, recipient_id: str):
        recipient, payload = own_request(recipient_id)
        count = dip.replay.requeue(recipient, channel, payload)
        dip.delivery.wake()
        return api.done(200, f"{count} message(s) requeued")
