"""Portal session tokens (Atlas and DIP portals): random, kept only as a SHA-256 hash, expiring in *real* time.

A sign-in session belongs to the person at the keyboard, not to the simulated journey (design.md, "Two kinds of
time"): a trainer who jumps the sandbox clock 72 hours must not find the room signed out. Ending every session on
purpose is a control-API action (`POST /_sandbox/sessions/expire`)."""
from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Callable

from sandbox.kernel.clock import real_unix
from sandbox.kernel.ids import RandomSource
from sandbox.kernel.store import Store


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SessionTokens:
    """Over a table with the columns token_hash, user_id, created_at, expires_at."""

    def __init__(self, store: Store, random: RandomSource, table: str, lifetime: timedelta,
                 now: Callable[[], float] = real_unix):
        self._store = store
        self._now = now
        self._random = random
        self._table = table
        self.lifetime = lifetime

    def issue(self, user_id: str) -> str:
        token = self._random.token(32)
        now = self._now()
        with self._store.transaction() as db:
            db[self._table].insert({"token_hash": token_hash(token), "user_id": user_id, "created_at": now,
                                    "expires_at": now + self.lifetime.total_seconds()})
        return token

    def user_id_of(self, token: str | None) -> str | None:
        """The user of a valid, unexpired token, else None."""
        if not token:
            return None
        rows = self._store.query(f"select user_id, expires_at from [{self._table}] where token_hash = ?",
                                 [token_hash(token)])
        if not rows or rows[0]["expires_at"] <= self._now():
            return None
        return rows[0]["user_id"]

    def revoke(self, token: str | None) -> None:
        with self._store.transaction() as db:
            db.execute(f"delete from [{self._table}] where token_hash = ?", [token_hash(token or "")])

    def revoke_user(self, user_id: str) -> None:
        with self._store.transaction() as db:
            db.execute(f"delete from [{self._table}] where user_id = ?", [user_id])

    def expire_all(self) -> int:
        """End every session now (a control-API action: what a client does when its session ends)."""
        with self._store.transaction() as db:
            return db.execute(f"delete from [{self._table}]").rowcount
