"""Message channels in the portal (B.7): per DIP ID the webhook of each interface and of status messages
(Message Admins; a nominated DCP acting for the MP too), the messages sent and received with each delivery's
journal, and a performance summary (counts per state, delivery latency percentiles)."""
from __future__ import annotations

import json

from mock_dip import permissions
from mock_dip.context import DipContext
from mock_dip.delivery_counts import DeliveryCounts
from mock_dip.dip_ids import DipIds
from mock_dip.permissions import roles_of
from mock_dip.webhook_inbox import WebhookInbox
from mock_dip.webhooks import STATUS_CHANNEL, Webhooks
from sandbox.kernel.clock import iso_unix
from sandbox.kernel.errors import InvalidInput, NotFound
from seed_data.routing import routes

STATES = ("Pending", "Retrying", "Delivered", "RejectedByRecipient", "DeliveryFailure", "RetriesExhausted")


class MessageChannels:
    def __init__(self, ctx: DipContext, dip_ids: DipIds, webhooks: Webhooks, inbox: WebhookInbox):
        self.ctx = ctx
        self.dip_ids = dip_ids
        self.webhooks = webhooks
        self.inbox = inbox
        self.counts = DeliveryCounts(ctx)

    def _dip_id(self, actor: dict, dip_id: str, operation: str) -> dict:
        permissions.require(actor, roles_of(actor), operation)
        return self.dip_ids.get(actor, dip_id)

    # -- webhooks ------------------------------------------------------------------------------------
    def channels(self, actor: dict, dip_id: str) -> list[dict]:
        return self.webhooks.for_recipient(self._dip_id(actor, dip_id, "channels.manage")["dip_id"])

    def configured(self, dip_id: str) -> list[str]:
        return [w["channel"] for w in self.webhooks.for_recipient(dip_id)]

    def receivable(self, role_code: str) -> list[dict]:
        """The channels a DIP ID of `role_code` has a use for: each interface its role receives (every interface
        with dip_routing=addressed), then status messages."""
        known = routes(self.ctx.messages.version)
        chosen = [r for r in known if role_code in r.recipients] if self.ctx.messages.strict_routing else known
        return [*({"channel": r.interface_id, "name": r.name} for r in chosen),
                {"channel": STATUS_CHANNEL, "name": "Status messages"}]

    def use_inbox(self, actor: dict, dip_id: str) -> list[dict]:
        """Every receivable channel of `dip_id` to the sandbox's built-in webhook inbox (mock_dip.webhook_inbox)."""
        row = self._dip_id(actor, dip_id, "channels.manage")
        url = self.inbox.url(row["dip_id"])
        return [self.webhooks.set(row["dip_id"], c["channel"], {"callbackURL": url}, actor["email"])
                for c in self.receivable(row["role_code"])]

    def inbox_deliveries(self, actor: dict, dip_id: str) -> dict:
        """What reached the built-in inbox of `dip_id`, for whoever may see its messages."""
        row = self._dip_id(actor, dip_id, "messages.view")
        return {"dip_id": row["dip_id"], "url": self.inbox.url(row["dip_id"]),
                "deliveries": self.inbox.deliveries(row["dip_id"])}

    def set_channel(self, actor: dict, dip_id: str, channel: str, payload) -> dict:
        row = self._dip_id(actor, dip_id, "channels.manage")
        return self.webhooks.set(row["dip_id"], channel, payload, actor["email"])

    def remove_channel(self, actor: dict, dip_id: str, channel: str) -> None:
        self.webhooks.remove(self._dip_id(actor, dip_id, "channels.manage")["dip_id"], channel)

    # -- messages ------------------------------------------------------------------------------------
    def messages(self, actor: dict, dip_id: str, direction: str = "sent", limit: int = 100) -> list[dict]:
        row = self._dip_id(actor, dip_id, "messages.view")
        if direction not in ("sent", "received"):
            raise InvalidInput("direction is sent or received", field="direction")
        if direction == "sent":
            rows = self.ctx.store.query(
                "select * from dip_messages where environment = ? and sender_dip_id = ? order by received_at desc, "
                "rowid desc limit ?", [self.ctx.environment, row["dip_id"], limit])
        else:  # a delivery made at ingress was created when the DIP received the message: its index gives the order
            rows = self.ctx.store.query(
                "select m.* from dip_deliveries d join dip_messages m on m.environment = d.environment and "
                "m.transaction_id = d.transaction_id where d.environment = ? and d.recipient_dip_id = ? and "
                "d.replay = 0 and d.status_message_id is null order by d.created_at desc, d.id desc limit ?",
                [self.ctx.environment, row["dip_id"], limit])
        return [self._summary(r) for r in rows]

    def _summary(self, row: dict) -> dict:
        deliveries = self.ctx.store.query("select recipient_dip_id, recipient_kind, state from dip_deliveries where "
                                          "environment = ? and transaction_id = ? and status_message_id is null "
                                          "order by id", [self.ctx.environment, row["transaction_id"]])
        return {"transaction_id": row["transaction_id"], "interface_id": row["interface_id"],
                "event_code": row["event_code"], "sender_dip_id": row["sender_dip_id"],
                "sender_unique_reference": row["sender_unique_reference"], "primary_recipient": row["primary_recipient"],
                "received_at": iso_unix(row["received_at"]), "dcp_id": row["dcp_id"],
                "deliveries": [{"recipient": d["recipient_dip_id"], "kind": d["recipient_kind"], "state": d["state"]}
                               for d in deliveries]}

    def message(self, actor: dict, transaction_id: str) -> dict:
        permissions.require(actor, roles_of(actor), "messages.view")
        row = self.ctx.one("select * from dip_messages where environment = ? and transaction_id = ?",
                           [self.ctx.environment, transaction_id])
        mine = row and any(self.dip_ids.in_scope(actor, d) and self._owned(actor, d)
                           for d in [row["sender_dip_id"], *[x["recipient_dip_id"] for x in self.ctx.store.query(
                               "select recipient_dip_id from dip_deliveries where environment = ? and transaction_id = ?",
                               [self.ctx.environment, transaction_id])]])
        if not mine:
            raise NotFound(f"no message {transaction_id} sent or received by your DIP IDs", field="transaction_id")
        deliveries = []
        for d in self.ctx.store.query("select * from dip_deliveries where environment = ? and transaction_id = ? "
                                      "order by id", [self.ctx.environment, transaction_id]):
            log = self.ctx.store.query("select * from dip_delivery_log where delivery_id = ? order by id", [d["id"]])
            deliveries.append({"recipient": d["recipient_dip_id"], "kind": d["recipient_kind"], "state": d["state"],
                               "attempts": d["attempts"], "replay": bool(d["replay"]), "last_status": d["last_status"],
                               "last_error": d["last_error"], "delivered_at": iso_unix(d["delivered_at"]),
                               "journal": [{"at": iso_unix(e["at"]), "state": e["state"], "status": e["status"],
                                            **json.loads(e["detail"] or "{}")} for e in log]})
        return {**self._summary(row), "payload": json.loads(row["payload"]), "deliveries": deliveries}

    def _owned(self, actor: dict, dip_id: str) -> bool:
        return bool(self.ctx.one("select 1 as x from dip_ids where environment = ? and dip_id = ? and "
                                 "organisation_id = ?", [self.ctx.environment, dip_id, actor["organisation_id"]]))

    # -- performance ---------------------------------------------------------------------------------
    def performance(self, actor: dict, dip_id: str) -> dict:
        row = self._dip_id(actor, dip_id, "performance.view")
        sent = self.counts.sent([row["dip_id"]])
        counts = {state: 0 for state in STATES}
        counts.update(self.counts.states([row["dip_id"]]))
        return {"dip_id": row["dip_id"], "sent": sent, "sent_total": sum(sent.values()),
                "deliveries_to_this_dip_id": counts, "delivery_latency_ms": self.counts.latency(row["dip_id"])}
