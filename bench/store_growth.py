"""Benchmarks of the DIP as its store grows, and under a fixed offered load (issue 19).

Store growth: one sandbox (`dip-sandbox serve`, instant profile), a sender and a receiver organisation, a local
webhook. The same measurement runs with nothing stored and again after `BENCH_STORED` messages (default 100,000)
were loaded through the message API (signed arrays of 100 over keep-alive mTLS, as fast as it takes them) and
delivered. Before each measurement the sandbox clock moves on two hours, so "the last hour" holds only the
measurement's own messages, as in a sandbox that has run for a week. One measurement:
- 2 senders x 100 signed arrays of 10: submit p50/p99 (request to 201), delivery lag p50/p99 (201 to arrival at
  the webhook), messages/s, and the server's CPU per message (from /proc);
- the receiver's Messages page (received) and Performance page, signed in: median of 25 loads each;
- replay of the last hour of IF-041 to the receiver (its 2,000 messages): median of 5.
Each point is measured twice in a row and each figure is the better of the two.

Offered load: 20 requests of 10 messages per second (200 messages/s), open loop for 20 s, each request signed
before the run starts and sent at its planned moment by a pool of keep-alive connections; submit latency counts
from the planned moment (a late start is latency too), delivery lag from the 201 to arrival.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.message_load import Receiver, Sender, onboard, percentile, serve, stop

TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def _portal(web: str, member: dict):
    """A signed-in page session of the receiver's member (first sign-in: MFA enrolment and Terms of Use)."""
    import pyotp
    import requests
    session = requests.Session()
    api = f"{web}/dip/uit/api/sessions"
    step = session.post(api, json={"email": member["email"], "password": member["password"]}, timeout=30).json()
    secret = step["mfa"]["secret"]
    step = session.post(api, json={"challenge": step["challenge"], "totp": pyotp.TOTP(secret).now()}, timeout=30).json()
    session.post(api, json={"challenge": step["challenge"], "accept_terms_of_use": True}, timeout=30).raise_for_status()
    return session


def _timed(call, runs: int) -> float:
    spent = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        spent.append(time.perf_counter() - started)
    return statistics.median(spent) * 1000


