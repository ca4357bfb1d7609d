"""Composition: one sandbox (kernel and services) built from settings, and the Flask apps of its HTTPS listeners
(the web listener's is in sandbox.web_app).

No module-level app or globals: `Sandbox(settings)` can be built many times in one process.
"""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import mock_atlas.schema
import mock_ca.registry
import mock_dip.schema
from mock_atlas.context import AtlasContext
from mock_atlas.service import Atlas, AtlasOptions
from mock_ca import CertificateAuthorities
from mock_ca.issuance import PublicationUrls
from mock_dip.context import DipContext, MessagePolicy, SignInPolicy
from mock_dip.delivery import DeliveryPolicy
from mock_dip.service import Dip
from sandbox.kernel import dns_zones, journal, mail, scheduler
from sandbox.kernel.clock import SandboxClock
from sandbox.kernel.dns_lookup import TxtLookup
from sandbox.kernel.dns_zones import DnsZones
from sandbox.kernel.ids import RandomSource
from sandbox.kernel.journal import Journal
from sandbox.kernel.mail import Outbox
from sandbox.kernel.passwords import hash_password
from sandbox.kernel.private_files import private_directory, write_private
from sandbox.scenarios import Scenarios, scenario
from sandbox.kernel.scheduler import Scheduler
from sandbox.kernel.settings import ENVIRONMENTS, Settings
from sandbox.kernel.snapshots import Snapshots
from sandbox.kernel.store import Store
from seed_data.timing import timing_profile

if TYPE_CHECKING:  # Flask (with werkzeug and Jinja, a third of a start's imports) comes with the first request
    from flask import Flask

VERSION = "0.1.0"
SECRET_META = "web_secret_key"  # the meta row of the key that signs the pages' session cookie

# Tables a reset keeps: the meta table (selectively) and, unless asked, the CA hierarchy.
_KEPT_META_PREFIXES = ("schema_version:", "tls_server_certificate", SECRET_META)


def journal_listeners() -> list[tuple[str, str]]:
    """Every journal listener name and what its entries are (the README's table, the control API's check)."""
    names = [("web", "requests to the web listener: pages, portal APIs, control API, CRL/OCSP"),
             ("atlas", "requests to the Atlas HVCA API listener"),
             ("dns", "queries to the sandbox DNS server (method: the record type, path: the name)"),
             ("scheduler", "jobs of the sandbox clock that failed (method: the job kind, path: /jobs/ID; "
                           "POST /_sandbox/jobs/ID/retry runs one again)")]
    for environment in ENVIRONMENTS:
        names += [(f"dip_{environment}", f"requests to the DIP message API of {environment.upper()}"),
                  (f"dip_{environment}_webhooks", f"the {environment.upper()} DIP's deliveries to webhooks"),
                  (f"dip_{environment}_counterparts", f"what the sandbox sent as a counterpart in {environment.upper()}"
                                                      " (PUBLISH, AUTO-REPLY, SEND-TEST)")]
    return names


