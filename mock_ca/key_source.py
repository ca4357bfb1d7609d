"""Where the RSA keys the sandbox makes for participants come from.

Normally each is new. While a named scenario is built, they come from numbered key files in a directory instead
(made the first time, read after that): an RSA 4096 key takes about a second to make, a scenario needs several,
and a CI job or a test fixture loads the same scenario again and again. The keys are taken in the order the
build asks for them, so the same scenario gets the same keys every time. With the `participant_keys` setting
every key a sandbox makes for a participant comes from such a directory (this repository's test sandboxes share
one per test session): a sandbox's keys differ from each other, and the next sandbox given the directory gets the
same keys again.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from mock_ca import keys
from sandbox.kernel.private_files import private_directory, write_private


class KeySource:
    """`directory`: every key comes from its numbered files (the `participant_keys` setting), not only a scenario's."""

    def __init__(self, directory: Path | None = None):
        self._lock = threading.Lock()
        self._directory: Path | None = Path(directory) if directory else None
        self._taken = 0

    def new_rsa_key(self, bits: int = 4096):
        with self._lock:
            if self._directory is None:
                return keys.new_rsa_key(bits)
            self._taken += 1
            path = self._directory / f"rsa{bits}-{self._taken}.pem"
        if path.exists():
            return keys.key_from_pem(path.read_bytes())
        key = keys.new_rsa_key(bits)
        private_directory(path.parent)
        partial = write_private(path.with_name(f"{path.name}.{threading.get_ident()}.partial"), keys.key_to_pem(key))
        partial.replace(path)  # atomic: parallel sandboxes sharing the directory never read half a key
        return key

    @contextmanager
    def from_files(self, directory: Path) -> Iterator[None]:
        """Keys come from the numbered files of `directory` (1, 2, ...) until the block ends; then from where they
        came before (a scenario built inside a test that takes its keys from files)."""
        with self._lock:
            before = (self._directory, self._taken)
            self._directory, self._taken = Path(directory), 0
        try:
            yield
        finally:
            with self._lock:
                self._directory, self._taken = before
