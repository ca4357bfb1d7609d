"""The company register that stands in for GlobalSign's vetting sources."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class RegisteredCompany:
    registered_name: str
    company_number: str
    hq_phone: str
    registered_address: str
    hq_puts_through: bool


def comparable(name: str) -> str:
    """Case, spacing and the Ltd/Limited spelling do not make a different company in a look-up."""
    text = re.sub(r"\s+", " ", str(name).strip().lower())
    return re.sub(r"\bltd\b\.?", "limited", text)


@lru_cache(maxsize=1)
def companies() -> tuple[RegisteredCompany, ...]:
    data = json.loads(resources.files("seed_data").joinpath("company_register.json").read_text())
    return tuple(RegisteredCompany(**entry) for entry in data["companies"])


def find_company(name: str) -> RegisteredCompany | None:
    wanted = comparable(name)
    for company in companies():
        if comparable(company.registered_name) == wanted:
            return company
    return None
