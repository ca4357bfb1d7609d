"""Where a message stands in the DIP's delivery, for a test or a CI job (control API
`GET /_sandbox/dip/{env}/messages/{transaction_id}`, or `?reference=` the sender's unique reference): each
delivery's state, and in words why it is there — "Pending: no webhook configured for IF-041 on DIP ID ..." —
so a test that waits in vain says what to fix, not only that nothing arrived."""
from __future__ import annotations

from mock_dip.context import DipContext
from mock_dip.webhooks import STATUS_CHANNEL, Webhooks
from sandbox.kernel.clock import iso_unix
from sandbox.kernel.errors import InvalidInput, NotFound


class DeliveryReport:
    def __init__(self, ctx: DipContext, webhooks: Webhooks):
        self.ctx = ctx
        self.webhooks = webhooks

    def find(self, transaction_id: str | None = None, reference: str | None = None) -> dict:
        if not transaction_id and not reference:
            raise InvalidInput("give the transaction ID, or the sender's unique reference (?reference=)",
                               field="transaction_id")
        if transaction_id:
            row = self.ctx.one("select * from dip_messages where environment = ? and transaction_id = ?",
                               [self.ctx.environment, transaction_id])
        else:
            row = self.ctx.one("select * from dip_messages where environment = ? and sender_unique_reference = ? "
                               "order by received_at desc limit 1", [self.ctx.environment, reference])
        if row is None:
            wanted = f"transaction {transaction_id}" if transaction_id else f"sender reference {reference}"
            raise NotFound(f"no message with {wanted} in the DIP {self.ctx.environment_name} (was it accepted with "
                           "a 201?)", field="transaction_id" if transaction_id else "reference")
        deliveries = self.ctx.store.query("select * from dip_deliveries where environment = ? and transaction_id = ? "
                                          "and status_message_id is null order by id",
                                          [self.ctx.environment, row["transaction_id"]])
        return {"transaction_id": row["transaction_id"], "reference": row["sender_unique_reference"],
                "interface": row["interface_id"], "from": row["sender_dip_id"],
                "deliveries": [self._described(d) for d in deliveries]}

    def _described(self, delivery: dict) -> dict:
        return {"recipient": delivery["recipient_dip_id"], "kind": delivery["recipient_kind"],
                "state": delivery["state"], "attempts": delivery["attempts"], "last_status": delivery["last_status"],
                "last_error": delivery["last_error"], "next_attempt_at": iso_unix(delivery["next_attempt_at"]),
                "delivered_at": iso_unix(delivery["delivered_at"]), "why": self._why(delivery)}

    def _why(self, d: dict) -> str:
        state, interface, recipient = d["state"], d["interface_id"], d["recipient_dip_id"]
        if state == "Pending":
            channels = {w["channel"] for w in self.webhooks.for_recipient(recipient)}
            if interface not in channels and interface != STATUS_CHANNEL:
                return (f"Pending: no webhook configured for {interface} on DIP ID {recipient} (it waits for one, "
                        "or for a replay)")
            return f"Pending: the delivery worker has not posted it yet to the webhook of {interface}"
        if state == "Retrying":
            return (f"Retrying: attempt {d['attempts']} got {d['last_status'] or d['last_error']}; the next attempt "
                    f"is due at {iso_unix(d['next_attempt_at'])} sandbox time (advance the clock to it)")
        if state == "Delivered":
            return f"Delivered: the webhook answered {d['last_status']}"
        if state == "RetriesExhausted":
            return f"RetriesExhausted after {d['attempts']} attempts: last {d['last_status'] or d['last_error']}"
        if state == "RejectedByRecipient":
            return f"RejectedByRecipient: the webhook answered {d['last_status']} with {d['last_error']}"
        return f"{state}: {d['last_error'] or d['last_status']}"
