"""Send a test message from a page (the console's Counterparts page and the DIP portal's Messages page), in steps
a person can follow without JSON: the sender DIP ID; the recipient (any DIP ID of the environment, or a sandbox
counterpart of a role, made when the message is sent); an interface among those the recipient's role receives
from the sender's role (seed_data/routing.json); an event code of it; then the payload, filled in by the sandbox
(mock_dip.message_builder: from the official schema with --dip-spec, else the minimal template) and editable.

Sending goes through mock_dip.publisher, so the message meets the same ingress checks as a client's, is stored
and routed, and the DIP signs each delivery with its own signing certificate. The sender's own private key never
reaches the sandbox (the guide makes it on the participant's machine), so the page does not sign as the sender:
the message enters the DIP as the sandbox's counterparts' messages do. From the form, never from the edited
payload: who sends (S1 senderDIPID and senderRoleID) and who receives (A0); the sender's reference and timestamp
are stamped at the moment of sending, so a draft left open for an hour is still fresh."""
from __future__ import annotations

import json
from typing import Callable

from mock_dip import permissions
from mock_dip.context import DipContext
from mock_dip.permissions import roles_of
from mock_dip.message_builder import Addressing, build
from mock_dip.publisher import Publisher, event_of
from sandbox.kernel.errors import InvalidInput
from seed_data.role_codes import role as dip_role, roles
from seed_data.routing import Route, routes

COUNTERPART = "role:"  # a recipient value naming a sandbox counterpart of a role, e.g. "role:SUP"
STAMPED = ("senderUniqueReference", "senderTimestamp")  # filled in when the message is sent


