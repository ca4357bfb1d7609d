"""Replay and requeue (`POST /dip-channel/{id}/replay|requeue/{recipient-id}`): the stored messages of one
recipient and interface chosen by a MessageRequest — datetimeFrom / datetimeTo (when the DIP received them,
sandbox time), eventCode, MPAN, version (schema version), transactionIDs (at most 100); every key is required
by the spec and may be null. Replay answers them (replayIndicator true); requeue delivers them again to the
recipient's webhook."""
from __future__ import annotations

from datetime import datetime, timezone

from mock_dip.context import DipContext
from mock_dip.delivery import egress_message
from mock_dip.webhooks import Webhooks
from sandbox.kernel.clock import real_now
from sandbox.kernel.errors import Conflict, InvalidInput

REQUIRED = ("datetimeFrom", "datetimeTo", "eventCode", "MPAN", "version")
MAX_TRANSACTIONS = 100
MAX_REPLAY = 5000  # messages one replay or requeue returns; a wider window is refused (400) with how to narrow it


def _moment(value, field: str) -> float | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"{field} {value!r} is a date and time (YYYY-MM-DDThh:mm:ss+00:00) or null",
                           field=field) from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp()


def parse_request(payload) -> dict:
    if not isinstance(payload, dict):
        raise InvalidInput("the body is a MessageRequest object: {datetimeFrom, datetimeTo, eventCode, MPAN, "
                           "version, transactionIDs?}", field="body")
    request = {str(k).lower(): v for k, v in payload.items()}
    missing = [name for name in REQUIRED if name.lower() not in request]
    if missing:
        raise InvalidInput(f"MessageRequest needs {', '.join(missing)} (null for any)", field=missing[0])
    transactions = request.get("transactionids")
    if transactions is not None and (not isinstance(transactions, list) or not 1 <= len(transactions) <= MAX_TRANSACTIONS
                                     or not all(isinstance(t, str) for t in transactions)):
        raise InvalidInput(f"transactionIDs is a list of 1 to {MAX_TRANSACTIONS} transaction IDs",
                           field="transactionIDs")
    return {"from": _moment(request["datetimefrom"], "datetimeFrom"), "to": _moment(request["datetimeto"], "datetimeTo"),
            "event": request["eventcode"], "mpan": request["mpan"], "version": request["version"],
            "transactions": transactions}


class Replay:
    def __init__(self, ctx: DipContext, webhooks: Webhooks):
        self.ctx = ctx
        self.webhooks = webhooks

    def select(self, recipient_dip_id: str, interface_id: str, payload) -> list[dict]:
        """The deliveries a MessageRequest names, oldest first, with their messages. The time window is on the
        delivery's creation (the moment the DIP received the message) so the replay index serves it; named
        transactionIDs are looked up by transaction instead (the unary + keeps SQLite off the recipient's index)."""
        wanted = parse_request(payload)
        where = ["d.environment = ?", "d.interface_id = ?", "d.replay = 0"]
        params: list = [self.ctx.environment, self.webhooks.channel(interface_id)]
        if wanted["transactions"]:
            where += ["+d.recipient_dip_id = ?",
                      f"d.transaction_id in ({', '.join('?' * len(wanted['transactions']))})"]
            params += [recipient_dip_id, *wanted["transactions"]]
        else:
            where.append("d.recipient_dip_id = ?")
            params.append(recipient_dip_id)
        for column, value, op in (("d.created_at", wanted["from"], ">="), ("d.created_at", wanted["to"], "<="),
                                  ("m.mpan", wanted["mpan"], "="), ("m.schema_version", wanted["version"], "=")):
            if value is not None:
                where.append(f"{column} {op} ?")
                params.append(value)
        if wanted["event"] is not None:
            event = str(wanted["event"])
            where.append("lower(m.event_code) = lower(?)")
            params.append(event if event.startswith("[") else f"[{event}]")
        source = ("from dip_deliveries d join dip_messages m on m.environment = d.environment and m.transaction_id = "
                  f"d.transaction_id where {' and '.join(where)}")
        if wanted["transactions"]:  # at most a few rows per named transaction: put in order here
            rows = sorted(self.ctx.store.query(f"select d.*, m.payload, m.received_at, m.correlation_id {source}",
                                               params), key=lambda r: (r["created_at"], r["id"]))
        else:
            rows = self.ctx.store.query(f"select d.*, m.payload, m.received_at, m.correlation_id {source} order by "
                                        "d.created_at, d.id limit ?", [*params, MAX_REPLAY + 1])
        if len(rows) > MAX_REPLAY:
            total = self.ctx.one(f"select count(*) as n {source}", params)["n"]
            raise InvalidInput(f"the request selects {total:,} messages, more than the {MAX_REPLAY:,} one replay or "
                               "requeue returns: narrow datetimeFrom and datetimeTo (or name eventCode, MPAN or "
                               "transactionIDs) and ask for the rest in further requests", field="datetimeFrom")
        return rows

    def replay(self, recipient_dip_id: str, interface_id: str, payload) -> list[dict]:
        return [egress_message(row, row, replay=True) for row in self.select(recipient_dip_id, interface_id, payload)]

    def requeue(self, recipient_dip_id: str, interface_id: str, payload) -> int:
        channel = self.webhooks.channel(interface_id)
        if not any(w["channel"] == channel for w in self.webhooks.for_recipient(recipient_dip_id)):
            raise Conflict(f"DIP ID {recipient_dip_id} has no webhook for {channel}: configure one (pubconfig) "
                           "before requeueing, or use replay", field="id")
        rows = self.select(recipient_dip_id, interface_id, payload)
        now = self.ctx.clock.now_unix()
        with self.ctx.store.transaction() as db:
            for row in rows:
                db["dip_deliveries"].insert({
                    "environment": self.ctx.environment, "transaction_id": row["transaction_id"],
                    "publication_id": row["publication_id"], "recipient_dip_id": recipient_dip_id,
                    "recipient_kind": row["recipient_kind"], "interface_id": channel, "state": "Pending",
                    "attempts": 0, "next_attempt_at": now, "last_status": None, "last_error": None,
                    "created_at": now, "created_real_at": real_now().timestamp(), "delivered_at": None, "delivered_real_at": None,
                    "replay": 1, "status_message_id": None})
        return len(rows)

