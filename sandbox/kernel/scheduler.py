"""Jobs that fall due on the sandbox clock, kept in the store so that they survive restarts.

Domain modules schedule a job by kind (`schedule("atlas.vetting_done", due, {...})`); the composition
registers one handler per kind. `advance`/`set_time` run every job that falls due, in time order, with
the clock showing each job's due time while it runs, before they return. In real and scaled modes a
background thread runs jobs as their time comes.

A job whose handler fails is kept, as `failed` with its error, for `retry(id)`: nothing it was to do (a vetting
verdict, an email) is lost without a word. An advance answers the failures with the count of the jobs that ran;
`failed()` lists them, and `on_failure` callbacks (the journal) hear of each one.
"""
from __future__ import annotations

import json
import logging
import threading
import traceback
from datetime import datetime
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from sandbox.kernel.background import BackgroundLoop, seconds_until
from sandbox.kernel.clock import SandboxClock, check_in_range, from_unix, iso, parse_iso, to_unix
from sandbox.kernel.errors import InvalidInput, NotFound
from sandbox.kernel.store import Store

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], None]
_SLACK = 0.001


def migrations():
    def create_jobs(db):
        db["jobs"].create({
            "id": int, "kind": str, "due_at": float, "payload": str, "status": str,
            "created_at": float, "ran_at": float, "error": str,
        }, pk="id")
        db["jobs"].create_index(["status", "due_at"])
    return [create_jobs]


def _described(row: dict) -> dict:
    """A job as the scheduler's callers see it: id, kind, due (ISO 8601), payload."""
    return {"id": row["id"], "kind": row["kind"], "due": iso(from_unix(row["due_at"])),
            "payload": json.loads(row["payload"])}


