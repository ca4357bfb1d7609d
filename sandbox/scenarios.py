"""Named scenarios (composition): a known state of the whole sandbox in one call, for CI pipelines, test
fixtures and trainers.

Loading a scenario replaces the state, as a reset does (the CA material, the listeners' TLS certificate and the
DIP Manager's password stay), then builds the scenario with the same domain operations the APIs use, in one
transaction. What it made — accounts, organisations, API keys, certificates and their keys — is kept in the store
(`GET /_sandbox/scenario`), so it survives a restart and travels with snapshots.

The RSA 4096 keys a build needs (about a second each to make) come from numbered files in the `scenario_keys`
directory, made the first time and read after that; the certificates are issued afresh, so their CRL and OCSP
links point at this sandbox's own listener. With `--seed` and pinned CA material (`--ca-dir`) the same scenario
yields the same identifiers, API keys and serial numbers — and, with a shared key directory, the same keys.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from mock_dip.demo import load_demo
from mock_dip.promotion import promote
from mock_dip.ready_organisations import DEFAULT_PASSWORD, make_promoted_ready, onboard_organisation
from sandbox.kernel.errors import NotFound

META_KEY = "scenario"
PARTICIPANT = {"company_name": "Sandbox Energy Supply Limited", "company_number": "01234567",
               "domain": "sandbox-energy-supply.example", "admin_email": "cert.admin@sandbox-energy-supply.example"}
COUNTERPART = {"company_name": "Sandbox Data Services Limited", "company_number": "07654321",
               "domain": "sandbox-data-services.example", "admin_email": "admin@sandbox-data-services.example"}


def _atlas_vetted(sandbox, made: dict) -> None:
    made["atlas"] = sandbox.atlas.create_complete_account({
        "company_name": PARTICIPANT["company_name"], "email": PARTICIPANT["admin_email"], "password": DEFAULT_PASSWORD})


def _uit_onboarded(sandbox, made: dict) -> None:
    uit = sandbox.dip["uit"]
    made["uit"] = {
        "participant": onboard_organisation(uit, {**PARTICIPANT, "dip_ids": [{"role_code": "SUP"}]}),
        "counterpart": onboard_organisation(uit, {**COUNTERPART, "dip_ids": [{"role_code": "SDS"}]}),
    }
    for purpose in ("signing", "client"):  # the DIP's own certificates: their keys are made now, not at delivery
        uit.own_certificates.row(purpose)


def _promoted(sandbox, made: dict) -> None:
    uit, prod = sandbox.dip["uit"], sandbox.dip["prod"]
    manager = prod.identity.manager()
    made["prod"] = {}
    for role in ("participant", "counterpart"):
        promoted = promote(uit, prod, manager, {"organisation_id": made["uit"][role]["organisation_id"],
                                                "effective_from": prod.ctx.clock.now().date().isoformat()})
        made["prod"][role] = make_promoted_ready(prod, promoted["organisation"]["id"])
    for purpose in ("signing", "client"):
        prod.own_certificates.row(purpose)


def _demo_organisations(sandbox, made: dict) -> None:
    made["demo"] = {environment: load_demo(dip) for environment, dip in sandbox.dip.items()}


@dataclass(frozen=True)
class Scenario:
    name: str
    doc: str
    steps: tuple[Callable[[object, dict], None], ...]


SCENARIOS: dict[str, Scenario] = {s.name: s for s in (
    Scenario("fresh", "nothing but the CAs and the DIP Manager of each environment", ()),
    Scenario("atlas-vetted", "an Atlas account through vetting, with API credentials and its client mTLS "
             "certificate: what a Certificate Admin brings to the DIP", (_atlas_vetted,)),
    Scenario("uit-onboarded", "atlas-vetted, plus two organisations ready on the UIT DIP (a supplier, SUP, and a "
             "data service, SDS): Primary Admins, DIP IDs with API keys, mTLS & Signing certificates and keys",
             (_atlas_vetted, _uit_onboarded)),
    Scenario("promoted", "uit-onboarded, plus both organisations promoted to Production and ready there (new API "
             "keys and certificates; the same DIP IDs)", (_atlas_vetted, _uit_onboarded, _promoted)),
    Scenario("demo-organisations", "the demo organisations of seed_data and the central services, in UIT and "
             "Production", (_demo_organisations,)),
)}


def scenario(name: str) -> Scenario:
    try:
        return SCENARIOS[name]
    except KeyError:
        raise NotFound(f"no scenario named {name!r}; the scenarios are {', '.join(SCENARIOS)}",
                       field="name") from None


class Scenarios:
    """Loading named scenarios into one sandbox (the composition's `Sandbox`)."""

    def __init__(self, sandbox, keys_dir: Path):
        self._sandbox = sandbox
        self.keys_dir = Path(keys_dir)

    def list(self) -> list[dict]:
        return [{"name": s.name, "doc": s.doc} for s in SCENARIOS.values()]

    def current(self) -> dict | None:
        return self._sandbox.store.get_meta(META_KEY)

    def load(self, name: str) -> dict:
        chosen = scenario(name)
        sandbox = self._sandbox
        started = time.perf_counter()
        # no background job draws identifiers in between (same seed, same identifiers); one transaction
        try:
            with sandbox.scheduler.exclusive(), sandbox.cas.keys.from_files(self.keys_dir), \
                    sandbox.store.transaction():
                sandbox.reset()
                made: dict = {"name": name, "doc": chosen.doc}
                for step in chosen.steps:
                    step(sandbox, made)
                sandbox.store.set_meta(META_KEY, made)
        except BaseException:
            sandbox.store.notify_replaced()  # rolled back: the clock, random source and CAs read the old state again
            raise
        sandbox.after_replace()
        return {**made, "seconds": round(time.perf_counter() - started, 3)}
