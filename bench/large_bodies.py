"""Benchmark of large answers over TLS (issue 19): `POST /_sandbox/echo` on the DIP listener (mTLS) answers its
JSON body back, 8 MB and 64 MB. Sending and answering should cost in proportion to the size: the figure is the
64 MB round trip against eight 8 MB ones (goal <= 1.5x). cheroot's own write buffer copied everything still to
send once per TLS record (16 KB), which made it quadratic: 64 MB took 45-65 s before the TLS adapter's flush
sent views of the buffer instead (sandbox.http_server).
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import requests

from sandbox.harness import pinned_ca, start_sandbox

MB = 2 ** 20


def _round_trip(client, size: int) -> float:
    body = json.dumps(["x" * size]).encode()
    started = time.perf_counter()
    answer = requests.post(client.base_url + "/_sandbox/echo", data=body, headers={"Content-Type": "application/json"},
                           verify=str(client.ca_bundle), cert=(str(client.certificate_file), str(client.key_file)),
                           timeout=600)
    elapsed = time.perf_counter() - started
    assert answer.status_code == 201 and len(answer.content) >= size, answer.status_code
    return elapsed


def bench_large_bodies(work: Path) -> dict:
    with start_sandbox(work / "large", ca_dir=pinned_ca(work / "cache" / "ca"), dip_max_request_bytes=70 * MB) as handle:
        client = handle.load_scenario("uit-onboarded").organisation("uit", "participant").client()
        _round_trip(client, MB)  # warm-up
        small = min(_round_trip(client, 8 * MB) for _ in range(3))
        large = _round_trip(client, 64 * MB)
    return {"large_8mb_s": small, "large_64mb_s": large, "large_ratio": large / (8 * small)}
