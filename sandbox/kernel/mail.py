"""The outbox: every email the simulation sends, kept in the store; optionally relayed over SMTP.

A copy goes to the relay only once the email is committed (an email of a rolled-back transaction was never
sent), from one worker thread the outbox owns and stops, one email at a time in the order they were sent."""
from __future__ import annotations

import json
import logging
import queue
import re
import threading
from dataclasses import dataclass
from email.message import EmailMessage

from sandbox.kernel.clock import SandboxClock, from_unix, iso, parse_iso
from sandbox.kernel.errors import NotFound
from sandbox.kernel.ids import RandomSource
from sandbox.kernel.store import Store

log = logging.getLogger(__name__)
_LINK = re.compile(r"https?://[^\s<>\"')]+")


def migrations():
    def create_mail(db):
        db["mail"].create({"id": str, "sent_at": float, "sender": str, "recipient": str, "subject": str,
                           "text": str, "links": str, "seq": int}, pk="id")
        db["mail"].create_index(["recipient"])
        db["mail"].create_index(["seq"])
    def recipient_any_case(db):
        # an inbox in the order it was sent, whatever the case of the address asked for
        db.execute("drop index if exists idx_mail_recipient")
        db.execute("create index mail_recipient on mail (recipient collate nocase, seq)")
    return [create_mail, recipient_any_case]


@dataclass(frozen=True)
class Email:
    id: str
    sent_at: float
    sender: str
    recipient: str
    subject: str
    text: str
    links: tuple[str, ...]

    def describe(self) -> dict:
        return {"id": self.id, "sent_at": iso(from_unix(self.sent_at)), "from": self.sender, "to": self.recipient,
                "subject": self.subject, "text": self.text, "links": list(self.links)}


def _email(row: dict) -> Email:
    return Email(row["id"], row["sent_at"], row["sender"], row["recipient"], row["subject"], row["text"],
                 tuple(json.loads(row["links"])))


class Outbox:
    def __init__(self, store: Store, clock: SandboxClock, random: RandomSource, smtp_relay: str | None = None):
        self._store = store
        self._clock = clock
        self._random = random
        self._relay = smtp_relay
        self._relaying: queue.Queue[Email | None] = queue.Queue()
        self._relayer: threading.Thread | None = None
        self._relayer_lock = threading.Lock()

    def send(self, to: str, subject: str, text: str, sender: str = "no-reply@dip-sandbox.invalid") -> Email:
        email = Email(self._random.hex(8), self._clock.now_unix(), sender, to, subject, text,
                      tuple(dict.fromkeys(link.rstrip(".,;:!?") for link in _LINK.findall(text))))
        with self._store.transaction() as db:
            seq = db.execute("select coalesce(max(seq), 0) + 1 from mail").fetchone()[0]
            db["mail"].insert({**email.__dict__, "links": json.dumps(list(email.links)), "seq": seq})
            if self._relay:
                self._store.after_commit(lambda: self._queue_for_relay(email))
        return email

    def _queue_for_relay(self, email: Email) -> None:
        with self._relayer_lock:
            if self._relayer is None:
                self._relayer = threading.Thread(target=self._relay_loop, name="outbox-relay", daemon=True)
                self._relayer.start()
        self._relaying.put(email)

    def _relay_loop(self) -> None:
        while (email := self._relaying.get()) is not None:
            self._forward(email)

    def close(self, timeout: float = 10.0) -> None:
        """Relay what is queued (each at most its SMTP timeout), then stop the worker."""
        with self._relayer_lock:
            relayer, self._relayer = self._relayer, None
        if relayer is not None:
            self._relaying.put(None)
            relayer.join(timeout)

    def _forward(self, email: Email) -> None:
        import smtplib  # only with a relay set: a start does not need it

        host, _, port = self._relay.rpartition(":")
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = email.sender, email.recipient, email.subject
        message.set_content(email.text)
        try:
            with smtplib.SMTP(host or self._relay, int(port or 25), timeout=10) as smtp:
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("SMTP relay %s refused email %s: %s", self._relay, email.id, exc)

    def list(self, to: str | None = None, subject: str | None = None, since: str | None = None) -> list[Email]:
        where, params = [], []
        if to:
            where.append("recipient = ? collate nocase")
            params.append(to)
        if subject:
            where.append("lower(subject) like ?")
            params.append("%" + subject.lower() + "%")
        if since:
            where.append("sent_at >= ?")
            params.append(parse_iso(since).timestamp())
        sql = "select * from mail" + (f" where {' and '.join(where)}" if where else "")
        return [_email(r) for r in self._store.query(sql + " order by seq", params)]

    def get(self, email_id: str) -> Email:
        rows = self._store.query("select * from mail where id = ?", [email_id])
        if not rows:
            raise NotFound(f"no email with id {email_id!r}", field="id")
        return _email(rows[0])

    def clear(self) -> int:
        with self._store.transaction() as db:
            return db.execute("delete from mail").rowcount