def _wait_delivered(receiver: Receiver, transactions, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while not set(transactions) <= set(receiver.arrivals):
        if time.monotonic() > deadline:
            missing = len(set(transactions) - set(receiver.arrivals))
            raise RuntimeError(f"{missing} messages were not delivered within {timeout:.0f} s")
        time.sleep(0.01)


class World:
    def __init__(self, work: Path):
        import requests
        self.receiver = Receiver()
        self.process, self.endpoints = serve(work / "growth")
        self.control, web = self.endpoints["control"], self.endpoints["web"]
        self.sender_org, self.target = onboard(self.control, self.receiver.url)
        base, bundle = self.endpoints["dip_api"]["uit"], self.endpoints["ca_bundle"]
        self.senders = [Sender(base, bundle, self.sender_org, self.target, work / f"g{i}") for i in range(4)]
        self.replayer = Sender(base, bundle, self.target, self.sender_org, work / "replayer")
        self.recipient = self.target["dip_ids"][0]["dip_id"]
        self.page = _portal(web, self.target["members"][0])
        self.web = web
        self.requests = requests

    def submit(self, sender: Sender, count: int) -> tuple[float, list[str], float]:
        started = time.perf_counter()
        status, answer = sender.post("/dip-channel/IF-041", sender.messages(count))
        acked = time.perf_counter()
        assert status == 201, answer
        return acked - started, [item["transactionID"] for item in answer["messageArray"]], acked

    def load(self, total: int) -> float:
        """`total` messages through the API (4 senders, arrays of 100), delivered; messages/s."""
        started = time.perf_counter()
        loaded: list[str] = []
        claimed = [0]  # messages the senders have taken on (taken before sending, so none overshoots)
        lock = threading.Lock()

        def run(sender: Sender) -> None:
            while True:
                with lock:
                    count = min(100, total - claimed[0])
                    if count <= 0:
                        return
                    claimed[0] += count
                _, ids, _ = self.submit(sender, count)
                with lock:
                    loaded.extend(ids)

        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(run, self.senders))
        assert len(loaded) == total, (len(loaded), total)
        _wait_delivered(self.receiver, loaded)
        return total / (time.perf_counter() - started)

    def measure(self) -> dict:
        self.requests.post(self.control + "/clock/advance", json={"seconds": 7200}, timeout=30).raise_for_status()
        clock = self.requests.get(self.control + "/clock", timeout=30).json()
        now = dt.datetime.fromisoformat(clock["now"].replace("Z", "+00:00"))
        before = _cpu_seconds(self.process.pid)
        latencies, acks = [], {}

        def run(sender: Sender) -> None:
            for _ in range(100):
                spent, ids, acked = self.submit(sender, 10)
                latencies.append(spent)
                for t in ids:
                    acks[t] = acked

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(run, self.senders[:2]))
        _wait_delivered(self.receiver, acks)
        elapsed = time.perf_counter() - started
        cpu = _cpu_seconds(self.process.pid) - before
        lags = [(self.receiver.arrivals[t] - acks[t]) * 1000 for t in acks]
        window = {"datetimeFrom": (now - dt.timedelta(minutes=1)).isoformat(), "datetimeTo": None, "eventCode": None,
                  "MPAN": None, "version": None}

        def replay() -> None:
            status, answer = self.replayer.post(f"/dip-channel/IF-041/replay/{self.recipient}", window)
            assert status == 200 and len(answer) == len(acks), (status, answer if status != 200 else len(answer))

        def page(path: str):
            def load() -> None:
                answer = self.page.get(f"{self.web}/dip/uit{path}", timeout=60)
                assert answer.status_code == 200 and "Sign in" not in answer.text[:3000], answer.status_code
            return load
        return {"submit_p50_ms": percentile(latencies, 0.5) * 1000, "submit_p99_ms": percentile(latencies, 0.99) * 1000,
                "lag_p50_ms": percentile(lags, 0.5), "lag_p99_ms": percentile(lags, 0.99),
                "messages_per_s": len(acks) / elapsed, "cpu_ms_per_message": cpu / len(acks) * 1000,
                "received_page_ms": _timed(page("/messages?direction=received"), 25),
                "performance_page_ms": _timed(page("/performance"), 25), "replay_hour_ms": _timed(replay, 5)}

    def offered_load(self, per_second: int = 20, batch: int = 10, seconds: float = 20.0) -> dict:
        count = int(per_second * seconds)
        planned = []
        for i in range(count):  # signed before the run: the client's own work is not in the figure
            sender = self.senders[i % len(self.senders)]
            body = json.dumps(sender.messages(batch)).encode()
            planned.append((sender, sender.presign("/dip-channel/IF-041", body)))
        latencies, acks = [], {}
        lock = threading.Lock()
        start = time.perf_counter() + 0.5

        def fire(index: int) -> None:
            moment = start + index / per_second
            time.sleep(max(0.0, moment - time.perf_counter()))
            sender, request = planned[index]
            response = sender.session.send(request, timeout=30)
            acked = time.perf_counter()
            assert response.status_code == 201, response.text
            with lock:
                latencies.append(acked - moment)
                for item in response.json()["messageArray"]:
                    acks[item["transactionID"]] = acked

        with ThreadPoolExecutor(max_workers=16) as pool:
            list(pool.map(fire, range(count)))
        _wait_delivered(self.receiver, acks)
        lags = [(self.receiver.arrivals[t] - acks[t]) * 1000 for t in acks]
        return {"offered_per_s": per_second * batch, "offered_submit_p50_ms": percentile(latencies, 0.5) * 1000,
                "offered_submit_p99_ms": percentile(latencies, 0.99) * 1000,
                "offered_lag_p50_ms": percentile(lags, 0.5), "offered_lag_p99_ms": percentile(lags, 0.99)}

    def close(self) -> None:
        stop(self.process)
        self.receiver.close()


def _best(*runs: dict) -> dict:
    """Per figure, the best of runs made one after another at the same point (a busy moment of the machine
    falls on one of them, not on the comparison)."""
    return {key: (max if key == "messages_per_s" else min)(run[key] for run in runs) for key in runs[0]}


def bench_store_growth(work: Path, stored: int | None = None) -> dict:
    stored = stored or int(os.environ.get("BENCH_STORED", 100_000))
    world = World(work)
    try:
        world.measure()  # warm-up: connections, caches, the pages' templates
        empty = _best(world.measure(), world.measure())
        offered = world.offered_load()
        load_rate = world.load(stored)
        full = _best(world.measure(), world.measure())
    finally:
        world.close()
    results = {"growth_stored": stored, "growth_load_per_s": load_rate, **offered}
    for name, figures in (("empty", empty), ("full", full)):
        results.update({f"growth_{name}_{key}": value for key, value in figures.items()})
    for key in ("submit_p50_ms", "received_page_ms", "performance_page_ms", "replay_hour_ms", "lag_p50_ms"):
        results[f"growth_ratio_{key}"] = full[key] / empty[key]
    return results
