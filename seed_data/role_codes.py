"""DIP role codes (shared/reference/dip-role-codes.md) as data, and the questions later code asks of them."""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class DipRole:
    role_id: str
    dip_active: bool | str  # True, False or "optional" (MDR)
    requestable: bool
    service_name: str
    market_segment: str | None
    mp_role_code: str | None

    @property
    def exchanges_messages(self) -> bool:
        """MAP and SMSO do not exchange messages on the DIP; MDR may."""
        return self.dip_active is not False

    @property
    def central_service(self) -> bool:
        return not self.requestable


@lru_cache(maxsize=1)
def roles() -> dict[str, DipRole]:
    data = json.loads(resources.files("seed_data").joinpath("role_codes.json").read_text())
    return {entry["role_id"]: DipRole(**entry) for entry in data["roles"]}


def role(role_id: str) -> DipRole | None:
    return roles().get(str(role_id).strip().upper())


def requestable_roles() -> list[DipRole]:
    return [r for r in roles().values() if r.requestable]


def central_services() -> list[DipRole]:
    return [r for r in roles().values() if r.central_service]
