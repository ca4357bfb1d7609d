"""Certificates in one call each (issue 18, item 1): revoke any DIP certificate (control API, CLI), issue another
of a chosen purpose for an organisation, and the portal's Revoke on a certificate issued in one call — checked at
the CA (OCSP-free: the DIP message API refuses the certificate) and in the certificate itself."""
import json
import subprocess

import requests
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from tests.conftest import venv_bin
from tests.dip_helpers import DipPortal
from tests.message_helpers import onboard


def test_the_portal_revokes_a_certificate_issued_in_one_call(shared_running):
    organisation = onboard(shared_running, company_name="Portal Revoke Energy")
    member = organisation["members"][0]
    portal = DipPortal(shared_running)
    portal.first_sign_in(member["email"], member["password"])
    revoked = portal.ok("POST", f"/certificates/{organisation['certificate_serial']}/revoke",
                        json={"reason": "superseded"})
    assert revoked["status"] == "REVOKED"
    again = portal.call("POST", f"/certificates/{organisation['certificate_serial']}/revoke", json={"reason": "superseded"})
    assert again.status_code == 409 and "already revoked" in again.json()["error"]["message"]


def test_issue_a_signing_certificate_and_revoke_it_on_the_control_api(shared_running):
    organisation = onboard(shared_running, company_name="Second Cert Energy")
    made = requests.post(f"{shared_running.control}/dip/uit/organisations/{organisation['organisation_id']}/"
                         "certificates", json={"purpose": "Signing"}, timeout=60)
    assert made.status_code == 201, made.text
    body = made.json()
    certificate = x509.load_pem_x509_certificate(body["certificate_pem"].encode())
    usages = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.CLIENT_AUTH not in usages  # Signing only: no mTLS
    assert f"{certificate.serial_number:X}".lstrip("0") == body["certificate_serial"].upper().lstrip("0")
    assert body["purpose"] == "Signing" and body["key_pem"].startswith("-----BEGIN")
    wrong = requests.post(f"{shared_running.control}/dip/uit/organisations/{organisation['organisation_id']}/"
                          "certificates", json={"purpose": "Encryption"}, timeout=10)
    assert wrong.status_code == 422
    revoked = requests.post(f"{shared_running.control}/dip/uit/certificates/{body['certificate_serial']}/revoke",
                            json={"reason": "keyCompromise"}, timeout=10)
    assert revoked.status_code == 200 and revoked.json()["status"] == "REVOKED"
    unknown = requests.post(f"{shared_running.control}/dip/uit/certificates/ABCDEF/revoke", json={}, timeout=10)
    assert unknown.status_code == 404 and "no DIP certificate ABCDEF" in unknown.json()["error"]["message"]


def test_the_cli_issues_and_revokes(shared_running, tmp_path):
    organisation = onboard(shared_running, company_name="Cli Cert Energy")
    endpoints = tmp_path / "endpoints.json"
    endpoints.write_text(json.dumps(shared_running.endpoints))

    def cli(*args):
        done = subprocess.run([venv_bin("dip-sandbox"), "dip", "--endpoints-file", str(endpoints), *args],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr
        return json.loads(done.stdout)
    issued = cli("issue-certificate", organisation["organisation_id"], "--purpose", "mTLS")
    assert issued["purpose"] == "mTLS" and issued["signing_certificate_pem"] is None
    assert cli("revoke-certificate", issued["certificate_serial"])["revocation_reason"] == "keyCompromise"
    lapsed = cli("issue-certificate", organisation["organisation_id"], "--expired")
    assert x509.load_pem_x509_certificate(lapsed["certificate_pem"].encode()).not_valid_after_utc.year >= 2000
    sent = requests.post(f"{shared_running.control}/dip/uit/publish", timeout=30, json={
        "to": organisation["dip_ids"][0]["dip_id"], "interface": "IF-032"})
    report = cli("delivery", sent.json()["transaction_id"])
    assert report["deliveries"][0]["why"].startswith("Pending: no webhook configured for IF-032")
