"""The sandbox clock: the only source of domain time, and the only module that reads the wall clock.

Modes: `real` (runs at real speed, possibly ahead of the wall clock after an advance), `scaled`
(`factor` sandbox seconds per real second) and `manual` (frozen; moved only by `advance` and `set`).
The state is kept in the store, so a restart resumes the same sandbox time. The clock never runs
backwards: use a snapshot or a reset for that.
"""
from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from sandbox.kernel.errors import Conflict, InvalidInput
from sandbox.kernel.store import Store

MODES = ("real", "scaled", "manual")
# Sandbox time stays in this range, so every date the sandbox writes from it (a certificate's notAfter years
# later, an HVCA Unix time) is one that X.509, SQLite and every client can hold. A value that would leave it is
# refused before anything is saved; a scaled clock running past the end stops there.
EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2100, 1, 1, tzinfo=timezone.utc)
EARLIEST_UNIX, LATEST_UNIX = EARLIEST.timestamp(), LATEST.timestamp()
MAX_FACTOR = 1_000_000.0  # sandbox seconds per real second: one real second is 11.6 sandbox days
RANGE_TEXT = "between 2000-01-01 and 2100-01-01 (UTC)"


def check_in_range(sandbox_unix: float, what: str, field: str) -> None:
    """Refuse a sandbox time outside EARLIEST..LATEST (or not a number at all), saying the allowed range."""
    if not math.isfinite(sandbox_unix) or not EARLIEST_UNIX <= sandbox_unix <= LATEST_UNIX:
        raise InvalidInput(f"{what} would put sandbox time outside the range it can take: sandbox time stays "
                           f"{RANGE_TEXT}", field=field)


def real_now() -> datetime:
    """Real (wall-clock) time. Only for what a client computes from its own clock, and for what belongs to a
    person or a client (a sign-in session, an access token): see design.md."""
    return datetime.fromtimestamp(time.time(), timezone.utc)


def real_unix() -> float:
    """Real time as Unix seconds (see real_now)."""
    return time.time()


def to_unix(moment: datetime) -> float:
    return moment.timestamp()


def from_unix(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, timezone.utc)


def iso(moment: datetime) -> str:
    """ISO-8601 in UTC with milliseconds and a Z."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def iso_unix(seconds: float | None) -> str | None:
    """ISO 8601 of Unix seconds; None for a moment not set (None or 0)."""
    return iso(from_unix(seconds)) if seconds else None


def parse_iso(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
        if moment.tzinfo is not None:
            moment.astimezone(timezone.utc)  # 0001-01-01T00:00:00+01:00 has no UTC time
    except (ValueError, OverflowError):
        raise InvalidInput(f"{text!r} is not an ISO-8601 time such as 2026-01-31T09:00:00Z", field="now") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment


@dataclass(frozen=True)
class ClockState:
    mode: str
    factor: float
    anchor_real: float
    anchor_sandbox: float

    def at(self, real_seconds: float) -> float:
        if self.mode == "manual":
            return self.anchor_sandbox
        rate = self.factor if self.mode == "scaled" else 1.0
        return self.anchor_sandbox + (real_seconds - self.anchor_real) * rate


class SandboxClock:
    def __init__(self, store: Store, default_factor: float = 60.0, initial_mode: str | None = None,
                 start: datetime | None = None):
        """`initial_mode` and `start` (default: real mode, real time) are what a new data directory, or one just
        reset, begins with."""
        self._store = store
        self._lock = store.lock  # one lock order everywhere: the store's lock first
        self._listeners: list[Callable[[], None]] = []
        self._default_factor = default_factor
        self._initial_mode = initial_mode or "real"
        self._start = start
        self._load()
        store.on_replaced(self._load)

    def _load(self) -> None:
        with self._lock:
            saved = self._store.get_meta("clock")
            if saved is None:
                now = time.time()
                self._state = ClockState(self._initial_mode, self._default_factor, now,
                                         now if self._start is None else self._start.timestamp())
                self._save()
            else:
                self._state = ClockState(**saved)

    def _save(self) -> None:
        self._store.set_meta("clock", self._state.__dict__)

    def on_change(self, callback: Callable[[], None]) -> None:
        """Called after every set, advance or mode change (the scheduler wakes up on it)."""
        self._listeners.append(callback)

    def _changed(self) -> None:
        for callback in self._listeners:
            callback()

    # -- reading ---------------------------------------------------------------------------------
    @property
    def mode(self) -> str:
        return self._state.mode

    @property
    def factor(self) -> float:
        return self._state.factor

    def now(self) -> datetime:
        return from_unix(self.now_unix())

    def now_unix(self) -> float:
        return min(self._state.at(time.time()), LATEST_UNIX)

    def real_seconds_until(self, sandbox_unix: float) -> float | None:
        """How many real seconds until the clock shows `sandbox_unix` (None in manual mode)."""
        state = self._state
        if state.mode == "manual":
            return None
        rate = state.factor if state.mode == "scaled" else 1.0
        return max(0.0, (sandbox_unix - state.at(time.time())) / rate)

    # -- moving ----------------------------------------------------------------------------------
    def move_to(self, sandbox_unix: float) -> None:
        """Show `sandbox_unix` from now on (never earlier than now). Used by the scheduler and `set`."""
        with self._lock:
            real = time.time()
            state = self._state
            target = max(sandbox_unix, state.at(real))
            self._state = ClockState(state.mode, state.factor, real, target)
            self._save()

    def check_forward(self, sandbox_unix: float) -> None:
        if sandbox_unix < self.now_unix() - 0.001:
            raise Conflict(
                f"the sandbox clock never runs backwards (it is {iso(self.now())}); "
                "restore a snapshot or reset the sandbox to go back", field="now")

    def set_mode(self, mode: str, factor: float | None = None) -> None:
        if mode not in MODES:
            raise InvalidInput(f"mode must be one of {', '.join(MODES)}, not {mode!r}", field="mode")
        if factor is not None:
            try:
                factor = float(factor)
            except (TypeError, ValueError):
                raise InvalidInput(f"factor must be a number, not {factor!r}", field="factor") from None
            if not 0 < factor <= MAX_FACTOR:
                raise InvalidInput(f"factor must be above 0 and at most {MAX_FACTOR:,.0f} (sandbox seconds per real "
                                   f"second), not {factor!r}", field="factor")
        with self._lock:
            real = time.time()
            current = self._state.at(real)
            self._state = ClockState(mode, factor if factor is not None else self._state.factor, real, current)
            self._save()
        self._changed()

    def notify(self) -> None:
        self._changed()

    def describe(self) -> dict:
        return {"now": iso(self.now()), "mode": self.mode, "factor": self.factor}


_UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}


def parse_duration(value) -> float:
    """Seconds from a number or a text such as '72h', '1d2h', '30m', '45s' or '1.5h'."""
    if isinstance(value, bool):
        raise InvalidInput(f"{value!r} is not a duration", field="seconds")
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip().lower().replace(" ", "")
    try:
        return float(text)
    except ValueError:
        pass
    parts = re.findall(r"(\d+(?:\.\d+)?)([wdhms])", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise InvalidInput(f"{value!r} is not a duration: use seconds or a text such as 72h, 1d2h, 30m",
                           field="seconds")
    return sum(float(n) * _UNITS[u] for n, u in parts)
