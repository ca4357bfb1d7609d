"""`POST /dip-channel/{id}` after the sender is known: the body's messages checked (structure, sender DIP ID and
role, DCP ID, duplicates, timestamps, addressing), all-or-nothing; accepted messages stored in one transaction
with a delivery per recipient — primary, secondary and always (seed_data/routing.json) — before the 201.

The checks read committed records outside the store's lock, each record once per request, and the rows to store
are built there too: the lock is held only to write them, which every other writer of the sandbox waits for. The
one check that must be atomic with the write, a sender's unique reference used once, is the primary key of
`dip_submissions`: should a concurrent request take a reference between the check and the write, the write fails
and the request is checked again, now seeing it (MSG1006)."""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Callable
from datetime import datetime, timezone

from mock_dip import common_blocks
from mock_dip.common_blocks import CheckedMessage
from mock_dip.context import DipContext
from mock_dip.message_senders import Sender
from mock_dip.response_codes import message as code_message
from mock_dip.standard_response import packed, response_item
from sandbox.kernel.clock import real_now
from sandbox.kernel.json_limits import JsonRefused, parse_json, unreadable
from seed_data.role_codes import role as dip_role
from seed_data.routing import ROUTING_NOTE, Route, route, unknown_interface

ENVIRONMENT_TAGS = {"uit": "UIT", "prod": "PRD"}


def dip_timestamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")


@dataclass
class Outcome:
    status: int
    items: list[dict]
    timestamp: str
    problems: list[str] = field(default_factory=list)  # every problem in full, for the journal

    def body(self) -> dict:
        return {"messageArray": self.items, "timestamp": self.timestamp}


def _titled(routing: Route) -> str:
    return f"{routing.interface_id} ({routing.name})"


class _Records:
    """The records one request is checked against, each read once (a request of 100 messages to one recipient
    reads its DIP ID once): committed state, through the reading thread's own connection; and the moment of the
    request, in sandbox and in real time, that every message of it is judged at."""

    def __init__(self, ctx: DipContext, now: datetime):
        self.ctx = ctx
        self.now, self.now_real = now, real_now()
        self.today = now.date().isoformat()
        self._dip_ids: dict[str, dict | None] = {}
        self._by_role: dict[str, list[dict]] = {}
        self._nominations: dict[tuple[str, str], dict | None] = {}

    def effective(self, row: dict) -> bool:
        """Whether a DIP ID row is effective on the request's day."""
        return row["effective_from"] <= self.today and (not row["effective_to"] or row["effective_to"] >= self.today)

    def dip_id(self, dip_id) -> dict | None:
        key = str(dip_id)
        if key not in self._dip_ids:
            self._dip_ids[key] = self.ctx.one("select * from dip_ids where environment = ? and dip_id = ?",
                                              [self.ctx.environment, key])
        return self._dip_ids[key]

    def with_role(self, role_code: str) -> list[dict]:
        if role_code not in self._by_role:
            self._by_role[role_code] = self.ctx.store.query(
                "select * from dip_ids where environment = ? and role_code = ? order by dip_id",
                [self.ctx.environment, role_code])
        return self._by_role[role_code]

    def nomination(self, dip_id: str, dcp_id) -> dict | None:
        key = (dip_id, str(dcp_id))
        if key not in self._nominations:
            self._nominations[key] = self.ctx.one(
                "select dcp_organisation_id from dip_nominations where environment = ? and dip_id = ? and dcp_id = ?",
                [self.ctx.environment, dip_id, str(dcp_id)])
        return self._nominations[key]


@dataclass
class _Draft:
    """One stored message (a message and one of its primary recipients) before its identifiers are drawn."""
    message: CheckedMessage
    primary: str
    role_code: str  # the primary recipient's, part of the transaction ID
    row: dict
    recipients: list[tuple[str, str]]  # (DIP ID, kind)


