"""The DIP message API's webhook configuration, each by the recipient DIP ID itself: an interface's publication
webhook (pubconfig) and the status message webhook, set and removed."""
from __future__ import annotations

from flask import Flask, request

from mock_dip.api_requests import ApiRequest
from mock_dip.webhooks import STATUS_CHANNEL
from sandbox.kernel.errors import InvalidInput, NotFound
from sandbox.kernel.http_server import JOURNAL_DETAIL_KEY


def add_webhook_routes(app: Flask, api: ApiRequest) -> None:
    dip = api.dip

    def configured(recipient_id: str, channel: str):
        recipient = api.signed_recipient(recipient_id)
        dip.webhooks.set(recipient, channel, request.get_json(silent=True), f"X-API-Key of {recipient}")
        dip.delivery.wake()
        return api.done()

    def removed(recipient_id: str, channel: str):
        """204 whether or not there was a webhook to remove (the operation declares only 204 and 401)."""
        recipient = api.signed_recipient(recipient_id)
        try:
            dip.webhooks.remove(recipient, channel)
        except (NotFound, InvalidInput) as nothing:
            request.environ.setdefault(JOURNAL_DETAIL_KEY, {})["nothing_removed"] = nothing.message
        return "", 204

    @app.post("/dip-channel/<channel>/pubconfig/<recipient_id>")
    def configure_publication(channel: str, recipient_id: str):
        return configured(recipient_id, channel)

    @app.delete("/dip-channel/<channel>/pubconfig/<recipient_id>")
    def remove_publication(channel: str, recipient_id: str):
        return removed(recipient_id, channel)

    @app.post("/statusmessage/config/<recipient_id>")
    def configure_status_messages(recipient_id: str):
        return configured(recipient_id, STATUS_CHANNEL)

    @app.delete("/statusmessage/config/<recipient_id>")
    def remove_status_messages(recipient_id: str):
        return removed(recipient_id, STATUS_CHANNEL)
