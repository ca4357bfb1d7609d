"""Publish to me: the sandbox as the other side of the conversation. A counterpart — a DIP ID of a role that sends
the interface, in a DIP-Manager-owned organisation, made on first use — or any DIP ID of the environment sends
a message of interface X and event Y to a DIP ID. The message (mock_dip.message_builder) goes through the same
ingress as a client's (checks, routing, storage) and is signed by the DIP and delivered like any other."""
from __future__ import annotations

import json
from typing import Callable

from mock_dip.context import DipContext
from mock_dip.message_builder import Addressing, build
from mock_dip.message_ingress import MessageIngress
from mock_dip.message_senders import Sender
from sandbox.kernel import form_checks as f
from sandbox.kernel.errors import InvalidInput
from seed_data.role_codes import role as dip_role
from seed_data.routing import ROUTING_NOTE, Route, route, routes, unknown_interface

COUNTERPART_LISTENER = "dip_{environment}_counterparts"


class Publisher:
    def __init__(self, ctx: DipContext, ingress: MessageIngress, counterpart: Callable[[str], dict],
                 wake: Callable[[], None], record: Callable[..., object] | None = None):
        self.ctx = ctx
        self.ingress = ingress
        self._counterpart = counterpart  # role code -> a DIP ID row of a DIP-Manager-owned organisation
        self.wake = wake
        self.record = record

    # -- who -------------------------------------------------------------------------------------
    def _dip_id(self, dip_id, field: str) -> dict:
        row = self.ctx.one("select * from dip_ids where environment = ? and dip_id = ?",
                           [self.ctx.environment, str(dip_id)])
        if row is None:
            raise InvalidInput(f"{field} {dip_id} is not a DIP ID of the DIP {self.ctx.environment_name}", field=field)
        return row

    def _strict(self) -> bool:
        return self.ctx.messages.strict_routing

    def official_route(self, interface_id, field: str) -> Route:
        """The route of an interface of the DIP API in force, or InvalidInput naming `field`."""
        found = route(str(interface_id or ""), self.ctx.messages.version)
        if found is None:
            raise InvalidInput(unknown_interface(str(interface_id), self.ctx.messages.version) if interface_id
                               else f"{field} is required (an interface such as IF-041)", field=field)
        return found

    def journal(self, method: str, interface_id: str, status: int, client: str, detail: dict) -> None:
        """An entry of listener dip_<env>_counterparts: what the sandbox sent as a counterpart."""
        if self.record is not None:
            self.record(listener=COUNTERPART_LISTENER.format(environment=self.ctx.environment), method=method,
                        path=f"/dip-channel/{interface_id}", status=status, duration_ms=0.0, client=client,
                        detail=detail)

    def route_for(self, interface_id, recipient: dict) -> Route:
        found = self.official_route(interface_id, "interface")
        if self._strict() and recipient["role_code"] not in found.recipients:
            receivable = [r.interface_id for r in routes(self.ctx.messages.version)
                          if recipient["role_code"] in r.recipients]
            raise InvalidInput(f"DIP ID {recipient['dip_id']} has the role {recipient['role_code']}; "
                               f"{found.interface_id} ({found.name}) goes to {', '.join(found.recipients)}. "
                               f"{recipient['role_code']} receives {', '.join(receivable) or 'no interface'} "
                               f"({ROUTING_NOTE})", field="interface")
        return found

    def sender_for(self, found: Route, recipient: dict, given=None) -> dict:
        if given:
            row = self._dip_id(given, "from")
            if self._strict() and row["role_code"] not in found.senders:
                raise InvalidInput(f"DIP ID {row['dip_id']} has the role {row['role_code']}; {found.interface_id} "
                                   f"is sent by {', '.join(found.senders)} ({ROUTING_NOTE})", field="from")
            return row
        roles = [r for r in found.senders if (entry := dip_role(r)) is not None and entry.exchanges_messages] \
            if self._strict() else [recipient["role_code"]]
        other = [r for r in roles if r != recipient["role_code"]]
        return self._counterpart((other or roles)[0])

    def distributor(self, found: Route) -> str | None:
        if "distributor" not in found.secondary:
            return None
        row = self.ctx.one("select dip_id from dip_ids where environment = ? and role_code = 'LDSO' order by dip_id",
                           [self.ctx.environment])
        return row["dip_id"] if row else self._counterpart("LDSO")["dip_id"]

    # -- send ------------------------------------------------------------------------------------
    def send(self, found: Route, event: str, sender: dict, recipient: str, payload: dict | None = None,
             correlation_id: str | None = None, why: str = "publish") -> dict:
        """Send one message as `sender`; the stored message's answer, or InvalidInput with the DIP's refusal."""
        message = build(self.ctx, found, event, Addressing(sender, [recipient], self.distributor(found),
                                                           correlation_id), payload)
        who = Sender(sender, sender["organisation_id"], sender["organisation_id"], None)
        outcome = self.ingress.submit(who, found.interface_id, json.dumps([message]).encode(), why)
        if outcome.status != 201:
            raise InvalidInput("the DIP refused the message: " + "; ".join(
                outcome.problems or [str(item.get("help")) for item in outcome.items]), field="payload")
        self.wake()
        item = outcome.items[0]
        return {"interface": found.interface_id, "event_code": f"[{event}]", "from": sender["dip_id"],
                "from_role": sender["role_code"], "to": recipient, "transaction_id": item["transactionID"],
                "correlation_id": correlation_id, "message": message, "answer": item}

    def publish(self, payload) -> dict:
        """`{"to", "interface", "event_code"?, "payload"?, "from"?}`: one message to a DIP ID."""
        payload = f.form(payload)
        if not payload.get("to"):
            raise InvalidInput("to is required: the DIP ID that receives the message", field="to")
        recipient = self._dip_id(payload["to"], "to")
        found = self.route_for(payload.get("interface"), recipient)
        event = event_of(found, payload.get("event_code"))
        body = payload.get("payload")
        if body is not None and not isinstance(body, dict):
            raise InvalidInput("payload is the message's payload object ({\"CommonBlock\": ..., \"CustomBlock\": "
                               "...}), or left out for one built by the sandbox", field="payload")
        sent = self.send(found, event, self.sender_for(found, recipient, payload.get("from")), recipient["dip_id"],
                         body)
        self.journal("PUBLISH", found.interface_id, 201, sent["from"],
                     {k: v for k, v in sent.items() if k not in ("message", "answer")})
        return sent


def event_of(found: Route, event_code) -> str:
    """The event code (without brackets) of `found` that `event_code` names, or its first one."""
    if not event_code:
        return found.events[0]
    wanted = str(event_code).strip().strip("[]")
    match = next((e for e in found.events if e.lower() == wanted.lower()), None)
    if match is None:
        raise InvalidInput(f"event_code {event_code} is not an event of {found.interface_id} (the official list: "
                           f"{', '.join(found.events)})", field="event_code")
    return match