class MessageIngress:
    def __init__(self, ctx: DipContext, timestamp_skew_seconds: float = 300.0):
        self.ctx = ctx
        self.skew = timestamp_skew_seconds
        # (interface, stored items, origin) after each 201; origin: "client", "publish" or "auto-reply"
        self.observers: list[Callable[[str, list[dict], str], None]] = []

    # -- records ---------------------------------------------------------------------------------
    def _recipient_problem(self, records: _Records, dip_id, kind: str,
                           routing: Route | None = None) -> tuple[str, str] | None:
        unknown, bad_role = {"primary": ("MSG1031", "MSG1032"), "secondary": ("MSG1033", "MSG1034"),
                             "always": ("MSG1035", "MSG1036")}[kind]
        row = records.dip_id(dip_id)
        if row is None:
            other = self.ctx.one("select environment from dip_ids where dip_id = ? and environment != ?",
                                 [str(dip_id), self.ctx.environment])
            where = f" (it is a DIP ID of {other['environment'].upper()}, another environment)" if other else ""
            return unknown, f"{kind} recipient {dip_id} is not a DIP ID of the DIP {self.ctx.environment_name}{where}"
        if not records.effective(row):
            return unknown, (f"{kind} recipient {dip_id} is not effective on {records.today} "
                             f"(effective {row['effective_from']} to {row['effective_to'] or 'open'})")
        entry = dip_role(row["role_code"])
        if entry is None or not entry.exchanges_messages:
            return bad_role, f"{kind} recipient {dip_id} has the role {row['role_code']}, which does not exchange messages"
        if routing is not None and self.ctx.messages.strict_routing and row["role_code"] not in routing.recipients:
            return bad_role, (f"{kind} recipient {dip_id} has the role {row['role_code']}; {_titled(routing)} goes to "
                              f"{', '.join(routing.recipients)} ({ROUTING_NOTE})")
        return None

    @staticmethod
    def _dcp_ok(records: _Records, sender: Sender, dcp_id) -> bool:
        row = records.nomination(sender.dip_id["dip_id"], dcp_id)
        return row is not None and (sender.dcp_organisation_id is None or
                                    row["dcp_organisation_id"] == sender.dcp_organisation_id)

    def _timestamp_ok(self, records: _Records, stamp: str) -> bool:
        sent = common_blocks.sender_time(stamp)
        return sent is None or any((sent - now).total_seconds() <= self.skew for now in (records.now_real, records.now))

    # -- checks ----------------------------------------------------------------------------------
    def _check(self, records: _Records, sender: Sender, message: CheckedMessage, interface_id: str,
               seen: set[str]) -> dict:
        """Record checks of one structurally read message; returns its routing {secondary, always}."""
        s1, a0 = message.block("S1"), message.block("A0")
        dip_id = sender.dip_id
        if s1.get("senderDIPID") is not None and str(s1.get("senderDIPID")) != dip_id["dip_id"]:
            message.add("MSG1009", f"S1.senderDIPID {s1['senderDIPID']} is not the DIP ID of the X-API-Key "
                                   f"({dip_id['dip_id']})")
        elif not records.effective(dip_id):
            message.add("MSG1009", f"the sender DIP ID {dip_id['dip_id']} is not effective on "
                                   f"{records.today}")
        routing = route(interface_id, self.ctx.messages.version)
        if "senderRoleID" in s1 and s1["senderRoleID"] != dip_id["role_code"]:
            message.add("MSG1010", f"S1.senderRoleID {s1['senderRoleID']!r} is not the role of DIP ID "
                                   f"{dip_id['dip_id']} ({dip_id['role_code']})")
        elif routing is not None and self.ctx.messages.strict_routing and dip_id["role_code"] not in routing.senders:
            message.add("MSG1010", f"DIP ID {dip_id['dip_id']} has the role {dip_id['role_code']}; {_titled(routing)} "
                                   f"is sent by {', '.join(routing.senders)} ({ROUTING_NOTE})")
        dcp_id = s1.get("DIPConnectionProviderID")
        if sender.dcp_organisation_id and not dcp_id:
            message.add("MSG1011", "a DCP connected: S1.DIPConnectionProviderID is its DCP ID nominated for "
                                   f"{dip_id['dip_id']}")
        elif dcp_id and not self._dcp_ok(records, sender, dcp_id):
            message.add("MSG1011", f"S1.DIPConnectionProviderID {dcp_id} is not a DCP ID nominated for DIP ID "
                                   f"{dip_id['dip_id']}" + (" by the DCP that connected" if sender.dcp_organisation_id
                                                            else ""))
        stamp = s1.get("senderTimestamp")
        if (isinstance(stamp, str) and common_blocks.SENDER_TIMESTAMP.match(stamp)
                and not self._timestamp_ok(records, stamp)):
            message.add("MSG1007", f"S1.senderTimestamp {stamp} is in the future (more than {self.skew:g} s ahead of "
                                   "real and of sandbox time)")
        reference = s1.get("senderUniqueReference")
        if isinstance(reference, str):
            if reference in seen or self.ctx.one(
                    "select 1 as x from dip_submissions where environment = ? and sender_dip_id = ? and "
                    "sender_unique_reference = ?", [self.ctx.environment, dip_id["dip_id"], reference]):
                message.add("MSG1006", f"S1.senderUniqueReference {reference} was already used by DIP ID "
                                       f"{dip_id['dip_id']}")
            seen.add(reference)
        for recipient in a0.get("primaryRecipients") or []:
            problem = self._recipient_problem(records, recipient, "primary", routing)
            if problem:
                message.add(*problem)
        secondary, always = [], []
        if routing is None:  # not an interface of the DIP API: MSG1002 already
            return {"secondary": secondary, "always": always}
        if "distributor" in routing.secondary:
            distributor = message.block("M0").get("distributorDIPID")
            if not distributor:
                message.add("MSG1037", f"{interface_id} goes to the distributor as secondary recipient: the message "
                                       "needs M0 with distributorDIPID")
            elif self._recipient_problem(records, distributor, "secondary"):
                message.add("MSG1038", f"M0.distributorDIPID {distributor}: "
                            + self._recipient_problem(records, distributor, "secondary")[1])
            else:
                secondary.append(str(distributor))
        for role_code in routing.always:
            always += [r["dip_id"] for r in records.with_role(role_code) if records.effective(r)]
        return {"secondary": secondary, "always": always}

    # -- submit ----------------------------------------------------------------------------------
    def submit(self, sender: Sender, interface_id: str, body: bytes, origin: str = "client") -> Outcome:
        now = self.ctx.clock.now()
        stamp = dip_timestamp(now)
        try:
            array = parse_json(body)
        except (ValueError, JsonRefused) as exc:
            return Outcome(400, [response_item(code_message("MSG1001"), unreadable(exc), stamp=stamp,
                                               sender_id=sender.dip_id["dip_id"])], stamp)
        if not isinstance(array, list) or not array:
            return Outcome(400, [response_item(code_message("MSG1001"), "the body is a JSON array of one or more "
                                                                       "{\"payload\": {...}} messages", stamp=stamp,
                                               sender_id=sender.dip_id["dip_id"])], stamp)
        interface = interface_id.upper()
        messages = []
        for item in array:  # what needs no records first, outside the store's lock (schemas can take a while)
            message = common_blocks.check_message(item, interface, ENVIRONMENT_TAGS[self.ctx.environment])
            if route(interface, self.ctx.messages.version) is None:
                message.add("MSG1002", unknown_interface(interface_id, self.ctx.messages.version))
            self._check_schema(message, interface)
            messages.append(message)
        for attempt in (1, 2):
            records, seen = _Records(self.ctx, now), set()
            checked = [(m, self._check(records, sender, m, interface, seen) if m.payload is not None else {})
                       for m in messages]
            if any(m.problems for m in messages):
                return Outcome(400, [item for m in messages for item in self._rejected(sender, m, stamp)], stamp,
                               [f"message {n + 1}: {p.code}: {p.help}" for n, m in enumerate(messages)
                                for p in m.problems])
            submissions, drafts = self._drafts(records, sender, interface, checked, now)
            try:
                stored = self._store(interface, submissions, drafts, now)
                break
            except sqlite3.IntegrityError:  # a reference taken since the check: checked again, it is MSG1006
                if attempt == 2:
                    raise
        items = [self._accepted(sender, draft, transaction, stamp) for draft, transaction in stored]
        for observe in self.observers:  # after the transaction: what they do is not part of this submission
            observe(interface, items, origin)
        return Outcome(201, items, stamp)

    def _check_schema(self, message: CheckedMessage, interface: str, event_code: str | None = None) -> None:
        """With --dip-spec: the payload against the official schema of its interface and event."""
        spec = self.ctx.messages.spec
        if spec is None or message.payload is None:
            return
        code, problems, canonical = spec.validate(message.payload, interface,
                                                  event_code or message.block("S0").get("eventCode"))
        for problem in problems:
            message.add(code, problem)
        if not problems:
            message.payload = canonical

    def validate(self, interface_id: str, event_code: str, body: bytes) -> list[str]:
        """`/validate/{IF}/{EventCode}`: the structural checks only (no sender, no records); problems as text."""
        try:
            array = parse_json(body)
        except (ValueError, JsonRefused) as exc:
            return [f"MSG1001: {unreadable(exc)}"]
        if not isinstance(array, list) or not array:
            return ["MSG1001: the body is a JSON array of one or more {\"payload\": {...}} messages"]
        problems = []
        if route(interface_id, self.ctx.messages.version) is None:
            problems.append(f"MSG1002: {unknown_interface(interface_id, self.ctx.messages.version)}")
        for index, item in enumerate(array):
            message = common_blocks.check_message(item, interface_id.upper(), ENVIRONMENT_TAGS[self.ctx.environment])
            sent_event = message.block("S0").get("eventCode")
            if isinstance(sent_event, str) and sent_event.strip("[]").lower() != event_code.strip("[]").lower():
                message.add("MSG1001", f"S0.eventCode {sent_event} is not [{event_code.strip('[]')}]")
            self._check_schema(message, interface_id.upper(), event_code)
            problems += [f"message {index + 1}: {p.code}: {p.help}" for p in message.problems]
        return problems

    def _rejected(self, sender: Sender, message: CheckedMessage, stamp: str) -> list[dict]:
        """The items of one message of a refused request: its problems packed into helps of at most 500
        characters (more items when they do not fit in one)."""
        s1, a0 = message.block("S1"), message.block("A0")
        recipients = a0.get("primaryRecipients") if isinstance(a0.get("primaryRecipients"), list) else []
        fields = {"senderUniqueReference": s1.get("senderUniqueReference"), "correlationID": s1.get(
            "senderCorrelationID"), "sentTimestamp": s1.get("senderTimestamp"), "stamp": stamp,
            "sender_id": sender.dip_id["dip_id"], "recipientID": recipients[0] if len(recipients) == 1 else None,
            "DIPConnectionProviderID": s1.get("DIPConnectionProviderID")}
        if message.problems:
            return [response_item(code_message(code), help_text, **fields)
                    for code, help_text in packed([(p.code, p.help) for p in message.problems])]
        return [response_item(code_message("MSG1000"), "not accepted: another message of this request was rejected "
                                                       "(a request is accepted or rejected as a whole)", **fields)]

    def _drafts(self, records: _Records, sender: Sender, interface: str, checked: list,
                now: datetime) -> tuple[list[dict], list[_Draft]]:
        """The rows of an accepted request: its submissions (one per unique reference) and its messages, the
        identifiers of these drawn when they are stored."""
        submissions, drafts = [], []
        received, received_real = now.timestamp(), records.now_real.timestamp()
        for message, routing in checked:
            s0, s1, a0 = message.block("S0"), message.block("S1"), message.block("A0")
            submissions.append({"environment": self.ctx.environment, "sender_dip_id": sender.dip_id["dip_id"],
                                "sender_unique_reference": s1["senderUniqueReference"], "received_at": received})
            for primary in a0["primaryRecipients"]:
                common = {**message.payload["CommonBlock"], "A0": {
                    "primaryRecipients": [str(primary)], "secondaryRecipients": routing["secondary"],
                    "always": routing["always"]}}
                drafts.append(_Draft(message, str(primary), records.dip_id(primary)["role_code"], {
                    "environment": self.ctx.environment,
                    "interface_id": interface, "event_code": s0.get("eventCode"),
                    "sender_dip_id": sender.dip_id["dip_id"], "sender_organisation_id": sender.organisation_id,
                    "sender_unique_reference": s1["senderUniqueReference"],
                    "correlation_id": s1.get("senderCorrelationID"), "dcp_id": s1.get("DIPConnectionProviderID"),
                    "primary_recipient": str(primary), "payload": json.dumps({**message.payload,
                                                                              "CommonBlock": common}),
                    "mpan": message.block("M0").get("MPANCore"), "schema_version": s0.get("schemaVersion"),
                    "sent_timestamp": s1.get("senderTimestamp"), "received_at": received,
                    "received_real_at": received_real},
                    [(str(primary), "primary")] + [(r, "secondary") for r in routing["secondary"]]
                    + [(r, "always") for r in routing["always"]]))
        return submissions, drafts

    def _store(self, interface: str, submissions: list[dict], drafts: list[_Draft],
               now: datetime) -> list[tuple[_Draft, str]]:
        """One transaction: the identifiers drawn, then the submissions, messages and deliveries written.
        Returns each draft with its transaction ID."""
        day = now.strftime("%Y%m%d")
        stored, messages, deliveries = [], [], []
        with self.ctx.store.transaction() as db:
            # the identifiers' random parts in one draw: the same stream, in the same order, as one draw each
            drawn = self.ctx.random.hex(8 * sum(1 + len(d.recipients) for d in drafts), upper=True)
            parts = (drawn[i:i + 16] for i in range(0, len(drawn), 16))
            for draft in drafts:
                transaction = f"T-{interface}-{draft.primary}-{draft.role_code}-{day}-{next(parts)}"
                messages.append({"transaction_id": transaction, **draft.row})
                received, received_real = draft.row["received_at"], draft.row["received_real_at"]
                for recipient_id, kind in draft.recipients:
                    deliveries.append({
                        "environment": self.ctx.environment, "transaction_id": transaction,
                        "publication_id": f"P-{interface}-{recipient_id}-{day}-{next(parts)}",
                        "recipient_dip_id": recipient_id, "recipient_kind": kind, "interface_id": interface,
                        "state": "Pending", "attempts": 0, "next_attempt_at": received, "last_status": None,
                        "last_error": None, "created_at": received, "created_real_at": received_real,
                        "delivered_at": None, "delivered_real_at": None, "replay": 0, "status_message_id": None})
                stored.append((draft, transaction))
            for table, rows in (("dip_submissions", submissions), ("dip_messages", messages),
                                ("dip_deliveries", deliveries)):
                self.ctx.store.insert_many(db, table, rows)
        return stored

    @staticmethod
    def _accepted(sender: Sender, draft: _Draft, transaction: str, stamp: str) -> dict:
        s1 = draft.message.block("S1")
        return response_item(
            code_message("MSG0000"), transactionID=transaction, senderUniqueReference=s1["senderUniqueReference"],
            correlationID=s1.get("senderCorrelationID"), sentTimestamp=s1.get("senderTimestamp"), stamp=stamp,
            sender_id=sender.dip_id["dip_id"], recipientID=draft.primary,
            DIPConnectionProviderID=s1.get("DIPConnectionProviderID"))