class Scheduler:
    def __init__(self, store: Store, clock: SandboxClock):
        self._store = store
        self._clock = clock
        self._handlers: dict[str, Handler] = {}
        # waits that other parts keep themselves (the DIP's delivery retries): listed and advanced to as jobs are
        self._waits: list[Callable[[], list[dict]]] = []
        # what settles before the clock moves (a delivery in flight is recorded at the time it was made)
        self._before_move: list[Callable[[], None]] = []
        self._on_failure: list[Callable[[dict, str], None]] = []
        self._run_lock = threading.RLock()
        self._loop = BackgroundLoop("sandbox-scheduler", lambda: self.run_due() > 0,
                                    lambda: seconds_until(self._clock, self._next_due()), log)
        clock.on_change(self.wake)

    def register(self, kind: str, handler: Handler) -> None:
        self._handlers[kind] = handler

    def add_waits(self, waits: Callable[[], list[dict]]) -> None:
        """Waits kept elsewhere, as `pending` lists them ({"id": None, "kind", "due", "payload"})."""
        self._waits.append(waits)

    def before_move(self, settle: Callable[[], None]) -> None:
        """Called before every advance or set of the clock, outside the scheduler's lock."""
        self._before_move.append(settle)

    def on_failure(self, callback: Callable[[dict, str], None]) -> None:
        """`callback(job, error)` after a job's handler failed (job: id, kind, due, payload)."""
        self._on_failure.append(callback)

    def _settle(self) -> None:
        for settle in self._before_move:
            settle()

    def schedule(self, kind: str, due: datetime, payload: dict[str, Any] | None = None) -> int:
        with self._store.transaction() as db:
            table = db["jobs"]
            table.insert({
                "kind": kind, "due_at": to_unix(due), "payload": json.dumps(payload or {}),
                "status": "pending", "created_at": self._clock.now_unix(), "ran_at": None, "error": None,
            })
            job_id = table.last_pk
        self.wake()
        return job_id

    def pending_of(self, kind: str, **payload: Any) -> list[dict]:
        """The pending jobs of `kind` (or of every kind under a prefix that ends in a dot: "atlas.") whose payload
        holds these values, by due time: id, kind, due_at (sandbox Unix seconds), payload. What a service asks
        about its own waits, without reading this module's table."""
        sql = ["select id, kind, due_at, payload from jobs where status = 'pending'"]
        params: list[Any] = []
        if kind.endswith("."):
            sql.append("and substr(kind, 1, ?) = ?")
            params += [len(kind), kind]
        else:
            sql.append("and kind = ?")
            params.append(kind)
        for name, value in payload.items():
            sql.append("and json_extract(payload, ?) = ?")
            params += [f"$.{name}", value]
        rows = self._store.query(" ".join(sql) + " order by due_at, id", params)
        return [{**row, "payload": json.loads(row["payload"])} for row in rows]

    def failed(self) -> list[dict]:
        """Every job whose handler failed and that was not retried since, oldest first."""
        rows = self._store.query("select id, kind, due_at, ran_at, payload, error from jobs where status = 'failed' "
                                 "order by due_at, id")
        return [{**_described(r), "failed_at": iso(from_unix(r["ran_at"])), "error": r["error"]} for r in rows]

    def retry(self, job_id: int) -> dict:
        """Run a failed job again, now: {"jobs_run", "jobs_failed"} of that run (jobs it schedules that fall due
        at once run too)."""
        with self._run_lock:
            with self._store.transaction() as db:
                changed = db.execute("update jobs set status = 'pending', error = null where id = ? and "
                                     "status = 'failed'", [job_id]).rowcount
            if not changed:
                raise NotFound(f"no failed job {job_id}: GET /_sandbox/jobs lists the failed ones", field="id")
            failures: list[dict] = []
            ran = self.complete_now([job_id], failures)
            return {"jobs_run": ran, "jobs_failed": failures}

    def pending(self) -> list[dict]:
        """Every pending job, and every wait kept elsewhere (id None), by due time."""
        rows = self._store.query(
            "select id, kind, due_at, payload from jobs where status = 'pending' order by due_at, id")
        jobs = [_described(r) for r in rows]
        others = [wait for waits in self._waits for wait in waits()]
        return sorted(jobs + others, key=lambda j: (parse_iso(j["due"]), j["id"] is None, j["id"] or 0)) \
            if others else jobs

    # -- running ---------------------------------------------------------------------------------
    def run_due(self, until: float | None = None, failures: list[dict] | None = None) -> int:
        """Run every pending job due at or before `until` (default: now), in order. Returns how many ran; each
        that failed instead is added to `failures` ({"id", "kind", "error"})."""
        ran = 0
        with self._run_lock:
            while True:
                # a millisecond of slack: float sums of advances must not miss a job due "exactly" then
                limit = (self._clock.now_unix() if until is None else until) + _SLACK
                rows = self._store.query(
                    "select * from jobs where status = 'pending' and due_at <= ? order by due_at, id limit 1",
                    [limit])
                if not rows:
                    return ran
                job = rows[0]
                self._clock.move_to(job["due_at"])
                error = self._run_one(job)
                if error is None:
                    ran += 1
                elif failures is not None:
                    failures.append({"id": job["id"], "kind": job["kind"], "error": error})

    def _run_one(self, job: dict) -> str | None:
        """Runs the job: None when done (or removed meanwhile), else its error, the job kept as failed."""
        handler = self._handlers.get(job["kind"])
        try:
            if handler is None:
                raise LookupError(f"no handler for job kind {job['kind']!r}")
            with self._store.transaction() as db:
                handler(json.loads(job["payload"]))
                db["jobs"].update(job["id"], {"status": "done", "ran_at": self._clock.now_unix()})
        except Exception as exc:  # a failing job must not stop the clock
            if not self._store.query("select 1 as x from jobs where id = ?", [job["id"]]):
                log.info("job %s (%s) was removed while it ran (a reset or restore): %s", job["id"], job["kind"], exc)
                return None
            log.error("job %s (%s) failed: %s", job["id"], job["kind"], traceback.format_exc())
            error = f"{type(exc).__name__}: {exc}"
            with self._store.transaction() as db:
                db["jobs"].update(job["id"], {"status": "failed", "ran_at": self._clock.now_unix(), "error": error})
            for callback in self._on_failure:
                callback(_described(job), error)
            return error
        return None

    def complete_now(self, job_ids: list[int], failures: list[dict] | None = None) -> int:
        """The given pending jobs fall due now and run (a wait "completed now" by a trainer or a test)."""
        with self._run_lock:
            now = self._clock.now_unix()
            with self._store.transaction() as db:
                for job_id in job_ids:
                    db.execute("update jobs set due_at = ? where id = ? and status = 'pending'", [now, job_id])
            return self.run_due(failures=failures)

    def advance(self, seconds: float) -> dict:
        try:
            seconds = float(seconds)
        except (TypeError, ValueError):
            raise InvalidInput(f"seconds must be a number, not {seconds!r}", field="seconds") from None
        if seconds < 0:
            raise InvalidInput("seconds must be 0 or more: the sandbox clock never runs backwards",
                               field="seconds")
        self._settle()
        with self._run_lock:
            target = self._clock.now_unix() + seconds
            check_in_range(target, f"advancing by {seconds:g} s", "seconds")
            return self._run_to(target)

    def set_time(self, moment: datetime) -> dict:
        target = to_unix(moment)
        check_in_range(target, f"setting the clock to {moment.isoformat()}", "now")
        self._settle()
        with self._run_lock:
            self._clock.check_forward(target)
            return self._run_to(target)

    def _run_to(self, target: float) -> dict:
        failures: list[dict] = []
        ran = self.run_due(until=target, failures=failures)
        self._clock.move_to(target)
        ran += self.run_due(failures=failures)
        self._clock.notify()
        return {**self._clock.describe(), "jobs_run": ran, "jobs_failed": failures}

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """No job runs in the background meanwhile (jobs still run when this thread asks)."""
        with self._run_lock:
            yield

    # -- background ------------------------------------------------------------------------------
    def wake(self) -> None:
        self._loop.wake()

    def start(self) -> None:
        self._loop.start()

    def stop(self) -> None:
        self._loop.stop()

    def _next_due(self) -> float | None:
        rows = self._store.query("select min(due_at) as due from jobs where status = 'pending'")
        return rows[0]["due"] if rows else None
