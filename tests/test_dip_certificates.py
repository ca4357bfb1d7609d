"""The DIP Certificates tab (B.4): the five stages through real sockets, the guide's openssl and curl command
lines run for real, every bad upload and bad CSR with its own message, DNS failures, lists, download, revoke
(the DIP listener then refuses the certificate and OCSP says revoked) and reissue."""
import base64
import json
import subprocess

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

from mock_ca.keys import key_from_pem
from mock_ca.pkcs12 import read_pfx
from tests.conftest import make_csr, require_tool, write_client_files
from tests.dip_helpers import add_txt, atlas_account, organisation_with_certificate_admin

DOMAIN = "super-energy.example"
FORM = {"host_name": "2059", "domain": DOMAIN, "purpose": "mTLS & Signing"}
SN = f"energydip-nonprod.2059.{DOMAIN}"
DN_AND_H = f"2059.{DOMAIN}"


def run(*args, cwd=None) -> subprocess.CompletedProcess:
    require_tool(args[0])
    result = subprocess.run(list(args), capture_output=True, text=True, timeout=120, cwd=cwd)
    assert result.returncode == 0, (args, result.stdout, result.stderr)
    return result


def pfx_upload(cert_admin, atlas: dict, pfx: bytes, **fields):
    data = {"api_key": atlas["api_key"], "api_secret": atlas["api_secret"], **fields}
    return cert_admin.call("POST", "/certificates/api-credentials/validate", data=data,
                           files={"pfx": ("atlas.pfx", pfx, "application/x-pkcs12")})


def atlas_pfx(atlas: dict) -> bytes:
    return base64.b64decode(atlas["client_pfx_base64"])


def through_stage(people, running, atlas, stage: int) -> None:
    """Complete the stages before `stage` the quick way (JSON bodies, a TXT record through the control API)."""
    cert = people["cert"]
    if stage > 1:
        cert.ok("POST", "/certificates/registration/confirm")
    if stage > 2:
        assert pfx_upload(cert, atlas, atlas_pfx(atlas)).status_code == 200
        cert.ok("POST", "/certificates/api-credentials", 201)
    if stage > 3:
        created = cert.ok("POST", "/certificates/domains", 201, json={"domain": DOMAIN})
    if stage > 4:
        add_txt(running, DOMAIN, created["txt_record"]["value"])
        assert cert.ok("POST", f"/certificates/domains/{DOMAIN}/verification",
                       json={"record_added": True})["result"] == "SUCCESS"


@pytest.fixture
def world(start_sandbox):
    from tests.dip_helpers import MANAGER_PASSWORD
    running = start_sandbox(profile="instant", dip_manager_password=MANAGER_PASSWORD, clock_mode="manual")
    return running, organisation_with_certificate_admin(running), atlas_account(running)


