"""The one SQLite database of a sandbox, through sqlite-utils.

WAL mode is set once, when the file is created. Each package registers its own numbered migrations
under a namespace; `migrate` runs the ones a database has not seen yet, on every start. Writes go through the
one writing connection, serialised by a re-entrant lock; `transaction()` nests (savepoints).

Reads (`query`) outside a transaction use a connection of the reading thread's own (WAL lets readers run beside
the writer), so a page or a client-certificate check never waits for another thread's write: it sees every
committed transaction. Inside a transaction (or `reading()`) a thread reads through the writing connection and
sees its own uncommitted rows.

Checkpoints (copying the WAL into the database file) run on a thread and connection of their own, every
CHECKPOINT_SECONDS, never blocking a writer or a reader (PASSIVE). Left to SQLite, the commit that crosses 1,000
WAL pages pays for the checkpoint: that one request of a client took 5-15 ms longer (the 99th percentile of a
steady load). The writer still checkpoints itself should the WAL grow past WRITER_CHECKPOINT_PAGES.
"""
from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import sqlite_utils
from sandbox.kernel.background import BackgroundLoop
from sandbox.kernel.private_files import private_file

CHECKPOINT_SECONDS = 1.0
WRITER_CHECKPOINT_PAGES = 16384  # 64 MB of WAL: only if the checkpoint thread falls that far behind
log = logging.getLogger(__name__)

Migration = Callable[[sqlite_utils.Database], None]


