"""The Atlas account journey through the portal JSON API, on real sockets, as a Certificate Admin does it.

With the `instant` profile every wait is zero, so its job runs as soon as it is scheduled; the refusals before
a wait has passed are tested with the `realistic` profile and a manual clock (test_atlas_waits.py)."""
import base64
import re
import subprocess

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from mock_ca.pkcs12 import read_pfx
from tests.atlas_helpers import FORM, PASSWORD, Portal
from tests.conftest import make_csr, require_tool
from tests.openapi_checks import assert_documents_every_route


@pytest.fixture
def portal(start_sandbox):
    running = start_sandbox(profile="instant")
    requests.post(running.control + "/clock/mode", json={"mode": "manual"}, timeout=10)
    yield Portal(running)
    errors = requests.get(running.control + "/journal", params={"per_page": 500}, timeout=10).json()["entries"]
    assert not [e for e in errors if e["status"].startswith("5")], "a request got a 5xx"


def ready_for_identity_profile(portal: Portal, **form) -> None:
    """Registration to the 'Request Identity Profile' tile (instant profile), signed in."""
    portal.register(**form)
    portal.onboard_user(form.get("email", FORM["email"]))
    portal.ok("POST", "/payment-method", json={"method": "invoice"})
    portal.advance(0)
    portal.ok("POST", "/quotation/accept", json={"accept_quotation": True, "accept_msa": True})
    portal.advance(0)


def vetted(portal: Portal, **form) -> str:
    """Registration to vetting done (instant profile); returns the service id."""
    ready_for_identity_profile(portal, **form)
    portal.ok("POST", "/identity-profiles", 201, json={"profile_name": "MHHS", "locality": "Manchester",
                                                       "organization": form.get("company_name", FORM["company_name"]),
                                                       "country": "United Kingdom"})
    portal.advance(0)
    return portal.ok("GET", "/services")["services"][0]["id"]


