"""Composition: one sandbox (kernel and services) built from settings, and the Flask apps of its listeners.

No module-level app or globals: `Sandbox(settings)` can be built many times in one process.
"""
from __future__ import annotations

from pathlib import Path

from flask import Flask, request
from werkzeug.exceptions import HTTPException

import mock_ca.registry
from mock_atlas.http import create_atlas_api_app
from mock_ca import CertificateAuthorities
from mock_dip.http import create_dip_api_app
from sandbox import dns_zones, journal, mail, scheduler
from sandbox.api_docs import docs_blueprint
from sandbox.clock import SandboxClock
from sandbox.control_api import control_blueprint, error_body
from sandbox.dns_lookup import TxtLookup
from sandbox.dns_zones import DnsZones
from sandbox.ids import RandomSource
from sandbox.journal import Journal
from sandbox.mail import Outbox
from sandbox.pki_http import pki_blueprint
from sandbox.scheduler import Scheduler
from sandbox.settings import Settings
from sandbox.snapshots import Snapshots
from sandbox.store import Store
from seed_data.timing import timing_profile

VERSION = "0.1.0"
EXTENSION = "dip_sandbox"

# Tables a reset keeps: the meta table (selectively) and, unless asked, the CA hierarchy.
_KEPT_META_PREFIXES = ("schema_version:", "tls_server_certificate")


class Sandbox:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.data_dir = Path(settings.data_dir).resolve()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.store = Store(self.data_dir / "sandbox.db", settings.db_synchronous)
        for namespace, migrations in (
            ("scheduler", scheduler.migrations()), ("dns", dns_zones.migrations()), ("mail", mail.migrations()),
            ("journal", journal.migrations()), ("mock_ca", mock_ca.registry.migrations()),
        ):
            self.store.migrate(namespace, migrations)
        self.profile = timing_profile(settings.profile)
        self.random = RandomSource(self.store, settings.seed)
        self.clock = SandboxClock(self.store, settings.clock_factor)
        if settings.clock_mode:
            self.clock.set_mode(settings.clock_mode,
                                settings.clock_factor if settings.explicit("clock_factor") else None)
        self.scheduler = Scheduler(self.store, self.clock)
        self.zones = DnsZones(self.store, self.clock, self.random, self.profile.wait("dns_propagation"))
        self.txt_lookup = TxtLookup(self.zones, settings.dns_resolver)
        self.outbox = Outbox(self.store, self.clock, self.random, settings.smtp_relay)
        self.journal = Journal(self.store, self.clock, settings.journal_max_entries)
        self.cas = CertificateAuthorities(self.store, self.clock, self.random, self.data_dir / "ca",
                                          settings.ca_dir)
        self.snapshots = Snapshots(self.store, self.clock, self.data_dir / "snapshots")
        self.endpoints: dict | None = None

    def reset(self, ca: bool = False) -> dict:
        """Empty state. Keeps the CA material unless `ca`; even then the sandbox TLS root stays, because
        the running listeners present a certificate from it."""
        with self.store.transaction() as db:
            for table in db.table_names():
                if table not in ("meta", "ca_authorities"):
                    db.execute(f"delete from [{table}]")
            for row in db.execute("select key from meta").fetchall():
                if not row[0].startswith(_KEPT_META_PREFIXES):
                    db.execute("delete from meta where key = ?", [row[0]])
            if self.settings.seed is not None:
                self.store.set_meta("random_seed", str(self.settings.seed))
        self.store.notify_replaced()
        if ca:
            self.cas.regenerate(keep=("tls-root",))
        self.scheduler.wake()
        return {"reset": True, "ca_regenerated": ca, "clock": self.clock.describe()}

    def close(self) -> None:
        self.store.close()


def create_web_app(sandbox: Sandbox) -> Flask:
    """The web listener: control API and its docs, CRL/OCSP/CA certificates (portals come later)."""
    app = Flask("dip_sandbox_web")
    app.extensions[EXTENSION] = sandbox
    app.json.sort_keys = False
    app.register_blueprint(control_blueprint(), url_prefix="/_sandbox")
    app.register_blueprint(pki_blueprint(), url_prefix="/pki")
    app.register_blueprint(docs_blueprint(), url_prefix="/_sandbox")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if request.path.startswith("/_sandbox"):
            code = (exc.name or "error").lower().replace(" ", "_")
            return error_body(exc.code or 500, code, exc.description or exc.name), exc.code
        return exc

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("unexpected error")
        return error_body(500, "internal_error", "internal error in the sandbox; the sandbox log has the details"), 500

    @app.get("/")
    def index():
        return {"name": "dip-sandbox", "version": VERSION, "control": "/_sandbox",
                "docs": "/_sandbox/docs", "openapi": "/_sandbox/openapi.json", "endpoints": sandbox.endpoints}

    return app


def create_atlas_app(sandbox: Sandbox) -> Flask:
    return create_atlas_api_app(sandbox.cas)


def create_dip_app(sandbox: Sandbox, environment: str) -> Flask:
    return create_dip_api_app(sandbox.cas, sandbox.clock, environment)