class Sandbox:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.data_dir = Path(settings.data_dir).resolve()
        private_directory(self.data_dir)
        self.store = Store(self.data_dir / "sandbox.db", settings.db_synchronous)
        for namespace, migrations in (
            ("scheduler", scheduler.migrations()), ("dns", dns_zones.migrations()), ("mail", mail.migrations()),
            ("journal", journal.migrations()), ("mock_ca", mock_ca.registry.migrations()),
            ("mock_atlas", mock_atlas.schema.migrations()), ("mock_dip", mock_dip.schema.migrations()),
        ):
            self.store.migrate(namespace, migrations)
        self.profile = timing_profile(settings.profile)
        self.random = RandomSource(self.store, settings.seed)
        self.clock = SandboxClock(self.store, settings.clock_factor, settings.clock_mode, settings.clock_start)
        if settings.clock_mode:
            self.clock.set_mode(settings.clock_mode,
                                settings.clock_factor if settings.explicit("clock_factor") else None)
        self.scheduler = Scheduler(self.store, self.clock)
        self.zones = DnsZones(self.store, self.clock, self.random, self.profile.wait("dns_propagation"))
        self.txt_lookup = TxtLookup(self.zones, settings.dns_resolver)
        self.outbox = Outbox(self.store, self.clock, self.random, settings.smtp_relay)
        self.journal = Journal(self.store, self.clock, settings.journal_max_entries)
        for name, doc in journal_listeners():
            self.journal.register_listener(name, doc)
        self.scheduler.on_failure(lambda job, error: self.journal.record(
            listener="scheduler", method=job["kind"], path=f"/jobs/{job['id']}", status="failed", duration_ms=0,
            detail={"error": error, "due": job["due"], "payload": job["payload"]}))
        self.cas = CertificateAuthorities(self.store, self.clock, self.random, self.data_dir / "ca",
                                          settings.ca_dir, settings.participant_keys)
        self.snapshots = Snapshots(self.store, self.clock, self.data_dir / "snapshots")
        self.atlas = Atlas(AtlasContext(self.store, self.clock, self.random, self.scheduler, self.outbox, self.cas,
                                        self.profile, self.txt_lookup),
                           AtlasOptions(settings.atlas_issuance_quota,
                                        None if settings.atlas_issuance_delay is None
                                        else timedelta(seconds=settings.atlas_issuance_delay),
                                        settings.atlas_fault_rate_429, settings.atlas_fault_rate_503,
                                        settings.atlas_http_check_port))
        self._webhook_roots: str | None = None  # the sandbox roots the webhook trust bundle was last made with
        spec = None
        if settings.dip_spec:
            from mock_dip.spec_validation import DipSpec
            spec = DipSpec(settings.dip_spec)
            spec.payload_schemas  # read now: a wrong folder is an error at start, not at the first message
        self.dip_spec = spec
        messages = MessagePolicy(settings.dip_signature_skew, settings.dip_signature_path_only,
                                 settings.dip_max_request_bytes, spec, settings.dip_routing == "strict")
        delivery = DeliveryPolicy(settings.dip_delivery_attempts, settings.dip_delivery_backoff)
        self.dip = {environment: Dip(DipContext(environment, self.store, self.clock, self.random, self.outbox,
                                                 self.profile, self.atlas, self.cas,
                                                 SignInPolicy(settings.dip_lockout_attempts,
                                                              settings.dip_lockout_minutes), messages,
                                                 scheduler=self.scheduler),
                                     delivery, self.webhook_trust_bundle, self.journal.record)
                    for environment in ENVIRONMENTS}
        for dip in self.dip.values():
            self.clock.on_change(dip.delivery.wake)
            self.scheduler.add_waits(dip.delivery.waits)  # retries are listed, and advanced to, as waits
            self.scheduler.before_move(dip.delivery.settle)
        self._ensure_dip_managers()
        self.scenarios = Scenarios(self, settings.scenario_keys or self.data_dir / "scenario-keys")
        if settings.scenario:
            scenario(settings.scenario)  # a wrong name is an error at start
        self.endpoints: dict | None = None

    def webhook_trust_bundle(self) -> Path:
        """What the DIP trusts for HTTPS webhooks: the sandbox roots, the system store (certifi) and the
        `dip_webhook_ca_bundle` setting; rewritten when the sandbox roots change."""
        path = self.data_dir / "tls" / "webhook-trust.pem"
        roots = self.cas.bundle_path.read_text()
        if self._webhook_roots != roots or not path.exists():
            import certifi
            extra = Path(self.settings.dip_webhook_ca_bundle).read_text() if self.settings.dip_webhook_ca_bundle else ""
            private_directory(path.parent)
            write_private(path, roots + extra + Path(certifi.where()).read_text())
            self._webhook_roots = roots
        return path

    @property
    def _dip_manager_password_file(self) -> Path:
        return self.data_dir / "dip-manager-password"

    def _ensure_dip_managers(self) -> None:
        """The DIP Managers of both environments. A generated password is kept only where it is shown from: a
        0600 file of the data directory (never in the database, so never in a snapshot); the store has its hash."""
        path = self._dip_manager_password_file
        password = self.settings.dip_manager_password or (path.read_text().strip() if path.exists() else None)
        legacy = self.store.get_meta("dip_manager_password")  # data directories made before the file
        if password is None and legacy:
            password = legacy
        if legacy is not None:
            self.store.delete_meta("dip_manager_password")
        if password is None:
            password = "Dm-" + self.random.token(12)
        if not self.settings.dip_manager_password and not path.exists():
            write_private(path, password + "\n")
        hashed: list[str] = []  # one hash for both environments, and none when both managers exist

        def password_hash() -> str:
            if not hashed:
                hashed.append(hash_password(password))
            return hashed[0]

        for dip in self.dip.values():
            dip.identity.ensure_manager(self.settings.dip_manager_email, password_hash)

    def web_secret_key(self) -> str:
        """The key that signs the pages' session cookie (CSRF tokens): made once, kept across restarts."""
        key = self.store.get_meta(SECRET_META)
        if key is None:
            key = self.random.token(32)
            self.store.set_meta(SECRET_META, key)
        return key

    def dip_manager_credentials(self) -> dict | None:
        """The DIP Manager's sign-in when the password was generated (printed at start), else None."""
        if self.settings.dip_manager_password:
            return None
        return {"email": self.settings.dip_manager_email,
                "password": self._dip_manager_password_file.read_text().strip()}

    def set_web_url(self, url: str) -> None:
        """Links in certificates and emails point at the web listener once its address is known."""
        self.cas.urls = PublicationUrls(url)
        self.atlas.ctx.links.base = url
        for dip in self.dip.values():
            dip.ctx.links.base = url

    def reset(self, ca: bool = False) -> dict:
        """Empty state. Keeps the CA material unless `ca`; even then the sandbox TLS root stays, because
        the running listeners present a certificate from it."""
        with self.scheduler.exclusive(), self.store.transaction() as db:  # never under a running job
            db.execute("PRAGMA defer_foreign_keys = ON")  # emptied in any order: checked at commit, when all are
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
        self._ensure_dip_managers()
        self.scheduler.wake()
        return {"reset": True, "ca_regenerated": ca, "clock": self.clock.describe()}

    def restore_snapshot(self, name: str) -> dict:
        """The state of snapshot `name` again, with what works in the background woken to it."""
        restored = self.snapshots.restore(name)
        self.after_replace()
        return restored

    def after_replace(self) -> None:
        """Wake what works in the background after the state was replaced (snapshot, scenario)."""
        self.scheduler.wake()
        for dip in self.dip.values():
            dip.delivery.wake()

    def close(self) -> None:
        self.outbox.close()
        self.store.close()


# The listeners' apps are built on their first request (server.LazyApp), so their modules are imported then.

def create_atlas_app(sandbox: Sandbox) -> Flask:
    from mock_atlas.http import create_atlas_api_app
    return create_atlas_api_app(sandbox.cas, sandbox.atlas)


def create_dip_app(sandbox: Sandbox, environment: str) -> Flask:
    from mock_dip.http import create_dip_api_app
    return create_dip_api_app(sandbox.cas, sandbox.clock, sandbox.dip[environment])


def create_web_app(sandbox: Sandbox) -> Flask:
    from sandbox.web_app import create_web_app as create
    return create(sandbox)
