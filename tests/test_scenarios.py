"""Named scenarios through the control API, the CLI and a restart: what each makes works against the listeners."""
from __future__ import annotations

import json
import subprocess

import pytest
import requests

from sandbox.harness.handle import ControlError
from tests.conftest import venv_bin


def test_listing_loading_and_errors(dip_sandbox):
    listed = dip_sandbox.control("GET", "/scenarios")
    assert [s["name"] for s in listed["scenarios"]] == ["fresh", "atlas-vetted", "uit-onboarded", "promoted",
                                                        "demo-organisations"]
    assert listed["current"] is None
    with pytest.raises(ControlError, match="404 no scenario is loaded"):
        dip_sandbox.control("GET", "/scenario")
    wrong = requests.post(dip_sandbox.endpoints.control + "/scenarios/onboarded", timeout=30)
    assert wrong.status_code == 404
    assert wrong.json()["error"]["message"] == ("no scenario named 'onboarded'; the scenarios are fresh, atlas-vetted, "
                                                "uit-onboarded, promoted, demo-organisations")
    bad_names = requests.post(dip_sandbox.endpoints.control + "/tls/server-certificates",
                              json={"names": ["bad name"]}, timeout=30)
    assert bad_names.status_code == 400 and bad_names.json()["error"]["field"] == "names"


def test_promoted_organisations_work_in_both_environments(dip_sandbox):
    world = dip_sandbox.load_scenario("promoted")
    for environment in ("uit", "prod"):
        organisation = world.organisation(environment, "participant")
        whoami = organisation.client().session.get(
            organisation.dip_api + "/_sandbox/whoami", verify=str(dip_sandbox.ca_bundle),
            cert=(str(organisation.certificate_file), str(organisation.key_file)), timeout=30).json()
        assert whoami["environment"] == environment
        assert whoami["dip_certificate"] == {"organisation_id": organisation.organisation_id,
                                             "purpose": "mTLS & Signing", "status": "ISSUED"}
    uit, prod = world.organisation("uit", "counterpart"), world.organisation("prod", "counterpart")
    assert uit.dip_id.dip_id == prod.dip_id.dip_id and uit.dip_id.api_key != prod.dip_id.api_key
    # the Primary Admin signs in to the Production portal with the password the scenario gave
    member = prod.members[0]
    signed_in = requests.post(f"{dip_sandbox.endpoints.web}/dip/prod/api/sessions",
                              json={"email": member["email"], "password": member["password"]}, timeout=30)
    assert signed_in.status_code in (200, 201), signed_in.text


def test_demo_organisations_and_fresh(dip_sandbox):
    demo = dip_sandbox.control("POST", "/scenarios/demo-organisations")
    assert demo["demo"]["uit"]["organisations"] and demo["demo"]["prod"]["organisations"]
    fresh = dip_sandbox.control("POST", "/scenarios/fresh")
    assert set(fresh) == {"name", "doc", "seconds"}
    organisations = requests.get(f"{dip_sandbox.endpoints.web}/dip/uit/api/dip-certificates", timeout=30)
    assert organisations.status_code == 200  # the DIP answers; its own certificates are made again on demand


def test_cli_load_and_show_and_a_restart_keeps_the_scenario(start_sandbox, tmp_path):
    running = start_sandbox(tmp_path / "data", seed=3, profile="instant")
    loaded = subprocess.run([venv_bin("dip-sandbox"), "scenario", "--control", running.control, "load",
                             "uit-onboarded"], capture_output=True, text=True, timeout=120)
    assert loaded.returncode == 0, loaded.stderr
    made = json.loads(loaded.stdout)
    running.stop()
    again = start_sandbox(tmp_path / "data", seed=3, profile="instant")
    shown = subprocess.run([venv_bin("dip-sandbox"), "scenario", "--control", again.control, "show"],
                           capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    kept = json.loads(shown.stdout)
    assert kept["uit"] == made["uit"] and kept["name"] == "uit-onboarded"
    listed = subprocess.run([venv_bin("dip-sandbox"), "scenario", "--control", again.control, "list"],
                            capture_output=True, text=True, timeout=60)
    assert json.loads(listed.stdout)["current"] == "uit-onboarded"


def test_a_failed_build_leaves_the_state_as_it_was(sandbox, monkeypatch):
    from sandbox.scenarios import SCENARIOS, Scenario

    sandbox.scenarios.load("atlas-vetted")
    before = sandbox.scenarios.current()
    seed_before, mode_before = sandbox.random.seed, sandbox.clock.mode

    def half_then_fail(built, made):
        built.atlas.create_complete_account({"company_name": "Half Built Limited"})
        raise RuntimeError("step failed")

    monkeypatch.setitem(SCENARIOS, "broken", Scenario("broken", "fails half-way", (half_then_fail,)))
    with pytest.raises(RuntimeError, match="step failed"):
        sandbox.scenarios.load("broken")
    assert sandbox.scenarios.current() == before  # the reset and the half build were rolled back
    assert [a["company_name"] for a in sandbox.atlas.accounts()] == ["Sandbox Energy Supply Limited"]
    # what lives in memory read the restored state again
    assert (sandbox.random.seed, sandbox.clock.mode) == (seed_before, mode_before)
    assert sandbox.scenarios.load("atlas-vetted")["atlas"]["email"] == before["atlas"]["email"]  # usable again
