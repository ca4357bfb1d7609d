"""The dip-sandbox pytest plugin (registered through the `pytest11` entry point when dip-sandbox is installed).

Fixtures:
- `dip_sandbox` — a fresh sandbox for one test; `dip_sandbox_session` — one sandbox for the whole session (each
  pytest-xdist worker gets its own). Both run on ephemeral ports with a temporary data directory, the `instant`
  timing profile and a manual clock, and stop cleanly afterwards.
- `dip_sandbox_factory` — start more (e.g. `dip_sandbox_factory(seed=7, profile="training")`).

Options (command line or ini): `--dip-sandbox-mode inprocess|subprocess` (default inprocess), `--dip-sandbox-seed N`
(default 0: the same identifiers on every run), `--dip-sandbox-cache DIR` (the pinned CA material and the scenario
keys; default: `$DIP_SANDBOX_CACHE`, else the user cache directory `$XDG_CACHE_HOME/dip-sandbox` or
`~/.cache/dip-sandbox` — kept across runs and shared by xdist workers, which take a file lock to make it once).
A test may override the settings of its sandbox with `@pytest.mark.dip_sandbox(profile="training", ...)`.
"""
from __future__ import annotations

from pathlib import Path

import os

import pytest


def pytest_addoption(parser):
    group = parser.getgroup("dip-sandbox")
    group.addoption("--dip-sandbox-mode", choices=["inprocess", "subprocess"], default=None,
                    help="start sandboxes in the test process (default) or as `dip-sandbox serve` subprocesses")
    group.addoption("--dip-sandbox-seed", type=int, default=None, help="seed of every sandbox's random source (default 0)")
    group.addoption("--dip-sandbox-cache", default=None,
                    help="directory for the pinned CA material and scenario keys (made once, reused across runs)")
    parser.addini("dip_sandbox_mode", "inprocess or subprocess", default="inprocess")
    parser.addini("dip_sandbox_seed", "seed of every sandbox's random source", default="0")
    parser.addini("dip_sandbox_cache", "directory for the pinned CA material and scenario keys", default="")


def pytest_configure(config):
    config.addinivalue_line("markers", "dip_sandbox(**settings): settings of the test's dip_sandbox fixture")
    # cheroot reads its TLS certificate through pyOpenSSL's deprecated X509 API: not the project's concern
    config.addinivalue_line("filterwarnings", "ignore::DeprecationWarning:cheroot.ssl.pyopenssl")


def _cache_dir(config) -> Path:
    """Made once per machine, not per run: pytest's temporary directories are per run under xdist (pytest-N/
    popen-gwK), so a cache there was made again by every `-n` run (about 5 s of CA and keys)."""
    chosen = config.getoption("--dip-sandbox-cache") or config.getini("dip_sandbox_cache") or \
        os.environ.get("DIP_SANDBOX_CACHE")
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "dip-sandbox"


class SandboxFactory:
    """Starts sandboxes with the session's defaults; stops them all at the end of its scope."""

    def __init__(self, config, tmp_path_factory, name: str):
        from sandbox.harness import pinned_ca

        self._tmp = tmp_path_factory
        self._name = name
        cache = _cache_dir(config)
        seed = config.getoption("--dip-sandbox-seed")
        self.defaults = {"seed": int(config.getini("dip_sandbox_seed")) if seed is None else seed,
                         "ca_dir": pinned_ca(cache / "ca"), "scenario_keys": cache / "scenario-keys"}
        self.mode = config.getoption("--dip-sandbox-mode") or config.getini("dip_sandbox_mode")
        self.started: list = []

    def __call__(self, mode: str | None = None, **settings):
        from sandbox.harness import start_sandbox

        handle = start_sandbox(self._tmp.mktemp(self._name), mode=mode or self.mode, **{**self.defaults, **settings})
        self.started.append(handle)
        return handle

    def stop_all(self) -> None:
        while self.started:
            self.started.pop().stop()


@pytest.fixture
def dip_sandbox_factory(request, tmp_path_factory):
    factory = SandboxFactory(request.config, tmp_path_factory, "dip-sandbox")
    yield factory
    factory.stop_all()


@pytest.fixture
def dip_sandbox(request, dip_sandbox_factory):
    """A running sandbox for this test (see `sandbox.harness.SandboxHandle` for its API)."""
    marker = request.node.get_closest_marker("dip_sandbox")
    return dip_sandbox_factory(**(marker.kwargs if marker else {}))


@pytest.fixture(scope="session")
def dip_sandbox_session(request, tmp_path_factory):
    """One running sandbox shared by the session's tests (load a scenario or snapshot to set its state)."""
    factory = SandboxFactory(request.config, tmp_path_factory, "dip-sandbox-session")
    yield factory()
    factory.stop_all()


# -- what a failing test's report shows ----------------------------------------------------------------
FIXTURES = ("dip_sandbox", "dip_sandbox_session")
SHOWN = 50  # newest journal entries and emails in a failure's report


def _journal_section(handle) -> str:
    entries = handle.journal.entries()[:SHOWN]
    lines = [f"{e['at'][:19]} {e['listener']:<22} {e['method']:<6} {e['status']:>3} {e['path']}"
             + (f"  ({e['client']})" if e.get("client") else "") for e in reversed(entries)]
    return "\n".join(lines) or "(no requests)"


def _outbox_section(handle) -> str:
    emails = handle.mail.list()[-SHOWN:]
    return "\n".join(f"{m.sent_at[:19]} to {m.to}: {m.subject}" for m in emails) or "(no emails)"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A test that failed with a sandbox shows what the DIP saw: the sandbox's journal and outbox (the newest
    entries) as sections of its report, so a CI log says it without artefacts to download."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    for name in FIXTURES:
        handle = getattr(item, "funcargs", {}).get(name)
        if handle is None:
            continue
        try:
            report.sections.append((f"{name}: journal (newest {SHOWN})", _journal_section(handle)))
            report.sections.append((f"{name}: outbox (newest {SHOWN})", _outbox_section(handle)))
        except Exception as exc:  # a sandbox that stopped: say so, never hide the test's own failure
            report.sections.append((f"{name}: journal and outbox", f"unavailable: {exc}"))
