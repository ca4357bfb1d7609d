"""The delivery worker of one DIP environment: POSTs stored messages to the webhook of each recipient DIP ID and
interface, in order, signed with the DIP's own signing certificate (the same scheme as ingress, over the callback
URL) and presenting the DIP's client certificate to HTTPS webhooks.

Per delivery: Pending (no webhook yet: waits for replay or a webhook) → Delivered (2xx; RejectedByRecipient when
the StandardResponse items carry a failure code such as RCP9999), Retrying (408, 429, 500, 502, 503, 504 or no
connection; back-off on the sandbox clock, doubling) → RetriesExhausted, or DeliveryFailure (any other status,
not retried). Consecutive due messages of one queue travel together in one array (at most 100). The worker runs
on its own thread, off the store's lock, woken by new messages, new webhooks and clock changes.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from mock_dip import message_signature
from mock_dip.context import DipContext
from mock_dip.delivery_counts import latency_bucket
from mock_dip.message_ingress import dip_timestamp
from mock_dip.own_certificates import OwnCertificates
from mock_dip.standard_response import answer_problems
from mock_dip.webhooks import STATUS_CHANNEL
from sandbox.kernel.background import BackgroundLoop, seconds_until
from sandbox.kernel.clock import from_unix, iso_unix, real_now
from sandbox.kernel.private_files import write_private

log = logging.getLogger("dip_sandbox.delivery")
RETRY_STATUSES = {408, 429, 500, 502, 503, 504}
OPEN_STATES = ("Pending", "Retrying")
BATCH = 100
_SETTLED = ("state", "attempts", "next_attempt_at", "last_status", "last_error", "delivered_at", "delivered_real_at",
            "latency_ms", "latency_bucket")


@dataclass(frozen=True)
class DeliveryPolicy:
    attempts: int = 6
    backoff_seconds: float = 30.0
    timeout_seconds: float = 10.0


def egress_message(row: dict, delivery: dict, replay: bool = False) -> dict:
    """A stored message as a recipient receives it: the payload with D0 stamped."""
    payload = json.loads(row["payload"])
    payload["CommonBlock"]["D0"] = {"transactionID": row["transaction_id"],
                                    "transactionTimestamp": dip_timestamp(from_unix(row["received_at"])),
                                    "publicationID": delivery["publication_id"],
                                    "initialCorrelationID": row["correlation_id"], "replayIndicator": replay,
                                    "serviceTicketURL": None}
    return {"payload": payload}


def receiver_report(status: int, answer, elapsed: float) -> dict:
    """What the receiver answered — status, body (at most 500 characters), latency — and whether a 2xx answer was
    the documented StandardResponse (the receiver report of the Messages page and the journal)."""
    body = answer if isinstance(answer, str) else json.dumps(answer)
    report = {"status": status, "latency_ms": round(elapsed * 1000, 1), "body": body[:500]}
    if 200 <= status < 300:
        problems = answer_problems(answer)
        report.update(standard_response=not problems, problems=problems)
    return report


class DeliveryWorker:
    def __init__(self, ctx: DipContext, own: OwnCertificates, policy: DeliveryPolicy,
                 trust_bundle: Callable[[], Path], record: Callable[..., object] | None = None):
        self.ctx = ctx
        self.own = own
        self.policy = policy
        self.trust_bundle = trust_bundle
        self.record = record
        self._loop = BackgroundLoop(f"dip-delivery-{ctx.environment}", lambda: self.run_once() > 0,
                                    self._idle_wait, log)
        self._pools = None
        self._client_files: tuple[str, str] | None = None
        self._flight = threading.Condition()  # posts made and not yet settled
        self._in_flight = 0

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> None:
        self._loop.start()

    def stop(self) -> None:
        self._loop.stop(self.policy.timeout_seconds + 5)

    def wake(self) -> None:
        self._loop.wake()

    def settle(self) -> None:
        """Wait (at most one webhook timeout) until no post is in flight: a clock advance made as soon as a webhook
        answered then finds the answer recorded at the time it was given, and its retry due when it should be."""
        with self._flight:
            self._flight.wait_for(lambda: self._in_flight == 0, self.policy.timeout_seconds + 1)

    def waits(self) -> list[dict]:
        """The retries this DIP waits to make, as the scheduler lists its jobs (one per queue, its next attempt)."""
        # the open-queue index (the state term repeated so SQLite may use it); a few rows: one per queue
        rows = sorted(self.ctx.store.query(
            "select recipient_dip_id, interface_id, min(next_attempt_at) as due, count(*) as n, max(attempts) as "
            "attempts from dip_deliveries where environment = ? and state in ('Pending', 'Retrying') and state = "
            "'Retrying' group by recipient_dip_id, interface_id", [self.ctx.environment]), key=lambda r: r["due"])
        return [{"id": None, "kind": "dip.delivery_retry", "due": iso_unix(r["due"]),
                 "payload": {"environment": self.ctx.environment, "recipient_dip_id": r["recipient_dip_id"],
                             "interface": r["interface_id"], "deliveries": r["n"], "attempts": r["attempts"]}}
                for r in rows]

    def _idle_wait(self) -> float:
        row = self.ctx.one("select min(next_attempt_at) as due from dip_deliveries where environment = ? and "
                           "state = 'Retrying'", [self.ctx.environment])
        return seconds_until(self.ctx.clock, row and row["due"])

    # -- one round -------------------------------------------------------------------------------
    def due_queues(self) -> list[dict]:
        """(recipient, interface, callback) of each queue whose oldest open delivery is due now: one look-up in
        the open-queue index per webhook, however many deliveries are stored."""
        return self.ctx.store.query(
            "select w.recipient_dip_id, w.channel as interface_id, w.callback_url from dip_webhooks w where "
            "w.environment = ? and (select x.next_attempt_at from dip_deliveries x where x.environment = w.environment "
            "and x.recipient_dip_id = w.recipient_dip_id and x.interface_id = w.channel and x.state in ('Pending', "
            "'Retrying') order by x.id limit 1) <= ?", [self.ctx.environment, self.ctx.clock.now_unix() + 0.001])

    def run_once(self) -> int:
        done = 0
        for queue in self.due_queues():
            done += self._deliver_queue(queue)
        return done

    def _queue_rows(self, queue: dict) -> list[dict]:
        """The open deliveries of a queue, oldest first, with what they carry: a stored message, or for the
        STATUS channel a status-message item."""
        if queue["interface_id"] == STATUS_CHANNEL:
            source = ("s.item from dip_deliveries d join dip_status_messages s on s.id = d.status_message_id")
        else:
            source = ("m.payload, m.received_at, m.correlation_id from dip_deliveries d join dip_messages m on "
                      "m.environment = d.environment and m.transaction_id = d.transaction_id")
        return self.ctx.store.query(
            f"select d.*, {source} where d.environment = ? and d.recipient_dip_id = ? and d.interface_id = ? and "
            "d.state in ('Pending', 'Retrying') order by d.id limit ?",
            [self.ctx.environment, queue["recipient_dip_id"], queue["interface_id"], BATCH])

    def _deliver_queue(self, queue: dict) -> int:
        now = self.ctx.clock.now_unix()
        batch = []
        for row in self._queue_rows(queue):
            if row["next_attempt_at"] > now + 0.001:
                break
            batch.append(row)
        if not batch:
            return 0
        if queue["interface_id"] == STATUS_CHANNEL:
            body = json.dumps([json.loads(r["item"]) for r in batch]).encode()
        else:
            body = json.dumps([egress_message(r, r, bool(r["replay"])) for r in batch]).encode()
        with self._flight:
            self._in_flight += 1
        try:
            status, answer, error, elapsed = self._post(queue["callback_url"], body)
            self._settle(batch, queue["callback_url"], status, answer, error, elapsed)
        finally:
            with self._flight:
                self._in_flight -= 1
                self._flight.notify_all()
        return len(batch)

    # -- HTTP ------------------------------------------------------------------------------------
    def _pool(self, url: str):
        """A keep-alive connection pool to the webhook's origin. urllib3 (what `requests` stands on) without the
        `requests` layer: a post here is one request, not a browser session (no cookies, redirects or proxy
        settings from the sandbox's environment), and that layer was half of a post's Python work under load.
        HTTPS pools present the DIP's client certificate and check the webhook's against the trust bundle, both
        read from their files whenever a connection is made (a renewed certificate is on the next one)."""
        if self._pools is None:
            import urllib3  # kept out of start-up
            self._pools = urllib3.PoolManager(num_pools=64, maxsize=1, block=False)
        if url.lower().startswith("https:"):
            cert, key = self.client_files()
            bundle = str(self.trust_bundle())
            tls = {"cert_file": cert, "key_file": key, "ca_certs": bundle, "cert_reqs": "CERT_REQUIRED"}
            return self._pools.connection_from_url(url, pool_kwargs=tls)
        return self._pools.connection_from_url(url)

    def client_files(self) -> tuple[str, str]:
        """The DIP's client certificate and key as files (what urllib3 wants for mTLS)."""
        row = self.own.row("client")
        directory = self.trust_bundle().parent
        cert, key = directory / f"dip-{self.ctx.environment}-client.pem", directory / f"dip-{self.ctx.environment}-client.key"
        if self._client_files is None or not cert.exists() or cert.read_text() != row["certificate_pem"]:
            write_private(cert, row["certificate_pem"])
            write_private(key, row["key_pem"])
            self._client_files = (str(cert), str(key))
        return self._client_files

    def sign(self, url: str, body: bytes) -> dict[str, str]:
        signing, key = self.own.signer("signing")
        return {**message_signature.sign("POST", url, body, key, signing["certificate_pem"],
                                         real_now()), "Content-Type": "application/json"}

    def _post(self, url: str, body: bytes) -> tuple[int | None, object, str | None, float]:
        import urllib3
        started = time.perf_counter()
        timeout = urllib3.Timeout(connect=self.policy.timeout_seconds, read=self.policy.timeout_seconds)
        try:
            target = urllib3.util.parse_url(url).request_uri  # the pool knows the origin; the request line, the path
            response = self._pool(url).urlopen("POST", target, body=body, headers=self.sign(url, body),
                                               timeout=timeout, retries=False, redirect=False)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            return None, None, f"{type(exc).__name__}: {exc}", time.perf_counter() - started
        text = response.data.decode("utf-8", "replace")
        try:
            answer = json.loads(text)
        except ValueError:
            answer = text[:500]
        return response.status, answer, None, time.perf_counter() - started

    # -- outcome ---------------------------------------------------------------------------------
    @staticmethod
    def _rejections(answer) -> list[str]:
        if not isinstance(answer, dict) or not isinstance(answer.get("messageArray"), list):
            return []
        codes = [str(item.get("message") or "") for item in answer["messageArray"] if isinstance(item, dict)]
        return [c for c in codes if c and not c.startswith(("RCP0000", "MSG0000"))]

    def _settle(self, batch: list[dict], url: str, status: int | None, answer, error: str | None,
                elapsed: float) -> None:
        now, real = self.ctx.clock.now_unix(), real_now().timestamp()
        rejections = self._rejections(answer) if status and 200 <= status < 300 else []
        receiver = None if status is None else receiver_report(status, answer, elapsed)
        detail = json.dumps({"url": url, "error": error, "rejections": rejections, "receiver": receiver})
        updates, log = [], []
        for row in batch:  # the rows built first: the store's lock is held only to write them
            attempts = row["attempts"] + 1
            changes = {"attempts": attempts, "last_status": status, "last_error": error}
            if status is not None and 200 <= status < 300:
                state = "RejectedByRecipient" if rejections else "Delivered"
                latency = (real - row["created_real_at"]) * 1000
                changes.update(delivered_at=now, delivered_real_at=real, latency_ms=latency,
                               latency_bucket=latency_bucket(latency),
                               last_error="; ".join(rejections) or None)
            elif status is None or status in RETRY_STATUSES:
                if attempts >= self.policy.attempts:
                    state = "RetriesExhausted"
                else:
                    state = "Retrying"
                    changes["next_attempt_at"] = now + self.policy.backoff_seconds * 2 ** (attempts - 1)
            else:
                state = "DeliveryFailure"
                changes["last_error"] = f"the webhook answered {status}: not retried"
            changes["state"] = state
            updates.append([changes.get(k, row[k]) for k in _SETTLED] + [row["id"]])
            log.append({"delivery_id": row["id"], "at": now, "state": state, "status": status, "detail": detail})
        with self.ctx.store.transaction() as db:
            db.conn.executemany(f"update dip_deliveries set {', '.join(f'{k} = ?' for k in _SETTLED)} where id = ?",
                                updates)
            self.ctx.store.insert_many(db, "dip_delivery_log", log)
        if self.record is not None:
            self.record(listener=f"dip_{self.ctx.environment}_webhooks", method="POST", path=url,
                        status=status if status is not None else "-", duration_ms=elapsed * 1000,
                        client=f"to {batch[0]['recipient_dip_id']} {batch[0]['interface_id']}",
                        detail={"transactions": [r["transaction_id"] for r in batch], "error": error,
                                "rejections": rejections, "receiver": receiver})
