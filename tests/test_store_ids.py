import shutil
import sqlite3
import time

import pytest

from sandbox.kernel.ids import RandomSource
from sandbox.kernel.store import Store


def test_wal_mode_is_set_at_creation(tmp_path):
    store = Store(tmp_path / "s.db")
    store.close()
    conn = sqlite3.connect(tmp_path / "s.db")
    assert conn.execute("pragma journal_mode").fetchone()[0] == "wal"


def test_migrations_run_once_and_in_order(tmp_path):
    calls = []

    def one(db):
        calls.append(1)
        db["things"].create({"id": int}, pk="id")

    def two(db):
        calls.append(2)
        db["things"].add_column("name", str)

    store = Store(tmp_path / "s.db")
    assert store.migrate("things", [one]) == 1
    store.close()
    store = Store(tmp_path / "s.db")
    assert store.migrate("things", [one, two]) == 2
    assert store.migrate("things", [one, two]) == 2
    assert calls == [1, 2]
    assert "name" in store.db["things"].columns_dict


def test_a_newer_schema_is_refused_with_advice(tmp_path):
    store = Store(tmp_path / "s.db")
    store.migrate("things", [lambda db: None, lambda db: None])
    with pytest.raises(RuntimeError, match="newer than this dip-sandbox knows"):
        store.migrate("things", [lambda db: None])


def test_transaction_rolls_back_as_a_whole(tmp_path):
    store = Store(tmp_path / "s.db")
    store.migrate("t", [lambda db: db["t"].create({"id": int}, pk="id")])
    with pytest.raises(ValueError):
        with store.transaction() as db:
            db["t"].insert({"id": 1})
            with store.transaction() as inner:
                inner["t"].insert({"id": 2})
            raise ValueError("abort")
    assert store.query("select count(*) as n from t")[0]["n"] == 0


def test_a_read_never_waits_for_another_threads_write_and_a_writer_sees_its_own_rows(tmp_path):
    import threading
    store = Store(tmp_path / "s.db")
    with store.transaction() as db:
        db["things"].create({"id": int, "name": str}, pk="id")
        db["things"].insert({"id": 1, "name": "committed"})
    writing, release, seen_elsewhere = threading.Event(), threading.Event(), {}

    def writer():
        with store.transaction() as db:
            db["things"].insert({"id": 2, "name": "not yet committed"})
            seen_elsewhere["own"] = [r["id"] for r in store.query("select id from things order by id")]
            writing.set()
            release.wait(10)

    thread = threading.Thread(target=writer)
    thread.start()
    assert writing.wait(10)
    # the writer holds the store's lock inside its transaction: this read answers at once, with what was committed
    reader = threading.Thread(target=lambda: seen_elsewhere.update(
        other=[r["id"] for r in store.query("select id from things order by id")]))
    reader.start()
    reader.join(5)
    assert not reader.is_alive(), "a read waited for another thread's transaction"
    assert seen_elsewhere == {"own": [1, 2], "other": [1]}
    release.set()
    thread.join(10)
    assert [r["id"] for r in store.query("select id from things order by id")] == [1, 2]  # committed: seen by all
    store.close()
    with pytest.raises(sqlite3.ProgrammingError):
        store.query("select 1")  # the reading connections close with the store


def test_seeded_random_source_is_reproducible(tmp_path):
    first = RandomSource(Store(tmp_path / "a.db"), seed=42)
    second = RandomSource(Store(tmp_path / "b.db"), seed=42)
    assert [first.hex(16) for _ in range(5)] == [second.hex(16) for _ in range(5)]
    assert first.digits(10) == second.digits(10)
    other = RandomSource(Store(tmp_path / "c.db"), seed=43)
    assert other.hex(16) != RandomSource(Store(tmp_path / "d.db"), seed=42).hex(16)


def test_random_source_never_repeats_after_restart(tmp_path):
    store = Store(tmp_path / "a.db")
    source = RandomSource(store, seed=7)
    before = {source.hex(16) for _ in range(50)}
    store.close()
    again = RandomSource(Store(tmp_path / "a.db"), seed=7)
    after = {again.hex(16) for _ in range(50)}
    assert not before & after


def test_unseeded_source_draws_its_seed_once_and_keeps_it(tmp_path):
    store = Store(tmp_path / "a.db")
    source = RandomSource(store)
    assert source.seed.startswith("os:")
    store.close()
    assert RandomSource(Store(tmp_path / "a.db")).seed == source.seed


def test_serial_numbers_are_positive_16_byte_values(tmp_path):
    source = RandomSource(Store(tmp_path / "a.db"), seed=1)
    serials = [source.serial_number() for _ in range(200)]
    assert all(0 < s < 2 ** 127 for s in serials)
    assert len(set(serials)) == 200
    assert max(s.bit_length() for s in serials) > 120


def test_below_is_in_range(tmp_path):
    source = RandomSource(Store(tmp_path / "a.db"), seed=1)
    values = [source.below(10) for _ in range(500)]
    assert set(values) == set(range(10))


def test_committed_rows_reach_the_database_file_by_a_checkpoint_of_its_own(tmp_path):
    """Commits leave checkpoints to the store's checkpoint thread: within seconds the database file itself (a
    copy of it without its -wal file) holds what was committed."""
    store = Store(tmp_path / "s.db")
    try:
        with store.transaction() as db:
            db.execute("create table t (id integer primary key, v text)")
        for start in range(0, 3000, 100):  # ~3,000 pages of WAL: past SQLite's own 1,000-page checkpoint
            with store.transaction() as db:
                db.conn.executemany("insert into t (v) values (?)", [["x" * 3000] for _ in range(100)])
        deadline = time.monotonic() + 10
        while True:
            copy = tmp_path / f"copy-{time.monotonic_ns()}.db"
            shutil.copyfile(tmp_path / "s.db", copy)
            reader = sqlite3.connect(copy)
            try:
                count = reader.execute("select count(*) from t").fetchone()[0]
            except sqlite3.OperationalError:  # the table itself is not in the file yet
                count = 0
            except sqlite3.DatabaseError:  # a copy taken while the checkpoint wrote into the file: torn, try again
                count = 0
            reader.close()
            if count == 3000 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert count == 3000
    finally:
        store.close()
