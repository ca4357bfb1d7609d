"""The DIP portal API's message channels, messages and performance (mock_dip.message_channels)."""
from __future__ import annotations

from flask import Blueprint, g, request

from mock_dip.portal_requests import environment_dip
from sandbox.kernel.json_api import json_body


def add_message_routes(bp: Blueprint) -> None:
    @bp.get("/dip-ids/<dip_id>/channels")
    def list_channels(environment: str, dip_id: str):
        return {"channels": environment_dip().channels.channels(g.dip_user, dip_id)}

    @bp.put("/dip-ids/<dip_id>/channels/<channel>")
    def set_channel(environment: str, dip_id: str, channel: str):
        dip = environment_dip()
        answer = dip.channels.set_channel(g.dip_user, dip_id, channel, json_body())
        dip.delivery.wake()
        return answer

    @bp.delete("/dip-ids/<dip_id>/channels/<channel>")
    def remove_channel(environment: str, dip_id: str, channel: str):
        environment_dip().channels.remove_channel(g.dip_user, dip_id, channel)
        return "", 204

    @bp.get("/dip-ids/<dip_id>/messages")
    def list_messages(environment: str, dip_id: str):
        direction = request.args.get("direction", "sent")
        return {"messages": environment_dip().channels.messages(g.dip_user, dip_id, direction)}

    @bp.get("/messages/<transaction_id>")
    def get_message(environment: str, transaction_id: str):
        return environment_dip().channels.message(g.dip_user, transaction_id)

    @bp.get("/dip-ids/<dip_id>/performance")
    def performance(environment: str, dip_id: str):
        return environment_dip().channels.performance(g.dip_user, dip_id)
