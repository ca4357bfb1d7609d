"""The message channels' part of the DIP portal API's OpenAPI document."""
from __future__ import annotations

from sandbox.kernel.openapi_builder import NO_CONTENT, STR, body, json_response, obj, operation, path_param, query

_ANY = {"type": "object"}
_TAG = "DIP portal: Message channels"
_DIP_ID = path_param("dip_id", "10 digits")
_CHANNEL = path_param("channel", "an interface (IF-041, REP-002) or STATUS for status messages")


def channel_paths() -> dict:
    return {
        "/dip-ids/{dip_id}/channels": {"get": operation(
            "The DIP ID's webhooks: one per interface, and STATUS for status messages (Message Admin)",
            {"200": json_response(_ANY)}, parameters=[_DIP_ID], tag=_TAG)},
        "/dip-ids/{dip_id}/channels/{channel}": {
            "put": operation("Set the webhook of an interface (or STATUS) for this DIP ID (Message Admin)",
                             {"200": json_response(obj({"dip_id": STR, "channel": STR, "callbackURL": STR}))},
                             body=body(obj({"callbackURL": STR}, ["callbackURL"]),
                                       {"callbackURL": "https://hooks.example/dip"}),
                             parameters=[_DIP_ID, _CHANNEL], tag=_TAG),
            "delete": operation("Remove it: messages then wait for replay", {"204": NO_CONTENT},
                                parameters=[_DIP_ID, _CHANNEL], tag=_TAG)},
        "/dip-ids/{dip_id}/messages": {"get": operation(
            "Messages sent (or received, direction=received) by the DIP ID, newest first, with each delivery's "
            "state", {"200": json_response(_ANY)},
            parameters=[_DIP_ID, query("direction", "sent (default) or received")], tag=_TAG)},
        "/messages/{transaction_id}": {"get": operation(
            "One message: its payload and the delivery journal of each recipient (attempts, statuses, errors)",
            {"200": json_response(_ANY)}, parameters=[path_param("transaction_id", "T-...")], tag=_TAG)},
        "/dip-ids/{dip_id}/performance": {"get": operation(
            "Performance summary: messages sent per interface, deliveries to this DIP ID per state, delivery latency "
            "percentiles (Message Admin, Analytics Reader)", {"200": json_response(_ANY)}, parameters=[_DIP_ID],
            tag=_TAG)},
    }
