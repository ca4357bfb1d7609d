"""The journal: a bounded record of every request to every listener (and later every delivery)."""
from __future__ import annotations

import difflib
import json
from typing import Any

from sandbox.kernel.clock import SandboxClock, from_unix, iso, parse_iso, real_now
from sandbox.kernel.errors import InvalidInput
from sandbox.kernel.store import Store

_TRIM_EVERY = 100


def migrations():
    def create_journal(db):
        db["journal"].create({"id": int, "at": float, "real_at": str, "listener": str, "method": str,
                              "path": str, "status": str, "duration_ms": float, "client": str,
                              "detail": str}, pk="id")
        db["journal"].create_index(["listener"])
    return [create_journal]


MAX_PAGE = 10 ** 9  # pages beyond are empty anyway; larger numbers overflow SQLite's OFFSET


class Journal:
    def __init__(self, store: Store, clock: SandboxClock, max_entries: int = 10000):
        self._store = store
        self._clock = clock
        self._max = max_entries
        self._since_trim = 0
        self.listeners: dict[str, str] = {}  # name -> what its entries record (registered by the composition)

    def register_listener(self, name: str, doc: str) -> None:
        self.listeners[name] = doc

    def _known(self, listener: str) -> None:
        """A listener filter must name a listener: a misspelt one would match nothing, silently."""
        if self.listeners and listener not in self.listeners:
            close = difflib.get_close_matches(listener, list(self.listeners), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise InvalidInput(f"no journal listener {listener!r}: {hint}the listeners are "
                               f"{', '.join(self.listeners)}", field="listener")

    def record(self, *, listener: str, method: str, path: str, status: Any, duration_ms: float,
               client: str | None = None, detail: dict | None = None) -> int:
        with self._store.bookkeeping(), self._store.transaction() as db:  # a plain INSERT: every request comes here
            entry_id = db.conn.execute(
                "insert into journal (at, real_at, listener, method, path, status, duration_ms, client, detail) "
                "values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [self._clock.now_unix(), iso(real_now()), listener, method, path, str(status), round(duration_ms, 3),
                 client, json.dumps(detail) if detail else None]).lastrowid
            self._since_trim += 1
            if self._since_trim >= _TRIM_EVERY:
                self._since_trim = 0
                db.execute("delete from journal where id <= ?", [entry_id - self._max])
        return entry_id

    def query(self, *, listener: str | None = None, method: str | None = None, path: str | None = None,
              status: str | None = None, since: str | None = None, page: int = 1, per_page: int = 50) -> dict:
        if not 1 <= page <= MAX_PAGE:
            raise InvalidInput(f"page is 1 to {MAX_PAGE:,}", field="page")
        if not 1 <= per_page <= 500:
            raise InvalidInput("per_page is 1 to 500", field="per_page")
        if listener:
            self._known(listener)
        where, params = ["1=1"], []
        for column, value in (("listener", listener), ("method", method), ("status", status)):
            if value:
                where.append(f"{column} = ?")
                params.append(value)
        if path:
            where.append("path like ?")
            params.append("%" + path + "%")
        if since:
            where.append("at >= ?")
            params.append(parse_iso(since).timestamp())
        clause = " and ".join(where)
        total = self._store.query(f"select count(*) as n from journal where {clause}", params)[0]["n"]
        rows = self._store.query(
            f"select * from journal where {clause} order by id desc limit ? offset ?",
            params + [per_page, (page - 1) * per_page])
        entries = [{
            "id": r["id"], "at": iso(from_unix(r["at"])), "real_at": r["real_at"], "listener": r["listener"],
            "method": r["method"], "path": r["path"], "status": r["status"], "duration_ms": r["duration_ms"],
            "client": r["client"], "detail": json.loads(r["detail"]) if r["detail"] else None} for r in rows]
        return {"entries": entries, "total": total, "page": page, "per_page": per_page}

    def clear(self) -> None:
        with self._store.transaction() as db:
            db.execute("delete from journal")