class MessageComposer:
    def __init__(self, ctx: DipContext, publisher: Publisher, own_dip_ids: Callable[[dict], list[dict]],
                 counterpart: Callable[[str], dict]):
        self.ctx = ctx
        self.publisher = publisher
        self._own_dip_ids = own_dip_ids  # actor -> the DIP IDs the actor may see (DipIds.list)
        self._counterpart = counterpart

    # -- who -------------------------------------------------------------------------------------
    def _directory(self) -> list[dict]:
        today = self.ctx.clock.now().date().isoformat()
        rows = self.ctx.store.query(
            "select d.dip_id, d.role_code, d.organisation_id, o.company_name from dip_ids d join dip_organisations o "
            "on o.id = d.organisation_id where d.environment = ? and d.effective_from <= ? and (d.effective_to is "
            "null or d.effective_to >= ?) order by o.company_name, d.dip_id", [self.ctx.environment, today, today])
        return [r for r in rows if (entry := dip_role(r["role_code"])) is not None and entry.exchanges_messages]

    def senders(self, actor: dict | None) -> list[dict]:
        """Who `actor` may send as: its organisation's DIP IDs (a Message Admin; a DCP on the nominated ones), or
        for the console (actor None) any DIP ID of the environment that exchanges messages."""
        directory = self._directory()
        if actor is None:
            return directory
        permissions.require(actor, roles_of(actor), "messages.send_test")
        own = {d["dip_id"] for d in self._own_dip_ids(actor)}
        return [d for d in directory if d["dip_id"] in own]

    def recipients(self) -> list[dict]:
        """Every DIP ID of the environment that exchanges messages, then a sandbox counterpart of each role."""
        counterparts = [{"dip_id": COUNTERPART + r.role_id, "role_code": r.role_id,
                         "company_name": f"a sandbox counterpart ({r.role_id}, made when you send)"}
                        for r in roles().values() if r.exchanges_messages]
        return [*self._directory(), *counterparts]

    @staticmethod
    def _chosen(options: list[dict], value, field: str, what: str) -> dict | None:
        if not value:
            return None
        found = next((o for o in options if o["dip_id"] == str(value)), None)
        if found is None:
            raise InvalidInput(f"{what} {value} is not one of the choices offered", field=field)
        return found

    def interfaces(self, sender: dict, recipient: dict) -> list[Route]:
        """The interfaces `recipient`'s role receives from `sender`'s role (every interface when the sandbox runs
        with dip_routing=addressed)."""
        known = routes(self.ctx.messages.version)
        if not self.ctx.messages.strict_routing:
            return list(known)
        return [r for r in known if recipient["role_code"] in r.recipients and sender["role_code"] in r.senders]

    # -- the steps ---------------------------------------------------------------------------------
    def draft(self, actor: dict | None, values: dict) -> dict:
        """The form at the step `values` reached (`from`, `to`, `interface`, `event_code`): the choices of the
        next step, and once all are chosen the payload the sandbox fills in."""
        senders, recipients = self.senders(actor), self.recipients()
        sender = self._chosen(senders, values.get("from"), "from", "sender DIP ID")
        recipient = self._chosen(recipients, values.get("to"), "to", "recipient")
        step = {"senders": senders, "recipients": recipients, "from": sender, "to": recipient, "interfaces": [],
                "interface": None, "events": [], "event_code": None, "payload": None}
        if sender is None or recipient is None:
            return step
        receivable = self.interfaces(sender, recipient)
        step["interfaces"] = [{"interface": r.interface_id, "name": r.name} for r in receivable]
        if not step["interfaces"]:
            raise InvalidInput(f"{recipient['role_code']} receives no interface from {sender['role_code']} "
                               "(seed_data/routing.json): choose another recipient", field="to")
        wanted = str(values.get("interface") or "").upper()
        if not wanted:
            return step
        found = next((r for r in receivable if r.interface_id == wanted), None)
        if found is None:
            raise InvalidInput(f"{wanted} is not an interface {recipient['role_code']} receives from "
                               f"{sender['role_code']}: choose one of the list", field="interface")
        event = event_of(found, values.get("event_code"))
        step.update(interface=found.interface_id, name=found.name, events=list(found.events), event_code=event)
        step["payload"] = json.dumps(self._filled_in(found, event, sender), indent=2)
        return step

    def _filled_in(self, found: Route, event: str, sender: dict) -> dict:
        row = self.ctx.one("select * from dip_ids where environment = ? and dip_id = ?",
                           [self.ctx.environment, sender["dip_id"]])
        payload = build(self.ctx, found, event, Addressing(row, [], self.publisher.distributor(found)))["payload"]
        common = payload["CommonBlock"]
        common.pop("A0", None)  # addressed from the form when sent
        for key in STAMPED:
            common["S1"].pop(key, None)
        return payload

    def send(self, actor: dict | None, values: dict) -> dict:
        """Send the drafted message; the publisher's answer (with its transaction ID), or InvalidInput."""
        step = self.draft(actor, values)
        if step["payload"] is None:
            missing = next(k for k in ("from", "to", "interface") if not step[k])
            raise InvalidInput(f"choose the {'sender' if missing == 'from' else missing} first", field=missing)
        payload = self._payload(values.get("payload"), step["payload"])
        sender = self.ctx.one("select * from dip_ids where environment = ? and dip_id = ?",
                              [self.ctx.environment, step["from"]["dip_id"]])
        to = step["to"]["dip_id"]
        if to.startswith(COUNTERPART):
            to = self._counterpart(to[len(COUNTERPART):])["dip_id"]
        common = payload.setdefault("CommonBlock", {})
        s1 = common.setdefault("S1", {})
        s1.update(senderDIPID=sender["dip_id"], senderRoleID=sender["role_code"])
        common.setdefault("A0", {})["primaryRecipients"] = [to]
        found = self.publisher.official_route(step["interface"], "interface")
        sent = self.publisher.send(found, step["event_code"], sender, to, payload)
        self.publisher.journal("SEND-TEST", found.interface_id, 201, sent["from"],
                               {k: v for k, v in sent.items() if k not in ("message", "answer")})
        return sent

    @staticmethod
    def _payload(text, filled_in: str) -> dict:
        text = str(text or "").strip() or filled_in
        try:
            payload = json.loads(text)
        except ValueError as exc:
            raise InvalidInput(f"the payload is not JSON ({exc}): correct it, or clear the box to send the one the "
                               "sandbox fills in", field="payload") from None
        if not isinstance(payload, dict) or not isinstance(payload.get("CommonBlock", {}), dict):
            raise InvalidInput("the payload is an object {\"CommonBlock\": {...}, \"CustomBlock\": {...}}",
                               field="payload")
        return payload
