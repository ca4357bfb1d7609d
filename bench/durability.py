"""Durability of the DIP message API: 4 senders submit under load, the server is killed with SIGKILL mid-stream,
restarted on the same data dir, and every message that got a 201 must be stored and then delivered to the
webhook. Prints sent, acknowledged, found, delivered (goal: nothing lost). `python -m bench.durability`."""
from __future__ import annotations

import json
import shutil
import signal
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.message_load import Receiver, Sender, onboard, serve, stop as stop_serving


def run(work: Path, senders: int = 4, load_seconds: float = 3.0, batch: int = 5) -> dict:
    data = work / "durability"
    receiver = Receiver()
    process, endpoints = serve(data)
    try:
        sender_org, target = onboard(endpoints["control"], receiver.url)
        clients = [Sender(endpoints["dip_api"]["uit"], endpoints["ca_bundle"], sender_org, target, work / f"s{i}")
                   for i in range(senders)]
        acknowledged: set[str] = set()
        sent = 0
        lock = threading.Lock()
        stop = threading.Event()

        def load(client: Sender) -> None:
            nonlocal sent
            while not stop.is_set():
                with lock:
                    sent += batch
                try:
                    status, answer = client.post("/dip-channel/IF-041", client.messages(batch))
                except Exception:  # the server was killed under this request: not acknowledged
                    return
                if status == 201:
                    with lock:
                        acknowledged.update(item["transactionID"] for item in answer["messageArray"])

        threads = [threading.Thread(target=load, args=(c,)) for c in clients]
        for thread in threads:
            thread.start()
        time.sleep(load_seconds)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        process, endpoints = serve(data)  # the same data dir: the deliveries resume
        with sqlite3.connect(f"file:{data / 'sandbox.db'}?mode=ro", uri=True) as db:
            stored = {row[0] for row in db.execute("select transaction_id from dip_messages")}
        found = len(acknowledged & stored)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not acknowledged <= set(receiver.arrivals):
            time.sleep(0.2)
        delivered = len(acknowledged & set(receiver.arrivals))
    finally:
        stop_serving(process)
        receiver.close()
    return {"durability_sent": sent, "durability_acknowledged": len(acknowledged), "durability_found": found,
            "durability_delivered": delivered,
            "durability_nothing_lost": found == delivered == len(acknowledged) and len(acknowledged) > 0}


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="dip-sandbox-durability-"))
    try:
        result = run(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(result, indent=2))
    return 0 if result["durability_nothing_lost"] else 1


if __name__ == "__main__":
    sys.exit(main())