def test_the_five_stages_with_the_guides_command_lines(world, tmp_path):
    running, people, atlas = world
    cert = people["cert"]
    stages = cert.ok("GET", "/certificates/stages")
    assert stages["current_stage"] == 1 and [s["status"] for s in stages["stages"]] == \
        ["current", "locked", "locked", "locked", "locked"]
    assert stages["registration"]["may_proceed"] and "Do not click Next" in stages["registration"]["advice"]
    registration_page = requests.get(stages["registration"]["url"], timeout=10)
    assert registration_page.status_code == 200 and "GlobalSign Services for MHHS: registration" in registration_page.text

    # each stage refused before the one before it is done
    early = pfx_upload(cert, atlas, atlas_pfx(atlas))
    assert early.status_code == 409 and "complete stage 1 (GlobalSign Registration)" in early.json()["error"]["message"]
    cert.ok("POST", "/certificates/registration/confirm")
    early = cert.call("POST", "/certificates/domains", json={"domain": DOMAIN})
    assert early.status_code == 409 and "stage 2 (API Credentials)" in early.json()["error"]["message"]

    # stage 2: the Atlas client certificate merged into a password-less PFX with openssl, as the guide does it
    (tmp_path / "atlas.cer").write_text(atlas["client_cert_pem"])
    (tmp_path / "atlas.key").write_text(atlas["client_key_pem"])
    run("openssl", "pkcs12", "-export", "-out", "atlas.pfx", "-inkey", "atlas.key", "-in", "atlas.cer",
        "-password", "pass:", cwd=tmp_path)
    nothing_to_save = cert.call("POST", "/certificates/api-credentials")
    assert nothing_to_save.status_code == 409 and "Validate them first" in nothing_to_save.json()["error"]["message"]
    validated = pfx_upload(cert, atlas, (tmp_path / "atlas.pfx").read_bytes())
    assert validated.status_code == 200 and validated.json()["message"] == "Added successfully"
    assert cert.ok("GET", "/certificates/stages")["current_stage"] == 2  # not saved yet
    saved = cert.ok("POST", "/certificates/api-credentials", 201)
    assert saved["message"] == "Onboarding status updated successfully" and saved["current_stage"] == 3
    assert saved["api_credentials"]["api_key"] == atlas["api_key"]
    assert saved["api_credentials"]["certificate"]["serial_number"] == atlas["client_cert_serial"]
    assert atlas["api_secret"] not in json.dumps(saved) + validated.text + cert.call(
        "GET", "/certificates/api-credentials").text

    # stage 3: the TXT record for the DNS Admin
    early = cert.call("POST", f"/certificates/domains/{DOMAIN}/verification", json={"record_added": True})
    assert early.status_code == 409 and "stage 3 (Domain Creation)" in early.json()["error"]["message"]
    created = cert.ok("POST", "/certificates/domains", 201, json={"domain": DOMAIN.upper()})
    assert created["domain"] == DOMAIN + "." and created["status"] == "PENDING"
    record = created["txt_record"]
    assert record["name"] == "@" and record["type"] == "TXT" and len(record["value"]) == 32
    again = cert.call("POST", "/certificates/domains", json={"domain": DOMAIN})
    assert again.status_code == 409

    # stage 4: the DNS Admin adds the record on the sandbox DNS server; dig sees it; the DIP asks Atlas to check
    unticked = cert.call("POST", f"/certificates/domains/{DOMAIN}/verification", json={})
    assert unticked.status_code == 422 and unticked.json()["error"]["field"] == "record_added"
    add_txt(running, DOMAIN, record["value"])
    dns_port = str(running.endpoints["dns"]["port"])
    dig = run("dig", "@127.0.0.1", "-p", dns_port, "+short", "TXT", DOMAIN)
    assert record["value"] in dig.stdout
    verified = cert.ok("POST", f"/certificates/domains/{DOMAIN}/verification", json={"record_added": True})
    assert verified["result"] == "SUCCESS" and verified["status"] == "VERIFIED"
    assert "should not be removed" in verified["message"]

    # stage 5: Subject Name and DN&H, the CSR made with the guide's exact openssl line, Create Certificate
    named = cert.ok("POST", "/certificates/subject-name", json={"host_name": "2059", "domain": DOMAIN + ".",
                                                                 "purpose": "mTLS & Signing"})
    assert named["subject_name"] == SN and named["dn_and_h"] == DN_AND_H
    run("openssl", "req", "-new", "-newkey", "rsa:4096", "-nodes", "-keyout", "mtlscert.key", "-out", "mtlscert.csr",
        "-subj", f"/CN={named['subject_name']}", "-addext",
        f"subjectAltName = DNS:{named['dn_and_h']}, DNS:{named['subject_name']}", cwd=tmp_path)
    issued = cert.ok("POST", "/certificates", 201, json={"host_name": "2059", "domain": DOMAIN,
                                                          "purpose": "mTLS & Signing",
                                                          "csr": (tmp_path / "mtlscert.csr").read_text()})
    assert issued["status"] == "ISSUED" and issued["common_name"] == SN and issued["type"] == "mTLS & Signing"
    assert issued["created_by"] == "cert@super-energy.example"
    stages = cert.ok("GET", "/certificates/stages")
    assert [s["status"] for s in stages["stages"]] == ["complete"] * 5

    # lists, download (.cer and chain), merge into a password-less PFX, curl through the DIP API listener
    listing = cert.ok("GET", "/certificates")
    assert [c["serial_number"] for c in listing["active"]] == [issued["serial_number"]] and listing["history"] == []
    download = cert.call("GET", f"/certificates/{issued['serial_number']}/certificate.cer")
    assert download.status_code == 200 and f'filename="{SN}.cer"' in download.headers["Content-Disposition"]
    (tmp_path / "mtlscert.cer").write_text(download.text)
    certificate = x509.load_pem_x509_certificate(download.content)
    days = (certificate.not_valid_after_utc - certificate.not_valid_before_utc).days
    assert 365 <= days <= 372 and format(certificate.serial_number, "X").endswith(issued["serial_number"].lstrip("0"))
    chain = cert.call("GET", f"/certificates/{issued['serial_number']}/chain.pem").text
    (tmp_path / "chain.pem").write_text(chain)
    assert "mtlscert.cer: OK" in run("openssl", "verify", "-CAfile", "chain.pem", "mtlscert.cer", cwd=tmp_path).stdout
    run("openssl", "pkcs12", "-export", "-out", "mtlscert.pfx", "-inkey", "mtlscert.key", "-in", "mtlscert.cer",
        "-password", "pass:", cwd=tmp_path)
    opened = read_pfx((tmp_path / "mtlscert.pfx").read_bytes())
    assert opened.certificate == certificate
    whoami = running.endpoints["dip_api"]["uit"] + "/_sandbox/whoami"
    curl = ["curl", "-s", "-S", "--cacert", running.bundle, "--cert", str(tmp_path / "mtlscert.cer"),
            "--key", str(tmp_path / "mtlscert.key"), whoami]
    accepted = json.loads(run(*curl).stdout)
    assert accepted["common_name"] == SN
    assert accepted["dip_certificate"] == {"organisation_id": people["organisation"]["id"],
                                           "purpose": "mTLS & Signing", "status": "ISSUED"}

    # revoke (with a reason, through Atlas): the listener refuses the certificate; OCSP says revoked
    no_reason = cert.call("POST", f"/certificates/{issued['serial_number']}/revoke", json={})
    assert no_reason.status_code == 422 and no_reason.json()["error"]["field"] == "reason"
    revoked = cert.ok("POST", f"/certificates/{issued['serial_number']}/revoke", json={"reason": "keyCompromise"})
    assert revoked["status"] == "REVOKED" and revoked["revocation_reason"] == "keyCompromise"
    refused = json.loads(run(*curl).stdout)
    assert "was revoked (keyCompromise)" in refused["messageArray"][0]["help"]
    root = tmp_path / "root.pem"
    root.write_text(running.sandbox.cas.authority("dip-root").pem)
    issuing = tmp_path / "issuing.pem"
    issuing.write_text(running.sandbox.cas.authority("dip-issuing").pem)
    ocsp_url = next(d.access_location.value for d in certificate.extensions.get_extension_for_class(
        x509.AuthorityInformationAccess).value if d.access_method.dotted_string == "1.3.6.1.5.5.7.48.1")
    ocsp = subprocess.run(["openssl", "ocsp", "-issuer", str(issuing), "-cert", str(tmp_path / "mtlscert.cer"),
                           "-url", ocsp_url, "-CAfile", str(root), "-verify_other", str(issuing)],
                          capture_output=True, text=True, timeout=30)
    assert "mtlscert.cer: revoked" in ocsp.stdout and "Reason: keyCompromise" in ocsp.stdout, ocsp
    listing = cert.ok("GET", "/certificates")
    assert listing["active"] == [] and listing["history"][0]["status"] == "REVOKED"
    again = cert.call("POST", f"/certificates/{issued['serial_number']}/revoke", json={"reason": "unspecified"})
    assert again.status_code == 409
    audit = [e["action"] for e in people["admin"].ok("GET", "/audit")["entries"]]
    for action in ("GlobalSign registration confirmed", "API credentials saved", "domain created",
                   "domain verification submitted", "certificate created", "certificate revoked"):
        assert action in audit