def openssl(*args, cwd=None):
    require_tool("openssl")
    return subprocess.run(["openssl", *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def test_the_whole_journey(portal, tmp_path):
    email = FORM["email"]
    registered = portal.ok("POST", "/registrations", 201, json=FORM)
    assert registered["message"] == "Thank you for your interest in GlobalSign"
    portal.advance(0)  # the instant profile's wait is 0 s; advancing makes sure its job has run
    subjects = [m["subject"] for m in portal.mail(email)]
    assert subjects[0].startswith("Thank you for starting your GlobalSign onboarding")
    assert subjects[1] == "New User Registration"
    assert "12 GlobalSign will now configure" in portal.mail(email)[0]["text"]

    token = portal.invitation_token(email)
    portal.ok("POST", f"/invitations/{token}/accept")
    reused = portal.call("POST", f"/invitations/{token}/accept")
    assert reused.status_code == 409 and "already used" in reused.json()["error"]["message"]
    portal.advance(0)
    code = portal.reset_code(email)
    wrong = portal.call("POST", "/password", json={"email": email, "code": "00000000", "password": PASSWORD})
    assert wrong.status_code == 422 and wrong.json()["error"]["field"] == "code"
    weak = portal.call("POST", "/password", json={"email": email, "code": code, "password": "short"})
    assert weak.status_code == 422 and "at least 10 characters" in weak.json()["error"]["message"]
    portal.ok("POST", "/password", json={"email": email, "code": code, "password": PASSWORD})
    bad_login = portal.call("POST", "/sessions", json={"email": email, "password": "not-the-password-1"})
    assert bad_login.status_code == 401 and bad_login.json()["error"]["message"] == "wrong email or password"
    portal.sign_in(email)

    assert portal.tile("payment_method")["state"] == "to_do"
    assert portal.tile("quotation")["state"] == "locked"
    early = portal.call("POST", "/quotation/accept", json={"accept_quotation": True, "accept_msa": True})
    assert early.status_code == 409 and "payment method first" in early.json()["error"]["message"]
    not_invoice = portal.call("POST", "/payment-method", json={"method": "card"})
    assert not_invoice.status_code == 422 and "invoice" in not_invoice.json()["error"]["message"]
    portal.ok("POST", "/payment-method", json={"method": "invoice"})
    portal.advance(0)
    assert portal.mail(email, "quotation is ready")
    assert portal.tile("quotation") | {"state": "to_do", "colour": "blue"} == portal.tile("quotation")
    unticked = portal.call("POST", "/quotation/accept", json={"accept_quotation": True})
    assert unticked.status_code == 422 and unticked.json()["error"]["field"] == "accept_msa"
    assert portal.ok("POST", "/quotation/accept", json={"accept_quotation": True, "accept_msa": True})["amount"] == "£0.00"

    profile_form = {"profile_name": "MHHS", "organization": FORM["company_name"], "locality": "Manchester",
                    "country": "GB"}
    portal.advance(0)
    assert portal.tile("identity_profile") | {"state": "to_do", "colour": "mustard"} == portal.tile("identity_profile")
    profile = portal.ok("POST", "/identity-profiles", 201, json=profile_form)
    portal.advance(0)
    assert portal.ok("GET", "/identity-profiles")["identity_profiles"][0]["status"] == "active"
    assert portal.mail(email, "vetting complete")

    service = portal.ok("GET", "/services")["services"][0]
    assert service == {"id": profile["id"], "name": "IntranetSSL OV", "status": "ACTIVE"}
    creds = portal.ok("POST", "/api-credentials", 201, json={"method": "view_and_copy", "service_id": service["id"],
                                                             "familiar_name": "uit-credentials"})
    assert re.fullmatch(r"[0-9a-f]{16}", creds["api_key"]) and re.fullmatch(r"[0-9a-f]{40}", creds["api_secret"])
    assert creds["csv"] == f"api_key,api_secret\n{creds['api_key']},{creds['api_secret']}\n"
    again = portal.call("GET", f"/api-credentials/{creds['api_key']}/secret")
    assert again.status_code == 409 and "shown only once" in again.json()["error"]["message"]
    listed = portal.ok("GET", "/api-credentials")["api_credentials"]
    assert listed[0]["api_key"] == creds["api_key"] and "api_secret" not in listed[0]

    key_file, csr_file = tmp_path / "apicert.key", tmp_path / "apicert.csr"
    made = openssl("req", "-new", "-newkey", "rsa:4096", "-nodes", "-keyout", str(key_file), "-out", str(csr_file),
                   "-subj", "/CN=onboarding_key")
    assert made.returncode == 0, made.stderr
    portal.advance(0)
    assert portal.mail(email, "can now be used")
    assert portal.tile("api_credentials")["state"] == "done"

    issued = portal.ok("POST", "/client-certificates", 201, json={"familiar_name": "uit-credentials",
                                                                  "csr": csr_file.read_text()})
    cer = tmp_path / "apicert.cer"
    cer.write_text(issued["certificate"])
    assert issued["certificate"].count("BEGIN CERTIFICATE") == 1
    ca_file = tmp_path / "atlas-client-ca.pem"
    ca_file.write_text(portal.running.sandbox.cas.authority("atlas-client-ca").pem)
    verify = openssl("verify", "-CAfile", str(ca_file), str(cer))
    assert verify.returncode == 0 and "OK" in verify.stdout, verify
    pfx = tmp_path / "apicert.pfx"
    exported = openssl("pkcs12", "-export", "-out", str(pfx), "-inkey", str(key_file), "-in", str(cer),
                       "-password", "pass:")
    assert exported.returncode == 0, exported.stderr
    assert read_pfx(pfx.read_bytes()).certificate.serial_number == int(issued["serial_number"], 16)
    assert portal.tile("mtls_certificates")["state"] == "done"

    atlas_base = portal.running.endpoints["atlas_api"].removesuffix("/v2")
    whoami = requests.get(atlas_base + "/_sandbox/whoami", cert=(str(cer), str(key_file)),
                          verify=portal.running.bundle, timeout=10)
    assert whoami.status_code == 200 and whoami.json()["serial"] == issued["serial_number"]


def test_csr_problems_at_generate_mtls(portal, key_pool):
    service = vetted(portal)
    portal.ok("POST", "/api-credentials", 201, json={"method": "view_and_copy", "service_id": service,
                                                     "familiar_name": "c1"})
    portal.advance(0)
    short = portal.call("POST", "/client-certificates", json={"familiar_name": "c1",
                                                              "csr": make_csr(key_pool.get(2048), "onboarding_key")})
    assert short.status_code == 422
    assert "must be RSA 4096 (the screen says 2048" in short.json()["error"]["message"]
    garbage = portal.call("POST", "/client-certificates", json={"familiar_name": "c1", "csr": "hello"})
    assert garbage.status_code == 422 and "not a certificate signing request" in garbage.json()["error"]["message"]
    csr = x509.load_pem_x509_csr(make_csr(key_pool.get(), "onboarding_key").encode())
    der = bytearray(csr.public_bytes(serialization.Encoding.DER))
    der[-3] ^= 0xFF
    tampered = x509.load_der_x509_csr(bytes(der)).public_bytes(serialization.Encoding.PEM).decode()
    forged = portal.call("POST", "/client-certificates", json={"familiar_name": "c1", "csr": tampered})
    assert forged.status_code == 422 and "signature does not verify" in forged.json()["error"]["message"]
    unknown = portal.call("POST", "/client-certificates", json={"familiar_name": "nope", "csr": tampered})
    assert unknown.status_code == 404


def test_encrypted_file_credentials(portal, key_pool):
    service = vetted(portal)
    key = key_pool.get(2048)
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    missing = portal.call("POST", "/api-credentials", json={"method": "encrypted_file", "service_id": service,
                                                            "familiar_name": "enc"})
    assert missing.status_code == 422 and missing.json()["error"]["field"] == "public_key"
    creds = portal.ok("POST", "/api-credentials", 201, json={"method": "encrypted_file", "service_id": service,
                                                             "familiar_name": "enc", "public_key": public})
    assert "api_secret" not in creds
    plain = key.decrypt(base64.b64decode(creds["encrypted_file_base64"]),
                        padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None))
    header, row = plain.decode().splitlines()
    assert header == "api_key,api_secret" and row.split(",")[0] == creds["api_key"]
    assert re.fullmatch(r"[0-9a-f]{40}", row.split(",")[1])
    wrong_service = portal.call("POST", "/api-credentials", json={"method": "view_and_copy", "service_id": "IDP-X",
                                                                  "familiar_name": "other"})
    assert wrong_service.status_code == 422 and "active service" in wrong_service.json()["error"]["message"]
    revoked = portal.ok("POST", f"/api-credentials/{creds['api_key']}/revoke")
    assert revoked["status"] == "revoked"


def test_rejected_when_the_organisation_name_is_not_the_registered_name(portal):
    email = "cert@avanade.example"
    ready_for_identity_profile(portal, email=email, company_name="Avanade UK Ltd")
    portal.ok("POST", "/identity-profiles", 201, json={"profile_name": "p", "organization": "Avanade Ltd",
                                                       "locality": "London", "country": "GB"})
    portal.advance(0)
    profile = portal.ok("GET", "/identity-profiles")["identity_profiles"][0]
    assert profile["status"] == "rejected" and "'Avanade UK Limited'" in profile["reason"]
    rejection = portal.mail(email, "rejected")[0]
    assert "is not the registered company name 'Avanade UK Limited'" in rejection["text"]
    assert portal.tile("identity_profile")["state"] == "to_do"
    portal.ok("POST", "/identity-profiles", 201, json={"profile_name": "p2", "organization": "Avanade UK Limited",
                                                       "locality": "London", "country": "GB"})
    portal.advance(0)
    assert portal.ok("GET", "/services")["services"][0]["status"] == "ACTIVE"


def test_postal_challenge_when_the_hq_does_not_put_the_call_through(portal):
    email = "cert@northwind.example"
    company = "Northwind Metering Services Ltd"
    ready_for_identity_profile(portal, email=email, company_name=company)
    profile = portal.ok("POST", "/identity-profiles", 201, json={"profile_name": "p", "organization": company,
                                                                 "locality": "Leeds", "country": "GB"})
    portal.advance(0)  # the verdict: postal challenge; the letter is posted
    portal.advance(0)  # ... and arrives
    letters = portal.mail(subject="postal challenge letter")
    assert len(letters) == 1 and letters[0]["to"].startswith("post: 2 Meter Lane, Leeds")
    code = re.search(r"\(Identity Profiles\): (\d+)", letters[0]["text"]).group(1)
    assert portal.tile("identity_profile")["state"] == "action_required"
    wrong = portal.call("POST", f"/identity-profiles/{profile['id']}/postal-code", json={"code": "1"})
    assert wrong.status_code == 422 and "does not match" in wrong.json()["error"]["message"]
    done = portal.ok("POST", f"/identity-profiles/{profile['id']}/postal-code", json={"code": code})
    assert done["status"] == "active"


def test_users_and_domains(portal):
    service = vetted(portal)
    assert service
    added = portal.ok("POST", "/users", 201, json={"email": "bob@sandbox-energy.example", "first_name": "Bob"})
    assert added["status"] == "invited"
    assert portal.mail("bob@sandbox-energy.example", "New User Registration")
    duplicate = portal.call("POST", "/users", json={"email": "BOB@sandbox-energy.example"})
    assert duplicate.status_code == 409
    assert {u["email"] for u in portal.ok("GET", "/users")["users"]} == {FORM["email"], "bob@sandbox-energy.example"}
    me = portal.ok("GET", "/me")["user"]
    self_remove = portal.call("DELETE", f"/users/{me['id']}")
    assert self_remove.status_code == 409
    assert portal.call("DELETE", f"/users/{added['id']}").status_code == 204

    claim = portal.ok("POST", "/domains", 201, json={"domain": "Sandbox-Energy.example"})
    assert claim["domain"] == "sandbox-energy.example." and re.fullmatch(r"[0-9a-f]{32}", claim["token"])
    assert re.fullmatch(r"[0-9A-F]{32}", claim["id"]) and claim["status"] == "PENDING"
    assert claim["assert_by"] - claim["created_at"] == 30 * 86400
    missing = portal.ok("POST", f"/domains/{claim['id']}/verify")
    assert missing["result"] == "no_record" and missing["status"] == "PENDING"
    requests.post(portal.control + "/dns/records", json={"name": "sandbox-energy.example", "type": "TXT",
                                                         "value": "not-the-token"}, timeout=10)
    wrong = portal.ok("POST", f"/domains/{claim['id']}/verify")
    assert wrong["result"] == "wrong_value"
    requests.post(portal.control + "/dns/records", json={"name": "sandbox-energy.example", "type": "TXT",
                                                         "value": claim["token"]}, timeout=10)
    verified = portal.ok("POST", f"/domains/{claim['id']}/verify")
    assert verified["status"] == "VERIFIED" and verified["last_verification_method"] == "DNS"
    assert [entry["status"] for entry in verified["log"]] == ["INFO", "ERROR", "ERROR", "SUCCESS"]
    reset = portal.ok("POST", f"/domains/{claim['id']}/reset")
    assert reset["status"] == "PENDING" and reset["token"] != claim["token"]
    assert portal.call("DELETE", f"/domains/{claim['id']}").status_code == 204
    assert portal.ok("GET", "/domains")["domains"] == []


@pytest.mark.parametrize("changes, field, text", [
    ({"first_name": ""}, "first_name", "is required"),
    ({"email": "not-an-email"}, "email", "is not a valid email address"),
    ({"contact_phone": "12"}, "contact_phone", "is not a valid phone number"),
    ({"country": "Atlantis"}, "country", "is not a country"),
    ({"website": "nothing"}, "website", "is not a website address"),
    ({"not_a_robot": False}, "not_a_robot", "I'm not a robot"),
])
def test_registration_form_is_checked(portal, changes, field, text):
    response = portal.call("POST", "/registrations", json={**FORM, **changes})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["field"] == field and text in error["errors"][field]


def test_registration_reports_every_missing_field_and_duplicates(portal):
    response = portal.call("POST", "/registrations", json={"email": "x@example.com"})
    errors = response.json()["error"]["errors"]
    assert response.status_code == 422
    assert {"first_name", "last_name", "job_title", "company_name", "website", "address_line_1", "city",
            "postal_code", "country", "not_a_robot"} <= set(errors)
    assert portal.call("POST", "/registrations", data="nope", headers={"Content-Type": "application/json"}).status_code == 400
    portal.register()
    again = portal.call("POST", "/registrations", json=FORM)
    assert again.status_code == 409 and "already exists" in again.json()["error"]["message"]


def test_signed_in_calls_need_a_session(portal):
    response = portal.call("GET", "/dashboard")
    assert response.status_code == 401 and "sign in first" in response.json()["error"]["message"]
    bad = portal.call("GET", "/dashboard", headers={"Authorization": "Bearer forged"})
    assert bad.status_code == 401 and "unknown or expired" in bad.json()["error"]["message"]
    assert portal.call("POST", "/invitations/unknown/accept").status_code == 404
    portal.register()
    early = portal.call("POST", "/sessions", json={"email": FORM["email"], "password": PASSWORD})
    assert early.status_code == 401 and "no password yet" in early.json()["error"]["message"]
    assert portal.call("GET", "/nothing").json()["error"]["code"] == "not_found"


def test_the_session_cookie_works_too(portal):
    portal.register()
    portal.onboard_user(FORM["email"])
    del portal.session.headers["Authorization"]
    assert portal.session.cookies.get("atlas_session")
    assert portal.ok("GET", "/me")["user"]["email"] == FORM["email"]
    # a state-changing call signed in by cookie needs its own origin named, as a browser's fetch does
    forged = portal.call("DELETE", "/sessions")
    assert forged.status_code == 403 and "Origin or Referer" in forged.json()["error"]["message"]
    origin = portal.running.endpoints["web"]
    assert portal.call("DELETE", "/sessions", headers={"Origin": origin}).status_code == 204
    assert portal.call("GET", "/me").status_code == 401


def test_portal_openapi_document(portal):
    from sandbox.app import create_web_app
    document = portal.ok("GET", "/openapi.json")
    assert_documents_every_route(document, create_web_app(portal.running.sandbox), "/atlas/api",
                                 {"{profile_id}": "{id}", "{user_id}": "{id}", "{claim_id}": "{id}"})
    assert portal.call("GET", "/docs").status_code == 200
