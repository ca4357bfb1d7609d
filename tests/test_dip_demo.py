"""The demo organisations: loadable through the control API and the CLI, usable at once, loaded once."""
import json
import os
import subprocess

import requests

from tests.conftest import venv_bin
from tests.dip_helpers import DipPortal


def test_demo_organisations_through_the_control_api(dip):
    loaded = requests.post(dip.control + "/dip/uit/demo", timeout=60)
    assert loaded.status_code == 201, loaded.text
    body = loaded.json()
    names = [o["company_name"] for o in body["organisations"]]
    assert names == ["Super Energy Co", "Big Energy Company", "Energy Demo Ltd", "Smart Energy",
                     "Fabrikam Connection Provider Ltd"]
    assert {c["role_code"] for c in body["central_services"]} == {"VAS", "MDS", "REGS", "ISD", "LSS", "EES"}
    demo = next(o for o in body["organisations"] if o["company_name"] == "Energy Demo Ltd")
    assert demo["nominated_dcp"] == "Fabrikam Connection Provider Ltd"

    member = DipPortal(dip)
    member.first_sign_in("dev@energy-demo.example", body["password"])
    assert [d["dip_id"] for d in member.ok("GET", "/dip-ids")["dip_ids"]] == demo["dip_ids"]
    dcp = DipPortal(dip)
    dcp.first_sign_in("dee@fabrikam.example", body["password"])
    contexts = dcp.ok("GET", "/contexts")["contexts"]
    assert [c["company_name"] for c in contexts] == ["Fabrikam Connection Provider Ltd", "Energy Demo Ltd"]
    acting = {"X-DIP-Context": demo["organisation_id"]}
    assert [d["dip_id"] for d in dcp.ok("GET", "/dip-ids", headers=acting)["dip_ids"]] == demo["dip_ids"]

    again = requests.post(dip.control + "/dip/uit/demo", timeout=60).json()
    assert again["organisations"] == [] and again["central_services"] == []
    assert requests.post(dip.control + "/dip/test/demo", timeout=10).status_code == 404


def test_demo_through_the_cli_in_production(dip):
    env = {**os.environ, "DIP_SANDBOX_CONTROL_URL": dip.control}
    result = subprocess.run([venv_bin("dip-sandbox"), "dip", "demo", "--env", "prod"], capture_output=True, text=True,
                            env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["environment"] == "prod"
    uit_boss = requests.post(dip.control + "/dip/uit/demo", timeout=60).json()
    assert len(uit_boss["organisations"]) == 5  # prod's demo did not touch UIT
