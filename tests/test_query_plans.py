"""Every query on a table that grows with use uses an index, and costs the same however much is stored (issue 19).

The DIP's traffic — messages sent and delivered, a retry, the received and sent lists, a message's journal, the
performance summary, replay, requeue, status messages, the MPAN look-up — and the pages and control reads around
it run on a sandbox that records every statement its connection executes. The statements are the ones the sandbox
really ran, not a list kept by hand, so a new query on a growing table is checked as soon as a page here runs it.

1. Plan: each is explained with `EXPLAIN QUERY PLAN`; it fails when the plan scans a growing table (a full
   `SCAN`, with or without a covering index) or sorts rows of one into a temporary B-tree (ORDER BY, GROUP BY).
2. Cost: a copy of the database is grown by thousands of old, delivered rows in every growing table (the same
   senders, recipients and interfaces: what a week of traffic leaves), and each statement runs on both. One that
   gives the same answer on both must cost the same number of SQLite VM instructions (counted with a progress
   handler) within a small margin: a plan that looks indexed but walks every delivered row (an index on the queue
   without its state) fails here. Aggregates (count, min, max, GROUP BY) are the exception: they may cost more with
   more rows, but only by reading an index alone (`USING COVERING INDEX` for every growing table they read).
"""
from __future__ import annotations

import re
import sqlite3
import threading
import time

import requests

from tests.dip_helpers import DipPortal
from tests.hvca_helpers import Hvca, certificate_request
from tests.message_helpers import dip_client, message, onboard

# Tables whose rows grow without bound with traffic or issuance. (The journal is trimmed to its newest 10,000
# entries, and the small tables — organisations, users, DIP IDs, webhooks — grow with people, not traffic.)
GROWING = {"dip_messages", "dip_deliveries", "dip_delivery_log", "dip_submissions", "dip_status_messages",
           "dip_audit", "mail", "ca_certificates", "atlas_certificates"}
REQUEST = {"datetimeFrom": None, "datetimeTo": None, "eventCode": None, "MPAN": None, "version": None}
SKIPPED = ("pragma", "begin", "commit", "rollback", "savepoint", "release", "insert", "create", "explain",
           "select sql from", "select name from sqlite_master", "analyze")


def _tables(sql: str) -> dict[str, str]:
    """alias (or name) -> table of every table the statement reads."""
    found = {}
    for table, alias in re.findall(r"\b(?:from|join|update)\s+\[?(\w+)\]?(?:\s+(?:as\s+)?(?!where|on|join|order|"
                                   r"group|limit|left|inner|set|using)(\w+))?", sql, re.IGNORECASE):
        found[alias or table] = table
        found[table] = table
    return found


def _problems(db, sql: str) -> list[str]:
    tables = _tables(sql)
    plan = [row[3] for row in db.execute("explain query plan " + sql).fetchall()]
    problems = []
    for detail in plan:
        scanned = re.match(r"SCAN (\w+)", detail)
        whole_table = not re.search(r"\b(where|limit)\b", sql, re.IGNORECASE)  # its answer is every row anyway
        if scanned and tables.get(scanned.group(1), scanned.group(1)) in GROWING and not whole_table:
            problems.append(detail)
        if "TEMP B-TREE" in detail and any(t in GROWING for t in tables.values()):
            problems.append(detail)
    return problems


GROWN_ROWS = 3000  # old rows added to each growing table
OLD = 1577836800.0  # 2020-01-01: when the added rows happened


