"""Auto-replies: per organisation, rules "on receiving interface X, answer with interface Y (and/or a status
message) after N sandbox seconds", so that a request and its response (IF-031 and IF-032, IF-061 and IF-062)
can be rehearsed end to end. Rules are rows of `dip_auto_replies`; a message that arrives for a DIP ID of the
organisation schedules a job on the sandbox clock, and the job sends the answer from that DIP ID back to the
original sender (through mock_dip.publisher, so it is routed, signed and delivered like any message), with the
original's transaction ID as its senderCorrelationID. Each firing is journaled (listener dip_<env>_counterparts).
An answer sent by an auto-reply does not itself trigger auto-replies: two rules cannot ping-pong forever."""
from __future__ import annotations

import json
from datetime import timedelta

from mock_dip.context import DipContext
from mock_dip.message_senders import Sender
from mock_dip.publisher import Publisher, event_of
from mock_dip.response_codes import message as code_message
from mock_dip.standard_response import response_item
from mock_dip.status_messages import StatusMessages
from sandbox.kernel import form_checks as f
from sandbox.kernel.errors import InvalidInput, NotFound
from seed_data.routing import route

JOB_AUTO_REPLY = "dip_auto_reply"
MAX_DELAY_SECONDS = 30 * 86400


class AutoReplies:
    def __init__(self, ctx: DipContext, publisher: Publisher, status_messages: StatusMessages):
        self.ctx = ctx
        self.publisher = publisher
        self.status_messages = status_messages
        self.job_kind = f"{JOB_AUTO_REPLY}_{ctx.environment}"
        ctx.scheduler.register(self.job_kind, self._fire)
        publisher.ingress.observers.append(self._arrived)

    # -- rules -----------------------------------------------------------------------------------
    def add(self, payload) -> dict:
        """`{"organisation_id", "on_interface", "reply_interface"?, "reply_event"?, "status_message"?,
        "after_seconds"?}`: one rule; at least one of reply_interface and status_message."""
        payload = f.form(payload)
        organisation = self.ctx.one("select id from dip_organisations where environment = ? and id = ?",
                                    [self.ctx.environment, str(payload.get("organisation_id") or "")])
        if organisation is None:
            raise InvalidInput("organisation_id is the organisation that answers (ORG-..., or CEN-<role>-"
                               f"{self.ctx.environment.upper()} for a counterpart) of the DIP "
                               f"{self.ctx.environment_name}", field="organisation_id")
        on = self.publisher.official_route(payload.get("on_interface"), "on_interface")
        reply = self.publisher.official_route(payload["reply_interface"], "reply_interface") \
            if payload.get("reply_interface") else None
        event = event_of(reply, payload.get("reply_event")) if reply else None
        status = payload.get("status_message", False)
        if not isinstance(status, bool):
            raise InvalidInput("status_message is true or false", field="status_message")
        if reply is None and not status:
            raise InvalidInput("a rule answers with reply_interface, a status message (status_message: true), or "
                               "both", field="reply_interface")
        after = payload.get("after_seconds", 0)
        if isinstance(after, bool) or not isinstance(after, (int, float)) or not 0 <= after <= MAX_DELAY_SECONDS:
            raise InvalidInput(f"after_seconds is a number of sandbox seconds from 0 to {MAX_DELAY_SECONDS} "
                               "(30 days)", field="after_seconds")
        row = {"environment": self.ctx.environment, "organisation_id": organisation["id"],
               "on_interface": on.interface_id, "reply_interface": reply.interface_id if reply else None,
               "reply_event": event, "status_message": int(status), "after_seconds": float(after),
               "created_at": self.ctx.clock.now_unix()}
        with self.ctx.store.transaction() as db:
            table = db["dip_auto_replies"]
            table.insert(row)
            row["id"] = table.last_pk
        return self.describe(row)

    def list(self, organisation_id: str | None = None) -> list[dict]:
        sql, params = "select * from dip_auto_replies where environment = ?", [self.ctx.environment]
        if organisation_id:
            sql += " and organisation_id = ?"
            params.append(organisation_id)
        return [self.describe(r) for r in self.ctx.store.query(sql + " order by id", params)]

    def remove(self, rule_id) -> None:
        with self.ctx.store.transaction() as db:
            gone = db.execute("delete from dip_auto_replies where environment = ? and id = ?",
                              [self.ctx.environment, str(rule_id)]).rowcount
        if not gone:
            raise NotFound(f"no auto-reply rule {rule_id} in the DIP {self.ctx.environment_name}", field="id")

    @staticmethod
    def describe(row: dict) -> dict:
        return {"id": row["id"], "organisation_id": row["organisation_id"], "on_interface": row["on_interface"],
                "reply_interface": row["reply_interface"], "reply_event": row["reply_event"],
                "status_message": bool(row["status_message"]), "after_seconds": row["after_seconds"]}

    # -- firing ----------------------------------------------------------------------------------
    def _arrived(self, interface: str, stored: list[dict], origin: str) -> None:
        if origin == "auto-reply":
            return
        recipients = sorted({str(item["recipientID"]) for item in stored})
        if not recipients:
            return
        rules: dict[str, list[dict]] = {}
        for rule in self.ctx.store.query(  # one query for the whole request, however many messages it carried
                "select d.dip_id as recipient_dip_id, r.* from dip_auto_replies r join dip_ids d on d.environment = "
                "r.environment and d.organisation_id = r.organisation_id where r.environment = ? and r.on_interface "
                f"= ? and d.dip_id in ({', '.join('?' * len(recipients))}) order by r.id",
                [self.ctx.environment, interface, *recipients]):
            rules.setdefault(rule["recipient_dip_id"], []).append(rule)
        for item in stored:
            for rule in rules.get(str(item["recipientID"]), []):
                self.ctx.scheduler.schedule(self.job_kind,
                                            self.ctx.clock.now() + timedelta(seconds=rule["after_seconds"]),
                                            {"rule_id": rule["id"], "transaction_id": item["transactionID"],
                                             "from": item["recipientID"], "to": item["senderID"]})

    def _fire(self, job: dict) -> None:
        rule = self.ctx.one("select * from dip_auto_replies where environment = ? and id = ?",
                            [self.ctx.environment, job["rule_id"]])
        if rule is None:
            return  # removed since the message arrived
        responder = self.ctx.one("select * from dip_ids where environment = ? and dip_id = ?",
                                 [self.ctx.environment, job["from"]])
        detail = {"why": "auto-reply", "rule": self.describe(rule), "in_reply_to": job["transaction_id"]}
        try:
            if rule["reply_interface"]:
                sent = self.publisher.send(route(rule["reply_interface"]), rule["reply_event"], responder,
                                           job["to"], correlation_id=job["transaction_id"], why="auto-reply")
                detail["reply_transaction_id"] = sent["transaction_id"]
            if rule["status_message"]:
                detail["status_message"] = self._status_message(responder, job["transaction_id"])
            status = 201
        except InvalidInput as refused:  # e.g. the responder's role does not send the reply interface
            detail["refused"] = refused.message
            status = 400
        self.publisher.journal("AUTO-REPLY", rule["reply_interface"] or "STATUS", status, job["from"], detail)

    def _status_message(self, responder: dict, transaction_id: str) -> str:
        original = self.ctx.one("select * from dip_messages where environment = ? and transaction_id = ?",
                                [self.ctx.environment, transaction_id])
        item = response_item(code_message("RCP0000"), "auto-reply of the sandbox: the message was processed",
                             stamp=original["sent_timestamp"], sender_id=original["sender_dip_id"],
                             transactionID=transaction_id, senderUniqueReference=original["sender_unique_reference"],
                             correlationID=original["correlation_id"], recipientID=responder["dip_id"],
                             DIPConnectionProviderID=None)
        who = Sender(responder, responder["organisation_id"], responder["organisation_id"], None)
        outcome = self.status_messages.submit(who, json.dumps([item]).encode())
        if outcome.status != 201:
            raise InvalidInput("the DIP refused the status message: " + "; ".join(outcome.problems),
                               field="status_message")
        self.publisher.wake()
        return code_message("RCP0000")
