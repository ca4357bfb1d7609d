"""A daemon thread that does work as it falls due: it runs `work()` (which says whether it did anything; if so it
runs again at once), then sleeps until woken or until `idle_wait()` real seconds have passed. The scheduler and
the DIP's delivery worker run on it."""
from __future__ import annotations

import logging
import threading
from typing import Callable

IDLE_SECONDS = 5.0


def seconds_until(clock, sandbox_unix: float | None) -> float:
    """Real seconds to sleep before a sandbox moment, capped at IDLE_SECONDS (a manual clock never gets there)."""
    until = clock.real_seconds_until(sandbox_unix) if sandbox_unix is not None else None
    return IDLE_SECONDS if until is None else min(IDLE_SECONDS, max(until, 0.01))


class BackgroundLoop:
    def __init__(self, name: str, work: Callable[[], bool], idle_wait: Callable[[], float], log: logging.Logger):
        self._name = name
        self._work = work
        self._idle_wait = idle_wait
        self._log = log
        self._wake = threading.Condition()
        self._woken = False  # a wake that came while the work ran: the loop does not sleep through it
        self._stopping = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stopping = False
        self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        with self._wake:
            self._stopping = True
            self._wake.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=timeout)

    def wake(self) -> None:
        with self._wake:
            self._woken = True
            self._wake.notify_all()

    def _loop(self) -> None:
        while not self._stopping:
            with self._wake:
                self._woken = False
            try:
                if self._work():
                    continue
                wait = self._idle_wait()
            except Exception:  # keep the loop alive whatever a store or network hiccup does
                self._log.exception(self._name)
                wait = 1.0
            with self._wake:
                if not self._stopping and not self._woken:
                    self._wake.wait(timeout=wait)
