"""What every DIP domain module works over, for one environment."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mock_atlas.service import Atlas
from mock_ca import CertificateAuthorities
from sandbox.kernel.clock import SandboxClock
from sandbox.kernel.ids import RandomSource
from sandbox.kernel.mail import Outbox
from sandbox.kernel.store import Store
from seed_data.timing import TimingProfile

ENVIRONMENT_NAMES = {"uit": "UIT", "prod": "Production"}


@dataclass
class DipLinks:
    base: str = "http://127.0.0.1:8700"

    def invitation(self, environment: str, token: str) -> str:
        return f"{self.base}/dip/{environment}/invitations/{token}"


@dataclass(frozen=True)
class SignInPolicy:
    lockout_attempts: int = 5
    lockout_minutes: float = 15.0


@dataclass(frozen=True)
class MessagePolicy:
    """The message API's knobs (settings dip_signature_skew, dip_signature_path_only, dip_max_request_bytes,
    dip_spec: the official API files, for full schema validation; dip_routing: strict role routing or not)."""
    signature_skew: float = 300.0
    path_only: bool = False
    max_request_bytes: int = 1048576
    spec: Any = None  # mock_dip.spec_validation.DipSpec
    strict_routing: bool = True

    @property
    def version(self) -> str | None:
        """The version of the official documents in force (None without --dip-spec: every version's interfaces)."""
        return self.spec.version if self.spec is not None else None


@dataclass
class DipContext:
    environment: str
    store: Store
    clock: SandboxClock
    random: RandomSource
    outbox: Outbox
    profile: TimingProfile
    atlas: Atlas
    cas: CertificateAuthorities
    policy: SignInPolicy = SignInPolicy()
    messages: MessagePolicy = MessagePolicy()
    links: DipLinks = field(default_factory=DipLinks)
    scheduler: Any = None  # sandbox.scheduler.Scheduler: jobs on the sandbox clock (auto-replies)

    @property
    def environment_name(self) -> str:
        return ENVIRONMENT_NAMES[self.environment]

    @property
    def certificate_prefix(self) -> str:
        """First label of the common name of this environment's DIP certificates."""
        return "energydip-prod" if self.environment == "prod" else "energydip-nonprod"

    def unique_number(self, table: str, column: str) -> str:
        """A 10-digit number (no leading zero) not yet used in `table.column` of this environment: DIP IDs and
        DCP IDs."""
        while True:
            number = str(1 + self.random.below(9)) + self.random.digits(9)
            if not self.one(f"select 1 as x from [{table}] where environment = ? and [{column}] = ?",
                            [self.environment, number]):
                return number

    def one(self, sql: str, params: list) -> dict | None:
        rows = self.store.query(sql, params)
        return rows[0] if rows else None
