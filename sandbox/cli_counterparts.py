"""`dip-sandbox dip publish | counterpart | routing | auto-reply ...`: the sandbox as the other side of the
conversation, on the control API (mock_dip.publisher, mock_dip.auto_replies)."""
from __future__ import annotations

import json
from pathlib import Path

import click

ENVIRONMENT = click.option("--env", type=click.Choice(["uit", "prod"]), default="uit", show_default=True)


def _payload(path: str | None):
    if path is None:
        return None
    text = click.get_text_stream("stdin").read() if path == "-" else Path(path).read_text()
    try:
        return json.loads(text)
    except ValueError as exc:
        raise click.BadParameter(f"{path} is not JSON: {exc}", param_hint="--payload") from None


def _publish_body(env, to, interface, event, sender, payload):
    body = {"to": to, "interface": interface, "event_code": event, "from": sender, "payload": _payload(payload)}
    return {key: value for key, value in body.items() if value is not None}


def _rule_body(env, organisation, on, reply, event, status_message, after):
    body = {"organisation_id": organisation, "on_interface": on, "reply_interface": reply, "reply_event": event,
            "status_message": status_message, "after_seconds": after}
    return {key: value for key, value in body.items() if value is not None}


def register_counterpart_commands(dip_group: click.Group, client_command) -> None:
    @client_command(dip_group, "routing", "The routing table: per interface its events, senders and recipients.",
                    "GET", lambda env: f"/dip/{env}/routing")
    @ENVIRONMENT
    def _routing():
        pass

    @client_command(dip_group, "counterpart", "The DIP ID of the sandbox counterpart of ROLE (made on first use).",
                    "POST", lambda env, role: f"/dip/{env}/counterparts", lambda env, role: {"role_code": role})
    @ENVIRONMENT
    @click.argument("role")
    def _counterpart():
        pass

    @client_command(dip_group, "publish", "Publish to me: a counterpart sends one message of INTERFACE to DIP ID "
                    "--to (payload built unless --payload).", "POST",
                    lambda env, to, interface, event, sender, payload: f"/dip/{env}/publish", _publish_body)
    @ENVIRONMENT
    @click.option("--to", required=True, help="the DIP ID that receives the message")
    @click.option("--interface", required=True, help="e.g. IF-032")
    @click.option("--event", default=None, help="event code, e.g. MSAppInitialResp (default: the first)")
    @click.option("--from", "sender", default=None, help="send as this DIP ID (default: a counterpart)")
    @click.option("--payload", default=None, help="a JSON file of the payload object, or - for stdin")
    def _publish():
        pass

    @dip_group.group("auto-reply", help="Auto-reply rules: on receiving an interface, answer after N seconds.")
    def auto_reply():
        pass

    @client_command(auto_reply, "add", "A rule: when ORGANISATION receives --on, it answers with --reply and/or "
                    "a status message after --after sandbox seconds.", "POST",
                    lambda env, organisation, on, reply, event, status_message, after: f"/dip/{env}/auto-replies",
                    _rule_body)
    @ENVIRONMENT
    @click.argument("organisation")
    @click.option("--on", required=True, help="the interface that triggers it, e.g. IF-031")
    @click.option("--reply", default=None, help="the interface of the answer, e.g. IF-032")
    @click.option("--event", default=None, help="the answer's event code (default: the first)")
    @click.option("--status-message/--no-status-message", default=None, help="also answer with a status message")
    @click.option("--after", type=float, default=None, help="sandbox seconds before the answer (default 0)")
    def _add():
        pass

    @client_command(auto_reply, "list", "List the rules.", "GET", lambda env: f"/dip/{env}/auto-replies")
    @ENVIRONMENT
    def _list():
        pass

    @client_command(auto_reply, "remove", "Remove rule ID.", "DELETE",
                    lambda env, rule_id: f"/dip/{env}/auto-replies/{rule_id}")
    @ENVIRONMENT
    @click.argument("rule_id")
    def _remove():
        pass