def _pfx_with_password(atlas) -> bytes:
    key = key_from_pem(atlas["client_key_pem"])
    cert = x509.load_pem_x509_certificate(atlas["client_cert_pem"].encode())
    return pkcs12.serialize_key_and_certificates(b"x", key, cert, None, BestAvailableEncryption(b"secret"))


def _pfx_of(running, key_pool, profile="atlas-client", cn="onboarding_key", sans=(), revoke=False, days=None):
    key = key_pool.get()
    issued = running.sandbox.cas.issue(profile, make_csr(key, cn, sans), validity_days=days)
    if revoke:
        running.sandbox.cas.revoke(issued.serial, "keyCompromise")
    return pkcs12.serialize_key_and_certificates(None, key, issued.certificate, None,
                                                 serialization.NoEncryption())


def test_every_bad_upload_has_its_own_message(world, key_pool):
    running, people, atlas = world
    cert = people["cert"]
    cert.ok("POST", "/certificates/registration/confirm")
    atlas_cert = x509.load_pem_x509_certificate(atlas["client_cert_pem"].encode())
    other_key = key_pool.get(2048)
    cases = {
        "pfx_password": (_pfx_with_password(atlas), "password-protected"),
        "pfx_is_pem": (atlas["client_cert_pem"].encode(), "this is a PEM file, not a PFX"),
        "pfx_no_key": (pkcs12.serialize_key_and_certificates(None, None, atlas_cert, None,
                                                               serialization.NoEncryption()), "holds no private key"),
        "pfx_key_mismatch": (pkcs12.serialize_key_and_certificates(None, other_key, None, [atlas_cert],
                                                                     serialization.NoEncryption()),
                             "the private key in the PFX belongs to none of its certificates"),
        "unknown_issuer": (_pfx_of(running, key_pool, "dip-mtls", "energydip-nonprod.h.example.com",
                                   ("h.example.com",)), "upload the PFX made from the mTLS certificate"),
        "revoked": (_pfx_of(running, key_pool, revoke=True), "was revoked (keyCompromise)"),
        "atlas_certificate": (_pfx_of(running, key_pool), "was not generated for these API credentials"),
        "pfx_unreadable": (b"\x00not a pfx at all", "not a PFX"),
    }
    expiring = _pfx_of(running, key_pool, days=1)
    for code, (pfx, text) in cases.items():
        response = pfx_upload(cert, atlas, pfx)
        error = response.json()["error"]
        assert response.status_code == 422 and error["code"] == code and error["field"] == "pfx", (code, error)
        assert text in error["message"], (code, error["message"])
    wrong_secret = pfx_upload(cert, atlas, atlas_pfx(atlas), api_secret="not-the-secret")
    assert wrong_secret.status_code == 422 and wrong_secret.json()["error"]["field"] == "api_secret"
    assert "did not accept this API key and secret" in wrong_secret.json()["error"]["message"]
    missing = cert.call("POST", "/certificates/api-credentials/validate", data={"api_key": ""})
    assert missing.status_code == 422 and set(missing.json()["error"]["errors"]) == {"api_key", "api_secret", "pfx"}
    requests.post(running.control + "/clock/advance", json={"seconds": 2 * 86400}, timeout=30)
    cert.sign_in("cert@super-energy.example", cert.secret)  # portal sessions last 12 hours
    expired = pfx_upload(cert, atlas, expiring).json()["error"]
    assert expired["code"] == "expired" and "expired at" in expired["message"]
    as_json = cert.call("POST", "/certificates/api-credentials/validate",
                        json={"api_key": atlas["api_key"], "api_secret": atlas["api_secret"],
                              "pfx": atlas["client_pfx_base64"]})
    assert as_json.status_code == 200, as_json.text
    assert cert.ok("GET", "/certificates/stages")["current_stage"] == 2


