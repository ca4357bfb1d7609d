"""Benchmarks of dip-sandbox as a test dependency (issue 9), each next to a baseline measured in the same run.

(7) fixture start-to-ready: `start_sandbox(...)` in this process, as the pytest fixture does (pinned CA, seed,
    instant profile, manual clock) until every listener accepts (goal: median <= 0.5 s). Baseline: the same
    listeners bare — four cheroot servers (three with the same TLS set-up) and a dnslib server with trivial apps.
(8) scenario load: `POST /_sandbox/scenarios/uit-onboarded` with its keys made (goal: median <= 1 s). Baseline:
    `POST /_sandbox/reset` on the same sandbox.
(9) 4 sandboxes in parallel (subprocesses, seeds 1..4), each with its own client sending signed requests over
    keep-alive mTLS: requests/s of each, against one sandbox alone in the same run, and a check that every client
    only ever saw its own sandbox's organisation (goal: no errors, no cross-talk; the ratio is reported).
"""
from __future__ import annotations

import statistics
import threading
import time
from pathlib import Path

from dnslib.server import BaseResolver, DNSServer

from sandbox.harness import pinned_ca, start_sandbox
from sandbox.kernel.http_server import HttpListener, TlsSettings


def _bare_app(environ, start_response):
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "2")])
    return [b"{}"]


def _bare_start(tls_dir: Path) -> tuple[float, list]:
    started = time.perf_counter()
    tls = TlsSettings(tls_dir / "server.pem", tls_dir / "server.key", tls_dir / "dip-client-cas.pem", False)
    listeners = [HttpListener("web", _bare_app, "127.0.0.1", 0)] + \
        [HttpListener(name, _bare_app, "127.0.0.1", 0, tls=tls) for name in ("atlas", "dip_uit", "dip_prod")]
    for listener in listeners:
        listener.start()
    dns = DNSServer(BaseResolver(), port=0, address="127.0.0.1")
    dns.start_thread()
    import socket
    for listener in listeners:
        socket.create_connection(("127.0.0.1", listener.port), timeout=2).close()
    return time.perf_counter() - started, listeners + [dns]


def bench_fixture_and_scenario(work: Path, runs: int = 9) -> dict:
    ca = pinned_ca(work / "cache" / "ca")
    keys = work / "cache" / "scenario-keys"
    starts, stops = [], []
    for i in range(runs):
        started = time.perf_counter()
        handle = start_sandbox(work / f"fixture{i}", seed=0, ca_dir=ca, scenario_keys=keys)
        starts.append(time.perf_counter() - started)
        if i < runs - 1:
            started = time.perf_counter()
            handle.stop()
            stops.append(time.perf_counter() - started)
    bare = []
    for _ in range(runs):
        elapsed, servers = _bare_start(Path(handle.endpoints.data_dir) / "tls")
        bare.append(elapsed)
        for server in servers:
            server.stop()
    handle.control("POST", "/scenarios/uit-onboarded")  # the keys are made once
    loads, resets = [], []
    for _ in range(5):
        started = time.perf_counter()
        handle.control("POST", "/scenarios/uit-onboarded")
        loads.append(time.perf_counter() - started)
        started = time.perf_counter()
        handle.control("POST", "/reset", json={})
        resets.append(time.perf_counter() - started)
    handle.stop()
    return {"fixture_start_median_s": statistics.median(starts), "fixture_stop_median_s": statistics.median(stops),
            "fixture_bare_start_median_s": statistics.median(bare),
            "scenario_load_median_s": statistics.median(loads), "scenario_reset_median_s": statistics.median(resets)}


def _drive(handle, seconds: float, results: dict, key: str) -> None:
    participant = handle.load_scenario("uit-onboarded").organisation("uit", "participant")
    client = participant.client()
    seen, count, errors = set(), 0, 0
    deadline = time.perf_counter() + seconds
    started = time.perf_counter()
    while time.perf_counter() < deadline:
        answer = client.session.get(participant.dip_api + "/_sandbox/whoami", verify=str(handle.ca_bundle),
                                    cert=(str(participant.certificate_file), str(participant.key_file)), timeout=30)
        if answer.status_code != 200:
            errors += 1
            continue
        seen.add(answer.json()["dip_certificate"]["organisation_id"])
        count += 1
    results[key] = {"per_s": count / (time.perf_counter() - started), "errors": errors,
                    "own_only": seen == {participant.organisation_id}}


def bench_parallel(work: Path, count: int = 4, seconds: float = 5.0) -> dict:
    ca = pinned_ca(work / "cache" / "ca")
    keys = work / "cache" / "scenario-keys"
    handles = [start_sandbox(work / f"parallel{i}", mode="subprocess", seed=i + 1, ca_dir=ca, scenario_keys=keys)
               for i in range(count)]
    try:
        alone: dict = {}
        _drive(handles[0], seconds, alone, "alone")
        together: dict = {}
        threads = [threading.Thread(target=_drive, args=(h, seconds, together, i)) for i, h in enumerate(handles)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for handle in handles:
            handle.stop()
    rates = [together[i]["per_s"] for i in range(count)]
    return {"parallel_alone_per_s": alone["alone"]["per_s"], "parallel_each_per_s": rates,
            "parallel_total_per_s": sum(rates), "parallel_errors": sum(together[i]["errors"] for i in range(count)),
            "parallel_isolated": all(together[i]["own_only"] for i in range(count)) and alone["alone"]["own_only"],
            "parallel_count": count}