def _grow(path) -> None:
    """Add GROWN_ROWS old rows to every growing table, copies of its own rows: the last text column of the primary
    key and every transaction_id get a suffix (so the copies join to each other), times move to 2020, deliveries
    are Delivered."""
    db = sqlite3.connect(str(path))
    for table in GROWING:
        info = db.execute(f"pragma table_info([{table}])").fetchall()  # cid, name, type, notnull, default, pk
        if not info or not db.execute(f"select count(*) from [{table}]").fetchone()[0]:
            continue
        keys = [c for c in sorted(info, key=lambda c: c[5]) if c[5]]
        text_keys = [c[1] for c in keys if c[2].upper() == "TEXT"]
        columns, values = [], []
        for _cid, name, kind, _nn, _default, pk in info:
            if pk and kind.upper() == "INTEGER" and len(keys) == 1:
                continue  # a rowid: new rows get new ones
            columns.append(f"[{name}]")
            if name == "transaction_id" or (text_keys and name == text_keys[-1]):
                values.append(f"[{name}] || '-g' || :k")
            elif name.endswith("_at") and kind.upper() in ("REAL", "FLOAT"):
                values.append(f"{OLD} + rowid * 0.001")
            elif table == "dip_deliveries" and name == "state":
                values.append("'Delivered'")
            else:
                values.append(f"[{name}]")
        k = 0
        while db.execute(f"select count(*) from [{table}]").fetchone()[0] < GROWN_ROWS:
            k += 1
            db.execute(f"insert into [{table}] ({', '.join(columns)}) select {', '.join(values)} from [{table}] "
                       f"where [{columns[0][1:-1]}] not like '%-g%'", {"k": k})
    db.commit()
    db.close()


def _index_only(db, sql: str) -> bool:
    """An aggregate whose plan reads every growing table from an index alone (no table rows)."""
    if not re.search(r"\b(count|min|max)\(|\bgroup by\b", sql, re.IGNORECASE):
        return False
    tables = _tables(sql)
    for detail in (row[3] for row in db.execute("explain query plan " + sql).fetchall()):
        step = re.match(r"(?:SEARCH|SCAN) (\w+)", detail)
        if step and tables.get(step.group(1), step.group(1)) in GROWING and "COVERING INDEX" not in detail:
            return False
    return True


def _cost(db, sql: str) -> tuple[int, list]:
    """(VM instructions in hundreds, the answer) of one run of `sql`."""
    ticks = [0]

    def tick() -> int:
        ticks[0] += 1
        return 0
    db.set_progress_handler(tick, 100)
    try:
        rows = db.execute(sql).fetchall()
    finally:
        db.set_progress_handler(None, 100)
    return ticks[0], rows