def test_every_bad_csr_is_named(world, key_pool, tmp_path):
    running, people, atlas = world
    through_stage(people, running, atlas, 5)
    cert = people["cert"]
    key = key_pool.get()
    good = make_csr(key, SN, (DN_AND_H, SN))
    tampered = good.replace(good.splitlines()[5], good.splitlines()[5][:-4] + "AAAA")
    certificate_pem = cert.ok("GET", "/dip-certificates")["dip_certificates"][0]["certificate_pem"]
    cases = {
        "key_size": (make_csr(key_pool.get(2048), SN, (DN_AND_H, SN)), "RSA 2048"),
        "csr_cn_mismatch": (make_csr(key, f"energydip-nonprod.other.{DOMAIN}", (DN_AND_H, SN)), "must be the Subject"),
        "csr_san_mismatch": (make_csr(key, SN, (SN,)), f"must hold exactly DNS:{DN_AND_H} and DNS:{SN}"),
        "csr_empty": ("", "the CSR is empty"),
        "csr_not_a_csr": (certificate_pem, "this is a certificate, not a certificate signing request"),
    }
    extra = make_csr(key, SN, (DN_AND_H, SN, f"www.{DOMAIN}"))
    cases["csr_san_mismatch_extra"] = (extra, f"www.{DOMAIN}")
    for code, (csr, text) in cases.items():
        response = cert.call("POST", "/certificates", json={"host_name": "2059", "domain": DOMAIN, "purpose": "mTLS",
                                                             "csr": csr})
        error = response.json()["error"]
        assert response.status_code == 422 and error["code"] == code.removesuffix("_extra"), (code, error)
        assert text in error["message"] and error["field"] in ("csr", "public_key"), (code, error)
    damaged = cert.call("POST", "/certificates", json={"host_name": "2059", "domain": DOMAIN, "purpose": "mTLS",
                                                        "csr": tampered}).json()["error"]
    assert damaged["code"] in ("csr_bad_signature", "csr_unreadable"), damaged
    assert cert.ok("GET", "/certificates") == {"active": [], "history": []}


