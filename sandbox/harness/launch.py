"""Starting sandboxes for tests: in this process (fast: the imports are paid once) or as a subprocess (isolated:
`dip-sandbox serve`, exactly as a CI job runs it), on ephemeral ports with their own data directory.

CA material is the slow part of a first start (RSA 4096 CA keys): `pinned_ca(directory)` makes it once — under a
file lock, so parallel pytest-xdist workers share it — and every sandbox started with that `ca_dir` imports it.
"""
from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from sandbox.harness.handle import Endpoints, SandboxHandle
from sandbox.kernel.settings import BY_NAME, Settings, load_settings

MODES = ("inprocess", "subprocess")
DEFAULTS = {"profile": "instant", "clock_mode": "manual"}


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def pinned_ca(directory: Path) -> Path:
    """CA material in `directory`, made on first use (a few seconds) and shared by every sandbox given it as
    `ca_dir`, in this process or any other."""
    directory = Path(directory)
    with _locked(directory):
        if not any(directory.glob("*.key")):
            from sandbox.app import Sandbox
            with tempfile.TemporaryDirectory(prefix="dip-sandbox-ca-") as scratch:
                Sandbox(load_settings({"data_dir": scratch, "ca_dir": str(directory)}, environ={})).close()
    return directory


def start_sandbox(workdir: Path, *, mode: str = "inprocess", **settings: Any) -> SandboxHandle:
    """A sandbox on ephemeral ports with its data in `workdir`/data, the `instant` profile and a manual clock
    unless `settings` (any setting of `dip-sandbox config`, e.g. seed=1, ca_dir=..., scenario="uit-onboarded")
    say otherwise. Stop it with `handle.stop()` (or use the handle as a context manager)."""
    if mode not in MODES:
        raise ValueError(f"mode is one of {', '.join(MODES)}, not {mode!r}")
    unknown = sorted(set(settings) - set(BY_NAME))
    if unknown:
        raise ValueError(f"unknown settings: {', '.join(unknown)}")
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    values = {**DEFAULTS, **{k: v for k, v in settings.items() if v is not None},
              "data_dir": str(workdir / "data"), "ephemeral_ports": True,
              "endpoints_file": str(workdir / "endpoints.json")}
    if mode == "subprocess":
        return _subprocess(workdir, values)
    return serve_in_process(load_settings(values, environ={}), workdir)


def serve_in_process(settings: Settings, workdir: Path) -> SandboxHandle:
    """A sandbox of exactly these `settings` serving on its sockets in this process (every in-process start goes
    through here: `start_sandbox`, the pytest plugin and this repository's own tests). Its handle's `sandbox` is the
    Sandbox object itself, for what a test checks beyond the control API."""
    from sandbox.app import Sandbox
    from sandbox.server import SandboxServer

    sandbox = Sandbox(settings)
    server = SandboxServer(sandbox)
    try:
        endpoints = server.start()
    except BaseException:
        server.stop()
        raise
    handle = SandboxHandle(Endpoints.from_json(endpoints), workdir, server.stop, settings.control_token)
    handle.sandbox = sandbox
    return handle


def _subprocess(workdir: Path, values: dict, timeout: float = 60.0) -> SandboxHandle:
    command = [sys.executable, "-m", "sandbox.cli", "serve"]
    for name, value in values.items():
        setting = BY_NAME[name]
        if setting.flag_kind == "flag":
            if value:
                command.append(setting.option)
        else:
            command += [setting.option, ",".join(value) if isinstance(value, (list, tuple)) else str(value)]
    endpoints_file = Path(values["endpoints_file"])
    endpoints_file.unlink(missing_ok=True)
    log = open(workdir / "sandbox.log", "wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ,
                                                                                   "PYTHONUNBUFFERED": "1"})
    deadline = time.monotonic() + timeout
    while not endpoints_file.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            process.wait()
            log.close()
            raise RuntimeError(f"dip-sandbox serve did not start: {(workdir / 'sandbox.log').read_text()[-2000:]}")
        time.sleep(0.02)

    def stop() -> None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()

    endpoints = Endpoints.from_json(json.loads(endpoints_file.read_text()))
    return SandboxHandle(endpoints, workdir, stop, values.get("control_token"))
