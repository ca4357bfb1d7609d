"""Shared fixtures: pinned CA material (made once per session), in-process sandboxes with real listeners
on ephemeral ports, and a pool of RSA keys so tests do not spend their time generating 4096-bit keys."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from mock_ca.csr import build_csr
from sandbox.app import Sandbox
from sandbox.harness.launch import serve_in_process
from sandbox.kernel.settings import load_settings

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}  # what a browser asks for: pages, not JSON


_SESSION_KEYS: list[Path] = []  # the directory every test sandbox takes its RSA keys from (set once per session)


def pytest_collection_modifyitems(items):
    """Tests marked `long` first, then the others, each group in collection order: pytest-xdist hands out tests
    in this order, so the walks of a minute start at once rather than last (the trainer's walk, alphabetically
    near the end, kept one worker busy for a minute while the other had nothing left)."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)


@pytest.fixture(scope="session", autouse=True)
def _session_keys(tmp_path_factory) -> Path:
    """One directory of numbered RSA 4096 keys for the session: each test sandbox takes its participants' keys
    (Atlas accounts, one-call organisations, the DIP's own certificates) from it in order, made the first time
    (a second each) and read after that (the `participant_keys` setting)."""
    _SESSION_KEYS[:] = [tmp_path_factory.mktemp("session-keys")]
    return _SESSION_KEYS[0]


def make_settings(data_dir: Path, ca_dir: Path | None = None, **overrides):
    # live_pages off: a page reloading itself under a browser test's clicks would make it flaky; the live pages
    # have their own tests (tests/test_live_pages.py)
    values = {"data_dir": str(data_dir), "ephemeral_ports": True, "profile": "training", "live_pages": False,
              **({"participant_keys": str(_SESSION_KEYS[0])} if _SESSION_KEYS else {}), **overrides}
    if ca_dir is not None:
        values["ca_dir"] = str(ca_dir)
    return load_settings(values, environ={})


@pytest.fixture(scope="session")
def ca_dir(tmp_path_factory) -> Path:
    """CA material made once and imported by every sandbox of the session (as CI would pin it)."""
    directory = tmp_path_factory.mktemp("pinned-ca")
    sandbox = Sandbox(make_settings(tmp_path_factory.mktemp("ca-maker"), directory))
    sandbox.close()
    return directory


@pytest.fixture
def sandbox(tmp_path, ca_dir):
    """A sandbox without listeners, for the domain modules."""
    instance = Sandbox(make_settings(tmp_path / "data", ca_dir))
    yield instance
    instance.close()


_STARTED: list["Running"] = []


class Running:
    """A sandbox serving on real sockets in this process, started the way the shipped harness starts one
    (`sandbox.harness.launch.serve_in_process`); `handle` is the harness's handle on it (its typed control API,
    its webhook receivers), `sandbox` the Sandbox object, `endpoints` what `serve` reports."""

    def __init__(self, settings):
        self.settings = settings
        self.handle = serve_in_process(settings, Path(f"{settings.data_dir}-harness"))
        self.sandbox = self.handle.sandbox
        self.endpoints = self.sandbox.endpoints
        self.stopped = False
        _STARTED.append(self)

    @property
    def control(self) -> str:
        return self.endpoints["control"]

    @property
    def bundle(self) -> str:
        return self.endpoints["ca_bundle"]

    def stop(self):
        if not self.stopped:
            self.stopped = True
            self.handle.stop()


@pytest.fixture(scope="session", autouse=True)
def _stop_every_sandbox():
    """Whatever a failing fixture left running is stopped at the end (its worker threads would keep the test
    process alive)."""
    yield
    for running in _STARTED:
        running.stop()


@pytest.fixture
def start_sandbox(tmp_path, ca_dir):
    started: list[Running] = []

    def start(data_dir: Path | None = None, **overrides) -> Running:
        running = Running(make_settings(data_dir or tmp_path / f"data{len(started)}", ca_dir, **overrides))
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()


@pytest.fixture
def running(start_sandbox) -> Running:
    return start_sandbox()


@pytest.fixture(scope="module")
def shared_running(tmp_path_factory, ca_dir):
    """One running sandbox for a module of tests that do not depend on a fresh state."""
    running = Running(make_settings(tmp_path_factory.mktemp("shared"), ca_dir))
    yield running
    running.stop()


# -- keys and CSRs -----------------------------------------------------------------------------------

class KeyPool:
    def __init__(self):
        self._keys: dict[int, list] = {}

    def get(self, bits: int = 4096, index: int = 0):
        keys = self._keys.setdefault(bits, [])
        while len(keys) <= index:
            keys.append(rsa.generate_private_key(public_exponent=65537, key_size=bits))
        return keys[index]


@pytest.fixture(scope="session")
def key_pool() -> KeyPool:
    return KeyPool()


def make_csr(key, common_name: str, dns_names: tuple[str, ...] = ()) -> str:
    """The CSR (PEM) a participant's client sends, built by the sandbox's one CSR builder."""
    return build_csr(key, common_name, dns_names).public_bytes(serialization.Encoding.PEM).decode()


def key_pem(key) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def write_client_files(directory: Path, name: str, cert_pem: str, key) -> tuple[str, str]:
    directory.mkdir(parents=True, exist_ok=True)
    cert_file, key_file = directory / f"{name}.cer", directory / f"{name}.key"
    cert_file.write_text(cert_pem)
    key_file.write_text(key_pem(key))
    return str(cert_file), str(key_file)


DIP_CN = "energydip-nonprod.host1.example.com"
DIP_SANS = ("host1.example.com", DIP_CN)


# -- a sandbox in a child process --------------------------------------------------------------------

def venv_bin(name: str) -> str:
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


def start_process(args: list[str], endpoints_file: Path, timeout: float = 60.0, env: dict | None = None):
    """Run `dip-sandbox serve ...` and wait for its endpoints file; returns (process, endpoints)."""
    endpoints_file.unlink(missing_ok=True)
    process = subprocess.Popen([venv_bin("dip-sandbox"), "serve", *args, "--endpoints-file", str(endpoints_file)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, **(env or {})})
    deadline = time.monotonic() + timeout
    while not endpoints_file.exists():
        if process.poll() is not None:
            raise AssertionError(f"serve exited {process.returncode}: {process.stderr.read()}")
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError("serve did not write its endpoints file in time")
        time.sleep(0.05)
    return process, json.loads(endpoints_file.read_text())


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: .ci/run installs it (apt-get install {name})")
    return path


@pytest.fixture
def dip(start_sandbox):
    """A running sandbox whose DIP Manager password is known."""
    from tests.dip_helpers import MANAGER_PASSWORD
    return start_sandbox(profile="instant", dip_manager_password=MANAGER_PASSWORD)


# -- a real browser ----------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright  # only browser tests need it
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.fail("chromium is not installed: .ci/run installs it (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    opened = context.new_page()
    opened.set_default_timeout(15000)
    yield opened
    context.close()
