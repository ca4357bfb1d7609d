"""The DIP message API's message operations: send on an interface channel, send a status message, and validate a
message without sending it (no signature there, as the document says; mTLS still)."""
from __future__ import annotations

from flask import Flask, jsonify

from mock_dip.api_requests import ApiRequest


def add_message_routes(app: Flask, api: ApiRequest) -> None:
    dip = api.dip

    @app.post("/dip-channel/<channel>")
    def send_messages(channel: str):
        body = api.raw_body()
        return api.answer(dip.ingress.submit(api.signed_sender(body), channel, body))

    @app.post("/statusmessage")
    def status_message():
        body = api.raw_body()
        return api.answer(dip.status_messages.submit(api.signed_sender(body), body))

    @app.post("/validate/<channel>/<event_code>")
    def validate(channel: str, event_code: str):
        """Built-in checks of the common blocks."""
        problems = dip.ingress.validate(channel, event_code, api.raw_body())
        if problems:
            return jsonify("; ".join(problems)), 400
        return jsonify("Message OK"), 201