@pytest.mark.parametrize("payload, field, text", [
    ({"host_name": "my host"}, "host_name", "no spaces"),
    ({"host_name": "a-very-long-host-name-x"}, "host_name", "at most 35"),
    ({"domain": "elsewhere.example"}, "domain", "is not a verified domain"),
    ({"purpose": "encryption"}, "purpose", "mTLS & Signing"),
    ({"host_name": ""}, "host_name", "is required"),
])
def test_the_create_certificate_form(world, payload, field, text):
    running, people, atlas = world
    through_stage(people, running, atlas, 5)
    body = {"host_name": "2059", "domain": DOMAIN, "purpose": "Signing", **payload}
    response = people["cert"].call("POST", "/certificates/subject-name", json=body)
    error = response.json()["error"]
    assert response.status_code == 422 and field in error["errors"] and text in error["errors"][field], error


def test_dns_verification_failures_and_retry(start_sandbox):
    from tests.dip_helpers import MANAGER_PASSWORD
    running = start_sandbox(profile="realistic", dip_manager_password=MANAGER_PASSWORD, clock_mode="manual")
    people, atlas = organisation_with_certificate_admin(running), atlas_account(running)
    through_stage(people, running, atlas, 4)
    cert = people["cert"]
    token = cert.ok("GET", "/certificates/domains")["domains"][0]["txt_record"]["value"]

    def submit():
        return cert.ok("POST", f"/certificates/domains/{DOMAIN}/verification", json={"record_added": True})

    missing = submit()
    assert missing["result"] == "FAIL" and "no TXT record" in missing["last_reason"]
    wrong = add_txt(running, DOMAIN, "not-the-token")
    requests.post(running.control + "/clock/advance", json={"seconds": 1801}, timeout=30)
    assert "not the token" in submit()["last_reason"]
    requests.delete(running.control + f"/dns/records/{wrong['id']}", timeout=10)
    requests.post(running.control + "/dns/servfail", json={"name": DOMAIN}, timeout=10)
    assert "SERVFAIL" in submit()["last_reason"]
    requests.delete(running.control + f"/dns/servfail/{DOMAIN}", timeout=10)
    add_txt(running, DOMAIN, token)  # visible only after the realistic profile's 30 minutes
    not_yet = submit()
    assert not_yet["result"] == "FAIL" and "not visible yet" in not_yet["last_reason"]
    assert cert.ok("GET", "/certificates/stages")["current_stage"] == 4
    requests.post(running.control + "/clock/advance", json={"seconds": 1801}, timeout=30)
    success = submit()
    assert success["result"] == "SUCCESS" and success["status"] == "VERIFIED"
    assert cert.ok("GET", "/certificates/stages")["current_stage"] == 5


