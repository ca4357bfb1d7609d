"""Running a sandbox: every listener in one process, the endpoints they report, a clean stop."""
from __future__ import annotations

import json
import logging
import re
import threading
from pathlib import Path

from sandbox.app import Sandbox, create_atlas_app, create_dip_app, create_web_app
from sandbox.kernel.dns_server import SandboxDnsServer, ZoneResolver
from sandbox.kernel.http_server import HttpListener, JournalMiddleware, TlsSettings
from sandbox.kernel.settings import ENVIRONMENTS
from sandbox.kernel.private_files import private_directory, write_private

log = logging.getLogger(__name__)


def _public_host(host: str) -> str:
    """The address a client on this machine uses for a listener bound to `host`."""
    return {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)


def _url(scheme: str, host: str, port: int) -> str:
    host = _public_host(host)
    return f"{scheme}://[{host}]:{port}" if ":" in host else f"{scheme}://{host}:{port}"


class LazyApp:
    """A WSGI app built on its first request (once, under a lock), with the modules only it needs. A start needs
    none of them: a CI job that only sends messages never builds the web listener's (pages, forms, portal and
    control APIs: ~300 routes), and the first request to each listener waits for its app once."""

    def __init__(self, build, after_build=None):
        self._build = build
        self._after_build = after_build
        self._app = None
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        app = self._app
        if app is None:
            with self._lock:
                if self._app is None:
                    self._app = self._build()
                    if self._after_build is not None:
                        self._after_build()
                app = self._app
        return app(environ, start_response)


class ListenerUnavailable(RuntimeError):
    """A listener could not bind its address; the message says which, where, and what to do."""


def _reason(exc: OSError) -> str:
    """The operating system's words ("Address already in use"), also out of cheroot's longer message."""
    found = re.search(r"\[Errno \d+\] ([^)\]]+)", str(exc))
    return exc.strerror or (found.group(1).strip() if found else str(exc))


def _port_option(name: str) -> str:
    return f"--{name.replace('_', '-')}-port"