class Store:
    def __init__(self, path: Path, synchronous: str = "normal"):
        self.path = Path(path)
        created = not self.path.exists()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        private_file(self.path)  # SQLite gives its -wal and -shm files the database's mode
        self._conn = sqlite3.connect(str(self.path), check_same_thread=False, timeout=30)
        # No sqlite-utils plugins: they are for its CLI, the sandbox's connection must not change with what else is
        # installed, and finding them reads the metadata of every installed package (a few ms of each start).
        self.db = sqlite_utils.Database(self._conn, execute_plugins=False)
        self.lock = threading.RLock()
        self._closed = False
        self._on_replaced: list[Callable[[], None]] = []
        self._depth = 0  # transactions open on the connection (nested ones are savepoints)
        self._after_commit: list[tuple[int, Callable[[], None]]] = []  # (depth it was asked at, callback)
        self._changes = 0  # outermost transactions that changed rows, bookkeeping aside: what pages watch
        self._bookkeeping = threading.local()
        self._local = threading.local()  # per thread: the reading connection, and how deep it holds the lock
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._trace: Callable[[str], None] | None = None
        if created:
            self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute(f"PRAGMA synchronous={synchronous.upper()}")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.execute(f"PRAGMA wal_autocheckpoint={WRITER_CHECKPOINT_PAGES}")
        self._synchronous = synchronous
        self._checkpointer: sqlite3.Connection | None = None
        self._checkpoints = BackgroundLoop("store-checkpoint", self._checkpoint, lambda: CHECKPOINT_SECONDS, log)
        with self.transaction() as db:
            db["meta"].create({"key": str, "value": str}, pk="key", if_not_exists=True)
        # the first checkpoint a period from now, once the opener's schema and migrations are written: a second
        # connection's first look at a database made a moment ago once met its schema being written ("database
        # is locked", 1 start in ~600 under load)
        self._first_checkpoint = time.monotonic() + CHECKPOINT_SECONDS
        self._checkpoints.start()

    # -- access ----------------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[sqlite_utils.Database]:
        """Serialised, atomic access; nested calls become savepoints of the outer transaction."""
        committed: list[Callable[[], None]] = []
        with self.lock, self._holding():
            before = self._conn.total_changes
            self._depth += 1
            depth = self._depth
            try:
                with self.db.atomic():
                    yield self.db
            except BaseException:
                self._after_commit = [(d, callback) for d, callback in self._after_commit if d < depth]
                raise
            finally:
                self._depth -= 1
            if self._after_commit:  # a savepoint released: what was asked in it stands or falls with the one around
                self._after_commit = [(min(d, self._depth), callback) for d, callback in self._after_commit]
            if self._depth == 0:
                committed, self._after_commit = [callback for _, callback in self._after_commit], []
                if self._conn.total_changes != before and not getattr(self._bookkeeping, "on", False):
                    self._changes += 1
        for callback in committed:  # outside the lock: what a callback does never holds up a writer
            callback()

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Inside a transaction: call `callback` once the outermost one has committed (what it wrote is then
        durable); never if the transaction, or the savepoint it was called in, rolls back."""
        if not getattr(self._local, "held", 0) or not self._depth:
            raise RuntimeError("after_commit is for use inside store.transaction()")
        self._after_commit.append((self._depth, callback))

    @contextmanager
    def bookkeeping(self) -> Iterator[None]:
        """Writes that record what happened (the request journal) rather than change the sandbox's state: they do
        not count in `changes`, or a page that asks for it would see its own request as a change."""
        self._bookkeeping.on = True
        try:
            yield
        finally:
            self._bookkeeping.on = False

    def changes(self) -> int:
        """A number that moves whenever the sandbox's state changed (since this process opened the store)."""
        with self.lock:
            return self._changes

    @contextmanager
    def reading(self) -> Iterator[sqlite_utils.Database]:
        """The writing connection, held: several reads that must see one state, or this thread's own writes."""
        with self.lock, self._holding():
            yield self.db

    @contextmanager
    def _holding(self) -> Iterator[None]:
        self._local.held = getattr(self._local, "held", 0) + 1
        try:
            yield
        finally:
            self._local.held -= 1

    def query(self, sql: str, params: Sequence[Any] | dict = ()) -> list[dict]:
        # held: the writing connection itself (sqlite-utils' `query` would wrap each read in a savepoint, three
        # statements where one will do, on the hot paths that read under the lock)
        connection = self._conn if getattr(self._local, "held", 0) else self._reader()
        cursor = connection.execute(sql, params)
        columns = [c[0] for c in cursor.description or ()]
        return [dict(zip(columns, row)) for row in cursor.fetchall()]

    def _reader(self) -> sqlite3.Connection:
        reader = getattr(self._local, "reader", None)
        if reader is None:
            with self._readers_lock:  # not the store's lock: a writer may hold that for a while
                if self._closed:
                    raise sqlite3.ProgrammingError("the store is closed")
                reader = sqlite3.connect(str(self.path), check_same_thread=False, timeout=30,
                                         isolation_level=None)  # autocommit: each read sees the newest commit
                reader.execute("PRAGMA query_only=ON")
                reader.set_trace_callback(self._trace)
                self._readers.append(reader)
            self._local.reader = reader
        return reader

    def trace(self, callback: Callable[[str], None] | None) -> None:
        """Call `callback` with every SQL statement the connection runs (None stops it): what the query-plan
        test and a profiling session look at."""
        with self.lock, self._readers_lock:
            self._trace = callback
            for connection in (self._conn, *self._readers):
                connection.set_trace_callback(callback)

    @staticmethod
    def insert_many(db: sqlite_utils.Database, table: str, rows: Sequence[dict]) -> None:
        """Plain INSERTs of rows that share their keys, inside a transaction: for hot paths, where
        sqlite-utils' per-call table introspection would cost more than the write."""
        if not rows:
            return
        columns = list(rows[0])
        sql = (f"insert into [{table}] ({', '.join(f'[{c}]' for c in columns)}) "
               f"values ({', '.join('?' * len(columns))})")
        db.conn.executemany(sql, [[row[c] for c in columns] for row in rows])

    # -- meta ------------------------------------------------------------------------------------
    def get_meta(self, key: str, default: Any = None) -> Any:
        rows = self.query("select value from meta where key = ?", [key])
        return json.loads(rows[0]["value"]) if rows else default

    def set_meta(self, key: str, value: Any) -> None:
        with self.transaction() as db:
            db["meta"].upsert({"key": key, "value": json.dumps(value)}, pk="key")

    def delete_meta(self, key: str) -> None:
        with self.transaction() as db:
            db.execute("delete from meta where key = ?", [key])

    # -- schema ----------------------------------------------------------------------------------
    def migrate(self, namespace: str, migrations: Sequence[Migration]) -> int:
        """Run the migrations of `namespace` this database has not run yet; return the new version."""
        key = f"schema_version:{namespace}"
        with self.transaction():
            version = self.get_meta(key, 0)
            if version > len(migrations):
                raise RuntimeError(
                    f"the database has {namespace} schema version {version}, newer than this dip-sandbox "
                    f"knows ({len(migrations)}): upgrade dip-sandbox or use another --data-dir")
            for number, migration in enumerate(migrations[version:], start=version + 1):
                migration(self.db)
                self.set_meta(key, number)
        return len(migrations)

    # -- snapshots -------------------------------------------------------------------------------
    def copy_to(self, destination: Path) -> None:
        """A consistent copy of the whole database (SQLite's online backup)."""
        destination.parent.mkdir(parents=True, exist_ok=True)
        tmp = destination.with_suffix(".partial")
        tmp.unlink(missing_ok=True)
        private_file(tmp)
        with self.lock:
            target = sqlite3.connect(str(tmp))
            try:
                self._conn.backup(target)
            finally:
                target.close()
        tmp.replace(destination)

    def replace_from(self, source: Path) -> None:
        """Make the database a copy of `source`; listeners registered with `on_replaced` reload."""
        with self.lock:
            origin = sqlite3.connect(str(source))
            try:
                origin.backup(self._conn)
            finally:
                origin.close()
            self._changes += 1
            for callback in self._on_replaced:
                callback()

    def on_replaced(self, callback: Callable[[], None]) -> None:
        self._on_replaced.append(callback)

    def notify_replaced(self) -> None:
        with self.lock:
            self._changes += 1
            for callback in self._on_replaced:
                callback()

    def _checkpoint(self) -> bool:
        """One PASSIVE checkpoint, on the checkpoint thread's own connection (made here, on that thread)."""
        if time.monotonic() < self._first_checkpoint:
            return False
        if self._checkpointer is None:
            self._checkpointer = sqlite3.connect(str(self.path), timeout=30, check_same_thread=False)
            self._checkpointer.execute(f"PRAGMA synchronous={self._synchronous.upper()}")
        self._checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)")
        return False

    def close(self) -> None:
        self._checkpoints.stop()
        with self.lock, self._readers_lock:
            if not self._closed:
                self._closed = True
                if self._checkpointer is not None:
                    self._checkpointer.close()
                for reader in self._readers:
                    reader.close()
                self._conn.close()