def test_the_hot_queries_use_an_index(start_sandbox, tmp_path, key_pool):
    running = start_sandbox(profile="instant", clock_mode="manual")
    statements: set[str] = set()
    lock = threading.Lock()

    def seen(sql: str) -> None:
        with lock:
            statements.add(" ".join(sql.split()))
    running.sandbox.store.trace(seen)

    hook = running.handle.webhook_receiver()
    supplier = onboard(running, company_name="Super Energy Co", dip_ids=[{"role_code": "SUP"}])
    receiver = onboard(running, company_name="Big Energy Company", dip_ids=[{"role_code": "ADS"}],
                       webhooks={"IF-041": hook.url})
    target, supplier_id = receiver["dip_ids"][0]["dip_id"], supplier["dip_ids"][0]["dip_id"]
    sender = dip_client(running, supplier, tmp_path / "sender")
    receiving = dip_client(running, receiver, tmp_path / "receiver")
    web, control = running.endpoints["web"], running.control

    hook.statuses = [503]  # the first delivery is retried after the back-off
    sent = sender.post("/dip-channel/IF-041", [message(supplier, [target]) for _ in range(3)])
    assert sent.status_code == 201, sent.text
    first = sent.json()["messageArray"][0]
    hook.wait_for_deliveries(1)
    requests.post(control + "/clock/advance", json={"seconds": 3600}, timeout=30)
    hook.wait_for_deliveries(2)
    for _ in range(11):  # more than a page (100) of the lists, so a LIMIT binds
        batch = sender.post("/dip-channel/IF-041", [message(supplier, [target]) for _ in range(10)])
        assert batch.status_code == 201, batch.text
    last = batch.json()["messageArray"][-1]["transactionID"]
    deadline = time.monotonic() + 30
    while requests.get(f"{control}/dip/uit/messages/{last}", timeout=30).json()["deliveries"][0]["state"] != \
            "Delivered":
        assert time.monotonic() < deadline, "the workload's messages were not delivered"
        time.sleep(0.05)
    assert requests.get(f"{control}/dip/uit/messages/{first['transactionID']}", timeout=30).status_code == 200
    requests.get(f"{control}/dip/uit/messages", params={"sender": supplier_id}, timeout=30)

    window = {**REQUEST, "datetimeFrom": "2026-01-01T00:00:00Z", "datetimeTo": "2099-01-01T00:00:00Z"}
    for body in (REQUEST, window, {**REQUEST, "eventCode": "ReadingCOS"},
                 {**REQUEST, "transactionIDs": [first["transactionID"]]}):
        assert receiving.post(f"/dip-channel/IF-041/replay/{target}", body).status_code == 200
    assert receiving.post(f"/dip-channel/IF-041/requeue/{target}", window).status_code == 200
    item = {**first, "message": "RCP0000", "senderID": target, "recipientID": supplier_id}
    assert receiving.post("/statusmessage", [item]).status_code == 201

    portal = DipPortal(running)
    portal.first_sign_in(receiver["members"][0]["email"], receiver["members"][0]["password"])
    for direction in ("received", "sent"):
        portal.ok("GET", f"/dip-ids/{target}/messages", params={"direction": direction})
    portal.ok("GET", f"/messages/{first['transactionID']}")
    portal.ok("GET", f"/dip-ids/{target}/performance")
    for path in ("/messages?direction=received", f"/messages/{first['transactionID']}", "/performance",
                 f"/inbox/{target}", "/audit", "/mpan?mpan=1234567890123"):
        portal.session.get(f"{web}/dip/uit{path}", timeout=30)
    for path in ("/console/", "/console/outbox", "/console/journal", "/console/messages"):
        assert requests.get(web + path, timeout=30).status_code == 200, path
    for path in ("/mail", "/journal", "/jobs"):
        assert requests.get(control + path, timeout=30).status_code == 200, path

    # Atlas: a certificate issued, fetched, revoked, and the HVCA counters and statistics
    hvca = Hvca(running, requests.post(control + "/atlas/accounts", json={}, timeout=120).json(), tmp_path / "hvca")
    hvca.login()
    hvca.verified_domain("example.com")
    created = hvca.call("POST", "/certificates", json=certificate_request(key_pool.get()))
    assert created.status_code == 201, created.text
    serial = created.headers["Location"].rsplit("/", 1)[1]
    assert hvca.call("GET", f"/certificates/{serial}").status_code == 200
    assert hvca.call("DELETE", f"/certificates/{serial}").status_code in (200, 204)
    for path in ("/counters/certificates/issued", "/counters/certificates/revoked", "/quotas/issuance",
                 "/stats/issued", "/stats/revoked", "/stats/expiring", "/claims/domains"):
        assert hvca.call("GET", path).status_code == 200, path
    running.sandbox.store.trace(None)
    hook.close()

    hot = sorted(sql for sql in statements if not sql.lower().startswith(SKIPPED)
                 and any(t in GROWING for t in _tables(sql).values()))
    assert len(hot) >= 20, f"only {len(hot)} statements on growing tables ran: the workload did not run"
    small, grown = tmp_path / "small.db", tmp_path / "grown.db"
    running.sandbox.store.copy_to(small)
    running.sandbox.store.copy_to(grown)
    _grow(grown)

    failures, compared = {}, 0
    with sqlite3.connect(str(small)) as before, sqlite3.connect(str(grown)) as after:
        for sql in hot:
            problems = _problems(before, sql)
            if sql.lower().startswith("select"):
                (cost, rows), (grown_cost, grown_rows) = _cost(before, sql), _cost(after, sql)
                if rows == grown_rows and not _index_only(before, sql):
                    compared += 1
                    if grown_cost > 2 * cost + 20:
                        problems.append(f"costs {grown_cost * 100:,} VM instructions with {GROWN_ROWS:,} old rows "
                                        f"per table, {cost * 100:,} without, for the same answer ({len(rows)} rows)")
            if problems:
                failures[sql] = problems
    assert compared >= 15, f"only {compared} statements gave the same answer on both databases"
    assert not failures, "\n\n".join(f"{sql}\n  -> {'; '.join(p)}" for sql, p in failures.items())