class SandboxServer:
    """`after_build` runs once each listener's app is built (on its first request): `serve` freezes what the build
    made for the cyclic collector (gc.freeze), as it does with what start-up made, so that the collections of a
    running server walk only what requests make (they were a few ms of the slowest requests)."""

    def __init__(self, sandbox: Sandbox, after_build=None):
        self.sandbox = sandbox
        self._after_build = after_build
        self.listeners: dict[str, HttpListener] = {}
        self.dns: SandboxDnsServer | None = None
        self.endpoints: dict | None = None

    def _port(self, name: str) -> int:
        settings = self.sandbox.settings
        return 0 if settings.ephemeral_ports else getattr(settings, f"{name}_port")

    def _tls_files(self) -> tuple[Path, Path, Path, Path]:
        cas = self.sandbox.cas
        directory = private_directory(self.sandbox.data_dir / "tls")
        cert_pem, key_pem = cas.server_certificate(list(self.sandbox.settings.tls_extra_names))
        cert_file = write_private(directory / "server.pem", cert_pem)
        key_file = write_private(directory / "server.key", key_pem)
        atlas_cas = write_private(directory / "atlas-client-cas.pem", cas.authority("atlas-client-ca").pem)
        dip_cas = write_private(directory / "dip-client-cas.pem", "".join(a.pem for a in cas.chain("dip-issuing")))
        return cert_file, key_file, atlas_cas, dip_cas

    def start(self) -> dict:
        sandbox, settings = self.sandbox, self.sandbox.settings
        record = sandbox.journal.record
        cert_file, key_file, atlas_cas, dip_cas = self._tls_files()
        strict = settings.client_cert_mode == "strict"
        common = {"threads": settings.http_threads, "shutdown_timeout": settings.shutdown_timeout,
                  "head_timeout": settings.http_head_timeout}

        web = self._bind("web", lambda host, port: HttpListener(
            "web", self._app("web", lambda: create_web_app(sandbox)), host, port, **common))
        self.listeners["web"] = web
        web_url = _url("http", web.host, web.port)
        sandbox.set_web_url(web_url)

        self.listeners["atlas"] = self._bind("atlas", lambda host, port: HttpListener(
            "atlas", self._app("atlas", lambda: create_atlas_app(sandbox)), host, port,
            tls=TlsSettings(cert_file, key_file, atlas_cas, strict), **common))
        for environment in ENVIRONMENTS:
            name = f"dip_{environment}"
            self.listeners[name] = self._bind(name, lambda host, port, name=name, environment=environment: HttpListener(
                name, self._app(name, lambda: create_dip_app(sandbox, environment)), host, port,
                tls=TlsSettings(cert_file, key_file, dip_cas, strict), **common))
        self.dns = self._bind("dns", lambda host, port: SandboxDnsServer(
            ZoneResolver(sandbox.zones, record), host, port))

        for listener in self.listeners.values():
            listener.start()
        self.dns.start()
        sandbox.scheduler.start()
        for dip in sandbox.dip.values():
            dip.delivery.start()
        sandbox.scheduler.run_due()
        if settings.scenario:
            sandbox.scenarios.load(settings.scenario)

        atlas, uit, prod = self.listeners["atlas"], self.listeners["dip_uit"], self.listeners["dip_prod"]
        self.endpoints = {
            "web": web_url,
            "control": web_url + "/_sandbox",
            "atlas_api": _url("https", atlas.host, atlas.port) + "/v2",
            "dip_api": {"uit": _url("https", uit.host, uit.port), "prod": _url("https", prod.host, prod.port)},
            "dns": {"host": _public_host(self.dns.host), "port": self.dns.port},
            "ca_bundle": str(sandbox.cas.bundle_path),
            "data_dir": str(sandbox.data_dir),
        }
        sandbox.endpoints = self.endpoints
        # Each socket listens from the moment its listener is made (cheroot's prepare, dnslib's servers): a client
        # that connects now is queued, never refused, so the endpoints are published without a test round trip.
        if settings.endpoints_file:
            path = Path(settings.endpoints_file)
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_text(json.dumps(self.endpoints, indent=2) + "\n")
            tmp.replace(path)
        return self.endpoints

    def _app(self, listener: str, build):
        """A listener's WSGI app: built by `build` on its first request, every request journaled."""
        return JournalMiddleware(LazyApp(build, self._after_build), listener, self.sandbox.journal.record)

    def _bind(self, name: str, make):
        """`make(host, port)`; a busy or unusable address closes what is already bound and says what to do."""
        host, port = getattr(self.sandbox.settings, f"{name}_host"), self._port(name)
        try:
            return make(host, port)
        except OSError as exc:
            self._close_listeners()
            raise ListenerUnavailable(
                f"the {name} listener cannot listen on {host}:{port} ({_reason(exc)}): stop what uses it, "
                f"choose another port with {_port_option(name)}, or start with --ephemeral-ports") from None

    def _close_listeners(self) -> None:
        stoppers = [listener.stop for listener in self.listeners.values()]
        if self.dns is not None:
            stoppers.extend(self.dns.stoppers())
        self.listeners, self.dns = {}, None
        if stoppers:
            from concurrent.futures import ThreadPoolExecutor  # at a stop only: a start does not need it

            with ThreadPoolExecutor(max_workers=len(stoppers)) as pool:
                list(pool.map(lambda stop: stop(), stoppers))

    def stop(self) -> None:
        """Stop accepting, let in-flight requests finish, then close the database."""
        self._close_listeners()
        self.sandbox.scheduler.stop()
        for dip in self.sandbox.dip.values():
            dip.delivery.stop()
        self.sandbox.close()


def summary(endpoints: dict) -> str:
    return "\n".join([
        "dip-sandbox is running",
        f"  start page        {endpoints['web']}/",
        f"  console           {endpoints['web']}/console/",
        f"  Atlas portal      {endpoints['web']}/atlas/",
        f"  DIP portal (UIT)  {endpoints['web']}/dip/uit/   (Production: {endpoints['web']}/dip/prod/)",
        f"  control API       {endpoints['control']}   (docs: {endpoints['control']}/docs)",
        f"  Atlas API         {endpoints['atlas_api']}",
        f"  DIP API (UIT)     {endpoints['dip_api']['uit']}",
        f"  DIP API (Prod)    {endpoints['dip_api']['prod']}",
        f"  DNS (UDP+TCP)     {endpoints['dns']['host']}:{endpoints['dns']['port']}",
        f"  CA bundle         {endpoints['ca_bundle']}",
    ])
