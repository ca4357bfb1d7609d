"""Benchmark of the pytest plugin in another team's project (issue 18): a second `pytest -n 4` run against a
serial run of the same project, wall time of the whole `pytest` command each.

The project is eight tests, each on its own `dip_sandbox` with the `uit-onboarded` scenario loaded and one signed
mTLS request — the shape of a supplier's client suite. Its pytest loads only the plugins such a project has
(`dip-sandbox[pytest]` and pytest-xdist): `PYTEST_DISABLE_PLUGIN_AUTOLOAD` keeps this repository's own test
plugins (hypothesis, schemathesis, playwright: about 1.2 s of imports in every xdist worker) out of the figure.
The first `-n 4` run makes the cache (CA and scenario keys); the serial run and the second `-n 4` run reuse it.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

PROJECT = '''\
import pytest


@pytest.mark.parametrize("n", range(8))
def test_a_signed_request_on_a_fresh_sandbox(dip_sandbox, n):
    world = dip_sandbox.load_scenario("uit-onboarded")
    answer = world.organisation("uit", "participant").client().post("/_sandbox/echo", {"n": n})
    assert answer.status_code == 201
'''


def _run(project: Path, *args: str) -> float:
    environ = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "DIP_SANDBOX_CACHE": str(project / "cache")}
    environ.pop("PYTEST_ADDOPTS", None)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "xdist.plugin",
                           "-p", "sandbox.pytest_plugin", *args], cwd=project, env=environ,
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"the plugin project failed ({' '.join(args) or 'serial'}):\n{done.stdout[-3000:]}")
    return elapsed


def bench_plugin_project(work: Path, runs: int = 3) -> dict:
    project = work / "plugin-project"
    project.mkdir(parents=True)
    (project / "test_client.py").write_text(PROJECT)
    first = _run(project, "-n", "4")
    serial, parallel = [], []
    for _ in range(runs):  # alternated, so a busy moment of the machine falls on both
        serial.append(_run(project))
        parallel.append(_run(project, "-n", "4"))
    serial_s, parallel_s = min(serial), min(parallel)
    return {"plugin_first_n4_s": first, "plugin_serial_s": serial_s, "plugin_second_n4_s": parallel_s,
            "plugin_n4_ratio": parallel_s / serial_s}