def test_reissue_supersedes_expiry_and_update_credentials(world, key_pool):
    running, people, atlas = world
    through_stage(people, running, atlas, 5)
    cert = people["cert"]
    body = {"host_name": "api", "domain": DOMAIN, "purpose": "Signing"}
    sn = f"energydip-nonprod.api.{DOMAIN}"
    first = cert.ok("POST", "/certificates", 201, json={**body, "csr": make_csr(key_pool.get(4096, 0), sn,
                                                                                 (f"api.{DOMAIN}", sn))})
    wrong = cert.call("POST", f"/certificates/{first['serial_number']}/reissue",
                      json={"csr": make_csr(key_pool.get(4096, 1), SN, (DN_AND_H, SN))})
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "csr_cn_mismatch"
    second = cert.ok("POST", f"/certificates/{first['serial_number']}/reissue", 201,
                     json={"csr": make_csr(key_pool.get(4096, 1), sn, (f"api.{DOMAIN}", sn))})
    assert second["reissue_of"] == first["serial_number"] and second["common_name"] == sn
    listing = cert.ok("GET", "/certificates")
    assert [c["serial_number"] for c in listing["active"]] == [second["serial_number"]]
    old = listing["history"][0]
    assert old["status"] == "SUPERSEDED" and old["superseded_by"] == second["serial_number"]
    assert running.sandbox.cas.certificate(first["serial_number"]).revocation_reason == "superseded"
    new_cert = x509.load_pem_x509_certificate(cert.call("GET", f"/certificates/{second['serial_number']}/"
                                                                "certificate.cer").content)
    ekus = new_cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert [e.dotted_string for e in ekus] == ["1.3.6.1.5.5.7.3.36"]  # Signing only

    # a year and a week later the certificate shows EXPIRED, in the history (the Certificate Admin's access
    # extended three times so that they can still sign in)
    member = next(m for m in people["admin"].ok("GET", "/members")["members"] if m["email"].startswith("cert@"))
    for _ in range(3):
        people["admin"].ok("POST", f"/members/{member['id']}/extend")
    requests.post(running.control + "/clock/advance", json={"seconds": 380 * 86400}, timeout=30)
    cert.sign_in("cert@super-energy.example", cert.secret)
    listing = cert.ok("GET", "/certificates")
    assert listing["active"] == [] and {c["status"] for c in listing["history"]} == {"EXPIRED", "SUPERSEDED"}

    # Update API Credentials: a new set replaces the saved one
    fresh = requests.post(running.control + "/atlas/accounts", json={"company_name": "Super Energy Co"},
                          timeout=60).json()
    assert pfx_upload(cert, fresh, atlas_pfx(fresh)).status_code == 200
    saved = cert.ok("POST", "/certificates/api-credentials", 201)
    assert saved["api_credentials"]["api_key"] == fresh["api_key"]


def test_issuance_delay_shows_pending_then_issued(start_sandbox, key_pool):
    from tests.dip_helpers import MANAGER_PASSWORD
    running = start_sandbox(profile="instant", dip_manager_password=MANAGER_PASSWORD, clock_mode="manual",
                            atlas_issuance_delay=120)
    people, atlas = organisation_with_certificate_admin(running), atlas_account(running)
    through_stage(people, running, atlas, 5)
    cert = people["cert"]
    created = cert.ok("POST", "/certificates", 201, json={"host_name": "2059", "domain": DOMAIN, "purpose": "mTLS",
                                                          "csr": make_csr(key_pool.get(), SN, (DN_AND_H, SN))})
    assert created["status"] == "PENDING" and created["expires_at"] is None
    waiting = cert.call("GET", f"/certificates/{created['serial_number']}/certificate.cer")
    assert waiting.status_code == 409 and "not issued yet" in waiting.json()["error"]["message"]
    assert cert.ok("GET", "/certificates/stages")["stages"][4]["status"] == "current"
    requests.post(running.control + "/clock/advance", json={"seconds": 121}, timeout=30)
    assert cert.ok("GET", f"/certificates/{created['serial_number']}")["status"] == "ISSUED"
    assert cert.call("GET", f"/certificates/{created['serial_number']}/certificate.cer").status_code == 200


