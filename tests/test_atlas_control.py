"""Atlas for CI and trainers: the one-call complete account, through the control API and the CLI."""
import base64
import json
import os
import subprocess

import requests
from cryptography import x509

from mock_ca.pkcs12 import read_pfx
from tests.conftest import require_tool, venv_bin


def test_one_call_account_is_ready_to_use(running, tmp_path):
    response = requests.post(running.control + "/atlas/accounts", json={"company_name": "Contoso Data Services plc"},
                             timeout=60)
    assert response.status_code == 201, response.text
    account = response.json()
    assert set(account) >= {"account_id", "api_key", "api_secret", "client_cert_pem", "client_key_pem",
                            "client_pfx_base64"}
    assert len(account["api_key"]) == 16 and len(account["api_secret"]) == 40
    contents = read_pfx(base64.b64decode(account["client_pfx_base64"]))
    cert = x509.load_pem_x509_certificate(account["client_cert_pem"].encode())
    assert contents.certificate == cert
    cert_file, key_file = tmp_path / "c.cer", tmp_path / "c.key"
    cert_file.write_text(account["client_cert_pem"])
    key_file.write_text(account["client_key_pem"])
    ca = tmp_path / "ca.pem"
    ca.write_text(running.sandbox.cas.authority("atlas-client-ca").pem)
    require_tool("openssl")
    assert subprocess.run(["openssl", "verify", "-CAfile", str(ca), str(cert_file)], capture_output=True).returncode == 0
    whoami = requests.get(running.endpoints["atlas_api"].removesuffix("/v2") + "/_sandbox/whoami",
                          cert=(str(cert_file), str(key_file)), verify=running.bundle, timeout=10)
    assert whoami.status_code == 200
    described = requests.get(f"{running.control}/atlas/accounts/{account['account_id']}", timeout=10).json()
    assert [t["state"] for t in described["tiles"]] == ["done"] * 5
    assert described["api_credentials"][0]["status"] == "bound"
    portal = requests.post(running.endpoints["web"] + "/atlas/api/sessions",
                           json={"email": account["email"], "password": account["password"]}, timeout=10)
    assert portal.status_code == 201


def test_cli_atlas_commands(running):
    env = {**os.environ, "DIP_SANDBOX_CONTROL_URL": running.control}

    def cli(*args):
        result = subprocess.run([venv_bin("dip-sandbox"), *args], capture_output=True, text=True, env=env, timeout=120)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    created = cli("atlas", "accounts", "create", "--company", "Fabrikam Connection Provider Ltd")
    assert created["account_id"].startswith("ATL-")
    listed = cli("atlas", "accounts", "list")["accounts"]
    assert [a["account_id"] for a in listed] == [created["account_id"]]
    assert cli("atlas", "vetting", "postal-challenge", created["account_id"])["vetting_outcome"] == "postal-challenge"
    assert cli("atlas", "vetting", "reject", created["account_id"], "--reason", "no")["reason"] == "no"
    assert cli("atlas", "vetting", "complete-now", created["account_id"])["jobs_run"] == 0
