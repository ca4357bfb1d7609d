"""What every Atlas domain module works over: the kernel services and the CA library."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from mock_ca import CertificateAuthorities
from sandbox.kernel.clock import SandboxClock
from sandbox.kernel.dns_lookup import TxtLookup
from sandbox.kernel.ids import RandomSource
from sandbox.kernel.mail import Outbox
from sandbox.kernel.scheduler import Scheduler
from sandbox.kernel.store import Store
from seed_data.timing import TimingProfile


@dataclass
class PortalLinks:
    """Where the pages for people live; set once the web listener's address is known."""
    base: str = "http://127.0.0.1:8700"

    def invitation(self, token: str) -> str:
        return f"{self.base}/atlas/invitations/{token}"

    def registration(self) -> str:
        return f"{self.base}/atlas/register"

    def portal(self) -> str:
        return f"{self.base}/atlas/"


@dataclass
class AtlasContext:
    store: Store
    clock: SandboxClock
    random: RandomSource
    scheduler: Scheduler
    outbox: Outbox
    cas: CertificateAuthorities
    profile: TimingProfile
    txt_lookup: TxtLookup
    links: PortalLinks = field(default_factory=PortalLinks)

    def due(self, wait: str) -> datetime:
        """Sandbox time at which the named wait of the timing profile ends, counted from now."""
        return self.clock.now() + self.profile.wait(wait)

    def one(self, sql: str, params: list) -> dict | None:
        rows = self.store.query(sql, params)
        return rows[0] if rows else None
