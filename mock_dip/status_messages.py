"""Status messages (`POST /statusmessage`): a recipient reports business status on messages it received — an
array of StandardResponse items, each naming the transactionID — and the DIP routes each item back to the
status webhook of the original sender DIP ID (`/statusmessage/config/{recipient-id}`), through the delivery
queues (channel STATUS). All-or-nothing like message submission."""
from __future__ import annotations

import json

from mock_dip.context import DipContext
from mock_dip.message_ingress import Outcome, dip_timestamp
from mock_dip.standard_response import response_item
from mock_dip.message_senders import Sender
from mock_dip.response_codes import message as code_message
from mock_dip.webhooks import STATUS_CHANNEL
from sandbox.kernel.clock import real_now
from sandbox.kernel.json_limits import JsonRefused, parse_json, unreadable

ITEM_KEYS = ("transactionID", "senderUniqueReference", "correlationID", "sentTimestamp", "senderID", "recipientID",
             "DIPConnectionProviderID", "message", "help", "serviceTicketURL")


class StatusMessages:
    def __init__(self, ctx: DipContext):
        self.ctx = ctx

    def _problem(self, sender: Sender, item) -> str | None:
        if not isinstance(item, dict):
            return "each item is a StandardResponse item object"
        lowered = {str(k).lower() for k in item}
        missing = [k for k in ITEM_KEYS if k.lower() not in lowered]
        if missing:
            return f"the item lacks {', '.join(missing)} (every key of a StandardResponse item is present, null allowed)"
        transaction = next((v for k, v in item.items() if str(k).lower() == "transactionid"), None)
        # by transaction (the unary + keeps SQLite off the recipient's indexes, which hold every delivery to it)
        delivered = self.ctx.one("select 1 as x from dip_deliveries where environment = ? and transaction_id = ? and "
                                 "+recipient_dip_id = ? and status_message_id is null",
                                 [self.ctx.environment, str(transaction), sender.dip_id["dip_id"]])
        if not delivered:
            return (f"transactionID {transaction} is not a message the DIP delivered to DIP ID "
                    f"{sender.dip_id['dip_id']}")
        return None

    def submit(self, sender: Sender, body: bytes) -> Outcome:
        stamp = dip_timestamp(self.ctx.clock.now())
        try:
            items = parse_json(body)
        except (ValueError, JsonRefused) as exc:
            return Outcome(400, [response_item(code_message("MSG1001"), unreadable(exc), stamp=stamp,
                                               sender_id=sender.dip_id["dip_id"])], stamp)
        who = {"stamp": stamp, "sender_id": sender.dip_id["dip_id"]}
        if not isinstance(items, list) or not items:
            return Outcome(400, [response_item(code_message("MSG1001"), "the body is a JSON array of one or more "
                                                                       "StandardResponse items", **who)], stamp)
        problems = [self._problem(sender, item) for item in items]
        if any(problems):
            return Outcome(400, [response_item(code_message("MSG1001" if p else "MSG1000"), p or
                                               "not accepted: another item of this request was rejected", **who)
                                 for p in problems], stamp, [p for p in problems if p])
        now, real = self.ctx.clock.now_unix(), real_now().timestamp()
        answers = []
        with self.ctx.store.transaction() as db:
            for item in items:
                canonical = {key: next((v for k, v in item.items() if str(k).lower() == key.lower()), None)
                             for key in ITEM_KEYS}
                original = self.ctx.one("select sender_dip_id from dip_messages where environment = ? and "
                                        "transaction_id = ?", [self.ctx.environment, canonical["transactionID"]])
                table = db["dip_status_messages"]
                table.insert({"environment": self.ctx.environment, "transaction_id": canonical["transactionID"],
                              "from_dip_id": sender.dip_id["dip_id"], "to_dip_id": original["sender_dip_id"],
                              "item": json.dumps(canonical), "received_at": now})
                db["dip_deliveries"].insert({
                    "environment": self.ctx.environment, "transaction_id": canonical["transactionID"],
                    "publication_id": None, "recipient_dip_id": original["sender_dip_id"], "recipient_kind": "status",
                    "interface_id": STATUS_CHANNEL, "state": "Pending", "attempts": 0, "next_attempt_at": now,
                    "last_status": None, "last_error": None, "created_at": now, "created_real_at": real,
                    "delivered_at": None, "delivered_real_at": None, "replay": 0, "status_message_id": table.last_pk})
                answers.append(response_item(code_message("MSG0000"), transactionID=canonical["transactionID"],
                                             recipientID=original["sender_dip_id"], **who))
        return Outcome(201, answers, stamp)
