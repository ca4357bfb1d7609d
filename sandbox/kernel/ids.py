"""The one random source of a sandbox, for every identifier, token and serial number.

A deterministic stream: HMAC-SHA256 of a seed over a counter. The seed is `--seed` when given,
otherwise drawn once from the operating system when the data directory is created; it is kept in the
store. The counter is reserved in blocks in the store, so a restart never repeats a value and two runs
with the same seed produce the same values in the same order.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os

from sandbox.kernel.store import Store

_BLOCK = 1024
_DIGITS = "0123456789"


class RandomSource:
    def __init__(self, store: Store, seed: int | None = None):
        self._store = store
        # The store's lock, not one of our own: one lock order everywhere (a job running inside a
        # transaction may draw identifiers while another thread draws them).
        self._lock = store.lock
        self._buffer = b""
        self._load(seed)
        store.on_replaced(lambda: self._load(None))

    def _load(self, seed: int | None) -> None:
        with self._lock:
            stored = self._store.get_meta("random_seed")
            if seed is not None and stored != str(seed):
                stored = str(seed)
                self._store.set_meta("random_seed", stored)
                self._store.set_meta("random_counter", 0)
            elif stored is None:
                stored = "os:" + os.urandom(16).hex()
                self._store.set_meta("random_seed", stored)
            self.seed = stored
            self._key = hashlib.sha256(b"dip-sandbox random source\0" + stored.encode()).digest()
            self._counter = int(self._store.get_meta("random_counter", 0))
            self._reserved = self._counter
            self._buffer = b""

    def bytes(self, n: int) -> bytes:
        with self._lock:
            while len(self._buffer) < n:
                if self._counter >= self._reserved:
                    self._reserved = self._counter + _BLOCK
                    self._store.set_meta("random_counter", self._reserved)
                block = hmac.digest(self._key, self._counter.to_bytes(8, "big"), "sha256")  # one-shot, in C
                self._counter += 1
                self._buffer += block
            out, self._buffer = self._buffer[:n], self._buffer[n:]
            return out

    def below(self, limit: int) -> int:
        """A uniform integer in [0, limit)."""
        if limit <= 0:
            raise ValueError("limit must be positive")
        nbytes = (limit.bit_length() + 7) // 8 + 1
        span = 256 ** nbytes
        ceiling = span - span % limit
        while True:
            value = int.from_bytes(self.bytes(nbytes), "big")
            if value < ceiling:
                return value % limit

    def hex(self, nbytes: int, upper: bool = False) -> str:
        text = self.bytes(nbytes).hex()
        return text.upper() if upper else text

    def digits(self, count: int) -> str:
        return "".join(_DIGITS[self.below(10)] for _ in range(count))

    def token(self, nbytes: int = 24) -> str:
        return base64.urlsafe_b64encode(self.bytes(nbytes)).rstrip(b"=").decode()

    def serial_number(self) -> int:
        """16 random bytes, positive (top bit clear) and never zero: an X.509 serial number."""
        while True:
            raw = bytearray(self.bytes(16))
            raw[0] &= 0x7F
            value = int.from_bytes(raw, "big")
            if value:
                return value
