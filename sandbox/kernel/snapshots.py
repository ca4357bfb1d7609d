"""Named snapshots of the whole database: save, list, restore, delete."""
from __future__ import annotations

import re
from pathlib import Path

from sandbox.kernel.clock import SandboxClock, iso, from_unix
from sandbox.kernel.errors import InvalidInput, NotFound
from sandbox.kernel.store import Store
from sandbox.kernel.private_files import write_private

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def _checked(name: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise InvalidInput("a snapshot name is 1 to 64 letters, digits, '.', '_' or '-', starting with a letter "
                           "or digit", field="name")
    return name


class Snapshots:
    def __init__(self, store: Store, clock: SandboxClock, directory: Path):
        self._store = store
        self._clock = clock
        self.directory = Path(directory)

    def _path(self, name: str) -> Path:
        return self.directory / f"{_checked(name)}.db"

    def save(self, name: str) -> dict:
        path = self._path(name)
        sandbox_time = self._clock.now()
        self._store.copy_to(path)
        write_private(path.with_suffix(".time"), iso(sandbox_time))
        return self._describe(path)

    def _describe(self, path: Path) -> dict:
        stamp = path.with_suffix(".time")
        return {"name": path.stem, "size": path.stat().st_size,
                "sandbox_time": stamp.read_text() if stamp.exists() else None,
                "saved_at": iso(from_unix(path.stat().st_mtime))}

    def list(self) -> list[dict]:
        if not self.directory.exists():
            return []
        return [self._describe(p) for p in sorted(self.directory.glob("*.db"))]

    def restore(self, name: str) -> dict:
        path = self._path(name)
        if not path.exists():
            raise NotFound(f"no snapshot named {name!r}; saved: {', '.join(s['name'] for s in self.list()) or 'none'}",
                           field="name")
        self._store.replace_from(path)
        return self._describe(path)

    def delete(self, name: str) -> None:
        path = self._path(name)
        if not path.exists():
            raise NotFound(f"no snapshot named {name!r}", field="name")
        path.unlink()
        path.with_suffix(".time").unlink(missing_ok=True)
