"""`POST /inbox/<environment>/<dip_id>[/<channel>]` on the web listener: the built-in webhook inbox's receiving
end (mock_dip.webhook_inbox), a machine interface — the DIP's delivery worker posts here as it posts to any
webhook, signed, and gets a StandardResponse back."""
from __future__ import annotations

from flask import Blueprint, Response, request

from mock_dip.portal_requests import environment_dip


def inbox_blueprint() -> Blueprint:
    bp = Blueprint("dip_inbox", __name__)

    @bp.post("/<environment>/<dip_id>", defaults={"channel": None})
    @bp.post("/<environment>/<dip_id>/<channel>")
    def receive(environment: str, dip_id: str, channel: str | None):
        status, reply = environment_dip().inbox.receive(dip_id, channel, request.url, request.get_data(),
                                                        request.headers)
        return Response(reply, status=status, content_type="application/json")

    return bp