def test_only_certificate_admins_act(world, key_pool):
    running, people, atlas = world
    msg = people["msg"]
    assert msg.ok("GET", "/certificates/stages")["current_stage"] == 1  # everyone in the organisation may look
    for method, path, body in [("POST", "/certificates/registration/confirm", None),
                               ("POST", "/certificates/api-credentials/validate", {"api_key": "k", "api_secret": "s", "pfx": "AA=="}),
                               ("POST", "/certificates/api-credentials", None),
                               ("POST", "/certificates/domains", {"domain": DOMAIN}),
                               ("POST", "/certificates/subject-name", FORM),
                               ("POST", "/certificates", {**FORM, "csr": "not yet"}),
                               ("POST", "/certificates/01/revoke", {"reason": "unspecified"})]:
        response = msg.call(method, path, json=body)
        assert response.status_code == 403 and "MP Certificate Admin" in response.json()["error"]["message"], path
        boss = people["boss"].call(method, path, json=body)
        assert boss.status_code == 403, path
    before_details = people["admin"]  # the Primary Admin has no Certificate Admin role either
    assert before_details.call("POST", "/certificates/registration/confirm").status_code == 403


def test_stage_one_waits_for_verified_company_details(dip):
    from tests.dip_helpers import invite, manager, onboard_member
    boss = manager(dip)
    invite(boss)
    admin, _ = onboard_member(dip, "pat@super-energy.example")
    admin.ok("POST", "/members", 201, json={"first_name": "C", "last_name": "A", "roles": ["MP Certificate Admin"],
                                            "email": "cert@super-energy.example"})
    cert, _ = onboard_member(dip, "cert@super-energy.example")
    assert not cert.ok("GET", "/certificates/stages")["registration"]["may_proceed"]
    refused = cert.call("POST", "/certificates/registration/confirm")
    assert refused.status_code == 409 and "Primary Admin verifies" in refused.json()["error"]["message"]


def test_the_dips_own_certificates(world, tmp_path):
    running, people, _ = world
    anonymous = requests.get(running.endpoints["web"] + "/dip/uit/api/dip-certificates", timeout=60)
    assert anonymous.status_code == 200
    own = {c["purpose"]: c for c in anonymous.json()["dip_certificates"]}
    signing = x509.load_pem_x509_certificate(own["signing"]["certificate_pem"].encode())
    client = x509.load_pem_x509_certificate(own["client"]["certificate_pem"].encode())
    eku = x509.ExtendedKeyUsage
    assert [e.dotted_string for e in signing.extensions.get_extension_for_class(eku).value] == ["1.3.6.1.5.5.7.3.36"]
    assert "1.3.6.1.5.5.7.3.2" in [e.dotted_string for e in client.extensions.get_extension_for_class(eku).value]
    assert own["signing"]["common_name"].startswith("energydip-nonprod.")
    file = requests.get(running.endpoints["web"] + "/dip/uit/api/dip-certificates/signing.cer", timeout=10)
    assert x509.load_pem_x509_certificate(file.content) == signing
    prod = requests.get(running.endpoints["web"] + "/dip/prod/api/dip-certificates", timeout=60).json()
    assert prod["dip_certificates"][0]["common_name"].startswith("energydip-prod.")
    # the DIP's client certificate opens mTLS on its own listener like any DIP certificate
    dip = running.sandbox.dip["uit"]
    files = write_client_files(tmp_path, "dip-client", dip.own_certificates.row("client")["certificate_pem"],
                               dip.own_certificates.signer("client")[1])
    answer = requests.get(running.endpoints["dip_api"]["uit"] + "/_sandbox/whoami", cert=files,
                          verify=running.bundle, timeout=10)
    assert answer.status_code == 200 and answer.json()["serial"] == own["client"]["serial_number"]
    assert answer.json()["dip_certificate"] is None  # the DIP's own, not a participant's
