"""Contract tests of the HVCA v2 API over real HTTPS with client certificates (requests, and curl)."""
import json
import re
import subprocess
import time

import pytest
import requests
from cryptography import x509

from tests.hvca_helpers import Hvca, certificate_request
from tests.conftest import Running, make_settings, require_tool
from tests.openapi_checks import assert_documents_every_route

PROBLEM = "application/problem+json;charset=utf-8"


@pytest.fixture
def atlas_sandbox(start_sandbox):
    running = start_sandbox(profile="instant")
    yield running
    entries = requests.get(running.control + "/journal", params={"per_page": 500}, timeout=10).json()["entries"]
    assert not [e for e in entries if e["status"].startswith("5") and e["listener"] != "atlas" or
                e["status"] == "500"], "a request got a 500"


def new_account(running, tmp_path, name="Sandbox Energy Supply Limited") -> Hvca:
    account = requests.post(running.control + "/atlas/accounts", json={"company_name": name}, timeout=60).json()
    return Hvca(running, account, tmp_path / account["account_id"])


@pytest.fixture
def hvca(atlas_sandbox, tmp_path) -> Hvca:
    client = new_account(atlas_sandbox, tmp_path)
    client.login()
    return client


def problem_of(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["Content-Type"] == PROBLEM
    return response.json()


# -- login ---------------------------------------------------------------------------------------------

def test_login_needs_key_secret_and_the_certificate_of_those_credentials(atlas_sandbox, tmp_path):
    first, second = new_account(atlas_sandbox, tmp_path), new_account(atlas_sandbox, tmp_path, "Elexon Limited")
    assert len(first.login()) > 20
    wrong = first.call("POST", "/login", json={"api_key": first.account["api_key"], "api_secret": "0" * 40})
    assert problem_of(wrong, 401) == {"description": "Unauthorized"}
    malformed = first.call("POST", "/login", json={"api_key": 5})
    assert problem_of(malformed, 422)["description"] == "Invalid login request"
    assert problem_of(first.call("POST", "/login", data="{", headers={"Content-Type": "application/json"}),
                      422)["description"] == "Invalid login request"
    crossed = second.call("POST", "/login", json={"api_key": first.account["api_key"],
                                                  "api_secret": first.account["api_secret"]})
    assert "was not issued for these API credentials" in problem_of(crossed, 401)["description"]
    anonymous = requests.post(first.base + "/login", json={}, verify=atlas_sandbox.bundle, timeout=10)
    assert "no client certificate was presented" in problem_of(anonymous, 401)["description"]


def test_token_survives_a_clock_jump_ends_on_purpose_and_is_required(hvca):
    assert hvca.call("GET", "/quotas/issuance").status_code == 200
    requests.post(hvca.running.control + "/clock/advance", json={"seconds": 3 * 86400}, timeout=10)
    assert hvca.call("GET", "/quotas/issuance").status_code == 200  # 10 minutes of real time, not sandbox time
    ended = requests.post(hvca.running.control + "/atlas/tokens/expire", timeout=10)
    assert ended.status_code == 200 and ended.json() == {"expired": 1}
    expired = hvca.call("GET", "/quotas/issuance")
    assert "expired" in problem_of(expired, 401)["description"]
    del hvca.session.headers["Authorization"]
    assert "Bearer" in problem_of(hvca.call("GET", "/trustchain"), 401)["description"]
    hvca.login()
    assert hvca.call("GET", "/trustchain").status_code == 200


def test_revoked_credentials_cannot_log_in(hvca):
    account = hvca.account
    portal = requests.Session()
    web = hvca.running.endpoints["web"] + "/atlas/api"
    token = portal.post(web + "/sessions", json={"email": account["email"], "password": account["password"]},
                        timeout=10).json()["token"]
    portal.headers["Authorization"] = f"Bearer {token}"
    assert portal.post(f"{web}/api-credentials/{account['api_key']}/revoke", timeout=10).status_code == 200
    assert "revoked" in problem_of(hvca.call("GET", "/trustchain"), 401)["description"]
    again = hvca.call("POST", "/login", json={"api_key": account["api_key"], "api_secret": account["api_secret"]})
    assert "revoked" in problem_of(again, 401)["description"]


# -- policy and certificates ---------------------------------------------------------------------------

def test_validation_policy(hvca):
    policy = hvca.call("GET", "/validationpolicy").json()
    assert policy["public_key"] == {"key_type": "RSA", "allowed_lengths": [4096], "key_format": "PKCS10"}
    assert policy["san"]["dns_names"]["maxcount"] == 2 and policy["validity"]["secondsmax"] == 372 * 86400
    assert policy["subject_dn"]["common_name"]["presence"] == "REQUIRED"
    assert "1.3.6.1.5.5.7.3.2" in policy["extended_key_usages"]["ekus"]["list"]


def test_issue_fetch_revoke(hvca, key_pool):
    hvca.verified_domain("example.com")
    created = hvca.call("POST", "/certificates", json=certificate_request(key_pool.get()))
    assert created.status_code == 201 and created.content == b""
    location = created.headers["Location"]
    assert re.fullmatch(r"/v2/certificates/[0-9A-F]+", location)
    serial = location.rsplit("/", 1)[1]
    fetched = hvca.call("GET", f"/certificates/{serial}")
    assert fetched.status_code == 200 and fetched.headers["Content-Type"] == "application/json"
    body = fetched.json()
    assert body["status"] == "ISSUED" and isinstance(body["updated_at"], int)
    assert body["certificate"].count("-----BEGIN CERTIFICATE-----") == 1 and body["certificate"].endswith("-----\n")
    cert = x509.load_pem_x509_certificate(body["certificate"].encode())
    assert cert.subject.rfc4514_string() == "CN=energydip-nonprod.host1.example.com"
    ekus = {e.dotted_string for e in cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value}
    assert ekus == {"1.3.6.1.5.5.7.3.2", "1.3.6.1.5.5.7.3.36"}
    cert.verify_directly_issued_by(hvca.running.sandbox.cas.authority("dip-issuing").cert)
    variant = "000" + serial.lower().lstrip("0")
    assert hvca.call("GET", f"/certificates/{variant}").json()["certificate"] == body["certificate"]
    chain = hvca.call("GET", "/trustchain").json()
    cas = hvca.running.sandbox.cas
    assert chain == [cas.authority("dip-issuing").pem, cas.authority("dip-root").pem]
    assert hvca.call("GET", "/counters/certificates/issued").json() == {"value": 1}
    assert hvca.call("GET", "/quotas/issuance").json() == {"value": 999}

    revoked = hvca.call("PATCH", f"/certificates/{serial}", json={"revocation_reason": "keyCompromise"})
    assert revoked.status_code == 204
    assert hvca.call("GET", f"/certificates/{serial}").json()["status"] == "REVOKED"
    assert hvca.call("GET", "/counters/certificates/revoked").json() == {"value": 1}
    problem_of(hvca.call("DELETE", f"/certificates/{serial}"), 409)
    crl = x509.load_der_x509_crl(requests.get(hvca.running.endpoints["web"] + "/pki/crl/dip-issuing.crl",
                                              timeout=10).content)
    assert crl.get_revoked_certificate_by_serial_number(int(serial, 16)) is not None
    bad_reason = hvca.call("PATCH", f"/certificates/{serial}", json={"revocation_reason": "bored"})
    assert problem_of(bad_reason, 422)["errors"] == {"revocation_reason": bad_reason.json()["description"]}


def test_delete_revokes_and_rekey_gives_a_new_location(hvca, key_pool):
    hvca.verified_domain("example.com")
    serial = hvca.call("POST", "/certificates", json=certificate_request(key_pool.get())).headers["Location"][17:]
    rekeyed = hvca.call("POST", f"/certificates/{serial}/rekey",
                        json={"public_key": certificate_request(key_pool.get(4096, 1))["public_key"]})
    assert rekeyed.status_code == 201 and rekeyed.headers["Location"] != f"/v2/certificates/{serial}"
    new = hvca.call("GET", rekeyed.headers["Location"][3:]).json()
    old = hvca.call("GET", f"/certificates/{serial}").json()
    new_cert, old_cert = (x509.load_pem_x509_certificate(c["certificate"].encode()) for c in (new, old))
    assert new_cert.subject == old_cert.subject and new_cert.public_key() != old_cert.public_key()
    assert hvca.call("DELETE", f"/certificates/{serial}").status_code == 204
    assert hvca.call("GET", f"/certificates/{serial}").json()["status"] == "REVOKED"


def test_stats_paginate_with_total_count_and_links(hvca, key_pool):
    hvca.verified_domain("example.com")
    for host in ("a1", "a2", "a3"):
        assert hvca.call("POST", "/certificates", json=certificate_request(key_pool.get(), host)).status_code == 201
    first = hvca.call("GET", "/stats/issued", params={"page": 1, "per_page": 2})
    assert first.headers["Total-Count"] == "3" and len(first.json()) == 2
    assert 'rel="next"' in first.headers["Links"] and "page=2" in first.headers["Links"]
    second = hvca.call("GET", "/stats/issued", params={"page": 2, "per_page": 2})
    assert len(second.json()) == 1 and "Links" in second.headers and 'rel="prev"' in second.headers["Links"]
    assert set(second.json()[0]) == {"serial_number", "not_before", "not_after"}
    window = hvca.call("GET", "/stats/issued", params={"from": 0, "to": 1})
    assert window.headers["Total-Count"] == "0" and window.json() == []
    expiring = hvca.call("GET", "/stats/expiring", params={"from": 0, "to": int(time.time()) + 400 * 86400})
    assert expiring.headers["Total-Count"] == "3"
    assert hvca.call("GET", "/stats/revoked").headers["Total-Count"] == "0"
    problem_of(hvca.call("GET", "/stats/unknown"), 404)
    problem_of(hvca.call("GET", "/stats/issued", params={"per_page": "x"}), 422)


@pytest.mark.parametrize("change, field, text", [
    ({"public_key": "2048"}, "public_key", "key length 2048 is not allowed"),
    ({"san": {"dns_names": ["host1.example.com", "energydip-nonprod.host1.example.com", "x.example.com"]}},
     "san.dns_names", "has to have between 1 and 2 items"),
    ({"subject_dn": {"common_name": "host1.example.com"}}, "subject_dn.common_name", "does not match the format"),
    ({"subject_dn": {"common_name": "energydip-nonprod.host1.example.com", "email": "a@b.c"}}, "subject_dn.email",
     "forbidden"),
    ({"validity": {"not_before": 1000, "not_after": 0}}, "validity.not_before", "within 3600 seconds"),
    ({"validity": {"not_before": "now"}}, "validity.not_before", "Unix seconds"),
    ("too_long", "validity.not_after", "between 3600 and"),
    ({"extended_key_usages": ["1.3.6.1.5.5.7.3.1"]}, "extended_key_usages", "needs clientAuth"),
    ({"extended_key_usages": ["1.2.3"]}, "extended_key_usages", "is not in the policy's list"),
    ({"color": "red"}, "color", "is not a field of a certificate request"),
    ({"public_key": "-----BEGIN PUBLIC KEY-----\nMII\n-----END PUBLIC KEY-----\n"}, "public_key", "PKCS10"),
    ({"public_key": "garbage"}, "public_key", "not a certificate signing request"),
    ({"san": {"dns_names": ["host1.example.com"], "emails": ["a@example.com"]}}, "san.emails", "forbidden"),
])
def test_every_policy_violation_is_a_named_422(hvca, key_pool, change, field, text):
    hvca.verified_domain("example.com")
    body = certificate_request(key_pool.get())
    if change == "too_long":
        body["validity"] = {"not_before": int(time.time()), "not_after": int(time.time()) + 400 * 86400}
    elif change.get("public_key") == "2048":
        body["public_key"] = certificate_request(key_pool.get(2048))["public_key"]
    else:
        body.update(change)
    problem = problem_of(hvca.call("POST", "/certificates", json=body), 422)
    assert problem["description"].startswith(f"{field}: ") and text in problem["description"]
    assert field in problem["errors"]


def test_names_must_be_covered_by_a_verified_claim(hvca, key_pool):
    uncovered = hvca.call("POST", "/certificates", json=certificate_request(key_pool.get(), domain="elsewhere.com"))
    assert "not covered by a verified domain claim" in problem_of(uncovered, 422)["description"]


@pytest.mark.parametrize("kwargs, status", [
    ({"data": "{}", "headers": {"Content-Type": "text/plain"}}, 415),
    ({"data": "{not json", "headers": {"Content-Type": "application/json; charset=UTF-8"}}, 400),
    ({"data": b"", "headers": {"Content-Length": "0"}}, 400),
])
def test_bad_bodies(hvca, kwargs, status):
    problem_of(hvca.call("POST", "/certificates", **kwargs), status)


def test_unknown_serials_and_routes(hvca):
    problem_of(hvca.call("GET", "/certificates/ABCDEF"), 404)
    problem_of(hvca.call("GET", "/certificates/not-hex"), 404)
    problem_of(hvca.call("PATCH", "/certificates/ABCDEF", json={"revocation_reason": "unspecified"}), 404)
    assert problem_of(hvca.call("GET", "/nothing"), 404) == {"description": "Not found"}
    problem_of(hvca.call("PUT", "/trustchain"), 405)


def test_issuance_delay_answers_202_until_done(start_sandbox, tmp_path, key_pool):
    running = start_sandbox(profile="instant", atlas_issuance_delay=3600, clock_mode="manual")
    client = new_account(running, tmp_path)
    client.login()
    client.verified_domain("example.com")
    serial = client.call("POST", "/certificates", json=certificate_request(key_pool.get())).headers["Location"][17:]
    pending = client.call("GET", f"/certificates/{serial}")
    assert pending.status_code == 202 and pending.json() == {"description": "Operation in progress"}
    requests.post(running.control + "/clock/advance", json={"seconds": 3600}, timeout=10)
    client.login()
    assert client.call("GET", f"/certificates/{serial}").json()["status"] == "ISSUED"


def test_quota_reached_is_402(hvca, key_pool):
    hvca.verified_domain("example.com")
    set_quota = requests.post(f"{hvca.running.control}/atlas/accounts/{hvca.account['account_id']}/quota",
                              json={"value": 0}, timeout=10)
    assert set_quota.json()["remaining"] == 0
    assert hvca.call("GET", "/quotas/issuance").json() == {"value": 0}
    assert problem_of(hvca.call("POST", "/certificates", json=certificate_request(key_pool.get())),
                      402)["description"].startswith("Quota Reached")


def test_requests_sent_at_once_never_exceed_the_quota(hvca, key_pool, tmp_path):
    """Eight orders at once on eight connections against a quota of two: two certificates, six 402s."""
    from concurrent.futures import ThreadPoolExecutor
    hvca.verified_domain("example.com")
    requests.post(f"{hvca.running.control}/atlas/accounts/{hvca.account['account_id']}/quota", json={"value": 2},
                  timeout=10)
    clients = [Hvca(hvca.running, hvca.account, tmp_path / f"client{i}") for i in range(8)]
    for client in clients:
        client.login()
    body = certificate_request(key_pool.get())
    with ThreadPoolExecutor(len(clients)) as pool:
        answers = list(pool.map(lambda client: client.call("POST", "/certificates", json=body), clients))
    assert sorted(a.status_code for a in answers) == [201] * 2 + [402] * 6, [a.text for a in answers]
    assert all(problem_of(a, 402)["description"].startswith("Quota Reached") for a in answers if a.status_code != 201)
    assert hvca.call("GET", "/quotas/issuance").json() == {"value": 0}
    for created in (a for a in answers if a.status_code == 201):
        assert hvca.call("GET", created.headers["Location"][3:]).status_code in (200, 202)


def test_before_binding_login_works_but_requests_are_refused(start_sandbox, tmp_path, key_pool):
    running = start_sandbox(profile="realistic", clock_mode="manual")
    client = new_account(running, tmp_path)  # bound: the one-call account completes every wait
    client.login()
    web = running.endpoints["web"] + "/atlas/api"
    portal = requests.Session()
    portal.headers["Authorization"] = "Bearer " + portal.post(
        web + "/sessions", json={"email": client.account["email"], "password": client.account["password"]},
        timeout=10).json()["token"]
    service = portal.get(web + "/services", timeout=10).json()["services"][0]["id"]
    fresh = portal.post(web + "/api-credentials", json={"method": "view_and_copy", "service_id": service,
                                                        "familiar_name": "fresh"}, timeout=10).json()
    from tests.conftest import make_csr, key_pem
    key = key_pool.get(4096, 2)
    cert = portal.post(web + "/client-certificates", json={"familiar_name": "fresh",
                                                           "csr": make_csr(key, "onboarding_key")}, timeout=30).json()
    early = Hvca(running, {**client.account, "api_key": fresh["api_key"], "api_secret": fresh["api_secret"],
                           "client_cert_pem": cert["certificate"], "client_key_pem": key_pem(key),
                           "account_id": client.account["account_id"] + "-fresh"}, tmp_path / "fresh")
    early.login()
    refused = early.call("POST", "/certificates", json=certificate_request(key_pool.get()))
    assert "binding of these API credentials" in problem_of(refused, 422)["description"]


# -- domain claims -------------------------------------------------------------------------------------

def test_claims_lifecycle(hvca):
    submitted = hvca.call("POST", "/claims/domains/Example.ORG")
    assert submitted.status_code == 201
    claim_id = submitted.headers["Location"].rsplit("/", 1)[1]
    assert re.fullmatch(r"/v2/claims/domains/[0-9A-F]{32}", submitted.headers["Location"])
    body = submitted.json()
    assert re.fullmatch(r"[0-9a-f]{32}", body["token"]) and isinstance(body["assert_by"], int)
    claim = hvca.call("GET", f"/claims/domains/{claim_id}").json()
    assert claim["domain"] == "example.org." and claim["status"] == "PENDING" and claim["expires_at"] == 0
    assert claim["assert_by"] - claim["created_at"] == 30 * 86400 and claim["log"][0]["status"] == "INFO"
    hvca.call("POST", "/claims/domains/second.org")
    listed = hvca.call("GET", "/claims/domains", params={"per_page": 1})
    assert listed.headers["Total-Count"] == "2" and len(listed.json()) == 1 and 'rel="next"' in listed.headers["Link"]
    assert hvca.call("GET", "/claims/domains", params={"status": "VERIFIED"}).json() == []
    problem_of(hvca.call("GET", "/claims/domains", params={"status": "DONE"}), 422)
    reasserted = hvca.call("POST", f"/claims/domains/{claim_id}/reassert")
    assert reasserted.status_code == 201 and reasserted.json()["token"] != body["token"]
    assert hvca.call("DELETE", f"/claims/domains/{claim_id}").status_code == 204
    problem_of(hvca.call("GET", f"/claims/domains/{claim_id}"), 404)
    problem_of(hvca.call("POST", "/claims/domains/bad_domain!"), 422)
    problem_of(hvca.call("POST", "/claims/domains/second.org"), 409)


def test_dns_check_honours_propagation(start_sandbox, tmp_path):
    running = start_sandbox(profile="training", clock_mode="manual")  # DNS records visible after 15 s
    client = new_account(running, tmp_path)
    client.login()
    claim = client.call("POST", "/claims/domains/slow.example")
    claim_id, token = claim.headers["Location"].rsplit("/", 1)[1], claim.json()["token"]
    requests.post(running.control + "/dns/records", json={"name": "slow.example", "type": "TXT", "value": token},
                  timeout=10)
    assert client.call("POST", f"/claims/domains/{claim_id}/dns").status_code == 201   # not visible yet
    assert client.call("POST", f"/claims/domains/{claim_id}/dns").status_code == 202   # earlier check pending
    assert client.call("POST", f"/claims/domains/{claim_id}/reassert").status_code == 202
    requests.post(running.control + "/clock/advance", json={"seconds": 15}, timeout=10)
    assert client.call("POST", f"/claims/domains/{claim_id}/dns").status_code == 204
    assert client.call("GET", f"/claims/domains/{claim_id}").json()["status"] == "VERIFIED"
    assert client.call("POST", f"/claims/domains/{claim_id}/dns").status_code == 204


def test_pending_dns_check_retries_by_itself_and_claims_expire(start_sandbox, tmp_path):
    running = start_sandbox(profile="instant", clock_mode="manual")
    client = new_account(running, tmp_path)
    client.login()
    claim_id = client.call("POST", "/claims/domains/later.example").headers["Location"].rsplit("/", 1)[1]
    token = client.call("GET", f"/claims/domains/{claim_id}")
    assert client.call("POST", f"/claims/domains/{claim_id}/dns").status_code == 201
    first_token = running.sandbox.atlas.domains.token(client.account["account_id"], claim_id)
    requests.post(running.control + "/dns/records", json={"name": "later.example", "type": "TXT",
                                                          "value": first_token}, timeout=10)
    requests.post(running.control + "/clock/advance", json={"seconds": 300}, timeout=10)
    client.login()
    assert client.call("GET", f"/claims/domains/{claim_id}").json()["status"] == "VERIFIED"
    assert token.status_code == 200
    other = client.call("POST", "/claims/domains/expired.example").headers["Location"].rsplit("/", 1)[1]
    requests.post(running.control + "/clock/advance", json={"seconds": 31 * 86400}, timeout=10)
    client.login()
    assert "reassert" in problem_of(client.call("POST", f"/claims/domains/{other}/dns"), 424)["description"]
    problem_of(client.call("POST", f"/claims/domains/{other}/dns", json={"authorization_domain": "x.other"}), 424)


def test_authorization_domain(hvca):
    claim_id = hvca.call("POST", "/claims/domains/www.parent.example").headers["Location"].rsplit("/", 1)[1]
    token = hvca.running.sandbox.atlas.domains.token(hvca.account["account_id"], claim_id)
    requests.post(hvca.running.control + "/dns/records", json={"name": "parent.example", "type": "TXT",
                                                               "value": token}, timeout=10)
    problem_of(hvca.call("POST", f"/claims/domains/{claim_id}/dns", json={"authorization_domain": "other.example"}),
               422)
    assert hvca.call("POST", f"/claims/domains/{claim_id}/dns",
                     json={"authorization_domain": "parent.example"}).status_code == 204


def test_email_check(hvca):
    claim_id = hvca.call("POST", "/claims/domains/mail.example").headers["Location"].rsplit("/", 1)[1]
    addresses = hvca.call("GET", f"/claims/domains/{claim_id}/email").json()
    assert addresses == [f"{box}@mail.example" for box in ("admin", "administrator", "webmaster", "hostmaster",
                                                            "postmaster")]
    problem_of(hvca.call("POST", f"/claims/domains/{claim_id}/email", json={"email_address": "me@mail.example"}), 422)
    assert hvca.call("POST", f"/claims/domains/{claim_id}/email",
                     json={"email_address": "hostmaster@mail.example"}).status_code == 201
    email = requests.get(hvca.running.control + "/mail", params={"to": "hostmaster@mail.example"},
                         timeout=10).json()["emails"][0]
    followed = requests.get(email["links"][0], timeout=10)  # a person opens it: a page, not JSON
    assert followed.status_code == 200 and followed.headers["Content-Type"].startswith("text/html")
    assert "is verified" in followed.text
    again = requests.get(email["links"][0], timeout=10)
    assert again.status_code == 409 and "already used" in again.text
    claim = hvca.call("GET", f"/claims/domains/{claim_id}").json()
    assert claim["status"] == "VERIFIED" and claim["log"][-1]["status"] == "SUCCESS"


def test_http_check(start_sandbox, tmp_path):
    import http.server
    import threading

    tokens = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            found = self.path == "/.well-known/pki-validation/gsdv.txt" and self.headers["Host"] in tokens
            self.send_response(200 if found else 404)
            self.end_headers()
            self.wfile.write(tokens.get(self.headers["Host"], "").encode())

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        running = start_sandbox(profile="instant", atlas_http_check_port=server.server_address[1])
        client = new_account(running, tmp_path)
        client.login()
        claim_id = client.call("POST", "/claims/domains/web.example").headers["Location"].rsplit("/", 1)[1]
        requests.post(running.control + "/dns/records", json={"name": "web.example", "type": "A",
                                                              "value": "127.0.0.1"}, timeout=10)
        assert client.call("POST", f"/claims/domains/{claim_id}/http", json={"scheme": "http"}).status_code == 201
        tokens["web.example"] = running.sandbox.atlas.domains.token(client.account["account_id"], claim_id)
        assert client.call("POST", f"/claims/domains/{claim_id}/http", json={"scheme": "http"}).status_code == 204
        assert client.call("GET", f"/claims/domains/{claim_id}").json()["status"] == "VERIFIED"
    finally:
        server.shutdown()


# -- faults and curl ----------------------------------------------------------------------------------

def test_faults_on_demand(hvca):
    control = hvca.running.control + "/atlas/faults"
    assert requests.get(control, timeout=10).json() == {"rate_429": 0.0, "rate_503": 0.0}
    requests.post(control, json={"rate_429": 1}, timeout=10)
    limited = hvca.call("GET", "/trustchain")
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "1"
    requests.post(control, json={"rate_429": 0, "rate_503": 1}, timeout=10)
    busy = problem_of(hvca.call("GET", "/trustchain"), 503)
    assert re.fullmatch(r"[0-9a-f]{16}", busy["id"])
    assert requests.post(control, json={"rate_503": 2}, timeout=10).status_code == 422
    requests.post(control, json={"rate_503": 0}, timeout=10)
    assert hvca.call("GET", "/trustchain").status_code == 200


def test_faults_are_deterministic_under_a_seed(start_sandbox, tmp_path):
    def statuses(name):
        running = start_sandbox(tmp_path / name, profile="instant", seed=7)
        client = new_account(running, tmp_path / f"{name}-files")
        client.login()
        requests.post(running.control + "/atlas/faults", json={"rate_429": 0.5}, timeout=10)
        return [client.call("GET", "/validationpolicy").status_code for _ in range(24)]
    first, second = statuses("a"), statuses("b")
    assert first == second and set(first) == {200, 429}


def test_curl_login_issue_and_revoke(hvca, key_pool, tmp_path):
    require_tool("curl")
    hvca.verified_domain("example.com")
    base = ["curl", "-s", "-S", "--cacert", hvca.running.bundle, "--cert", str(hvca.cert_file),
            "--key", str(hvca.key_file), "-H", "Content-Type: application/json;charset=utf-8"]
    login = subprocess.run(base + ["-d", json.dumps({"api_key": hvca.account["api_key"],
                                                     "api_secret": hvca.account["api_secret"]}),
                                   hvca.base + "/login"], capture_output=True, text=True, timeout=30)
    token = json.loads(login.stdout)["access_token"]
    auth = ["-H", f"Authorization: Bearer {token}"]
    request_file = tmp_path / "request.json"
    request_file.write_text(json.dumps(certificate_request(key_pool.get())))
    issued = subprocess.run(base + auth + ["-i", "-d", f"@{request_file}", hvca.base + "/certificates"],
                            capture_output=True, text=True, timeout=30)
    assert issued.stdout.startswith("HTTP/1.1 201")
    location = re.search(r"^Location: (\S+)", issued.stdout, re.MULTILINE | re.IGNORECASE).group(1)
    host = hvca.base.removesuffix("/v2")
    fetched = subprocess.run(base + auth + [host + location], capture_output=True, text=True, timeout=30)
    assert json.loads(fetched.stdout)["status"] == "ISSUED"
    revoked = subprocess.run(base + auth + ["-X", "PATCH", "-o", "/dev/null", "-w", "%{http_code}", "-d",
                                            '{"revocation_reason": "superseded"}', host + location],
                             capture_output=True, text=True, timeout=30)
    assert revoked.stdout == "204"
    again = subprocess.run(base + auth + ["-X", "DELETE", "-w", "\n%{http_code}", host + location],
                           capture_output=True, text=True, timeout=30)
    body, code = again.stdout.rsplit("\n", 1)
    assert code == "409" and "already revoked" in json.loads(body)["description"]


def test_openapi_document_covers_every_route(atlas_sandbox):
    from sandbox.app import create_atlas_app
    document = requests.get(atlas_sandbox.endpoints["web"] + "/atlas/hvca/openapi.json", timeout=10).json()
    assert_documents_every_route(document, create_atlas_app(atlas_sandbox.sandbox), "/v2",
                                 {"{claim_id}": "{id}", "{kind}": "issued"})
    assert requests.get(atlas_sandbox.endpoints["web"] + "/atlas/hvca/docs", timeout=10).status_code == 200


def test_post_without_content_length_is_411(hvca):
    import socket
    import ssl
    host, port = hvca.base.removeprefix("https://").split("/")[0].split(":")
    context = ssl.create_default_context(cafile=hvca.running.bundle)
    context.load_cert_chain(str(hvca.cert_file), str(hvca.key_file))
    with socket.create_connection((host, int(port)), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname=host) as tls:
            tls.sendall(b"POST /v2/certificates HTTP/1.1\r\nHost: x\r\nAuthorization: "
                        + hvca.session.headers["Authorization"].encode() + b"\r\nConnection: close\r\n\r\n")
            answer = b""
            while chunk := tls.recv(65536):
                answer += chunk
    head, body = answer.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 411")
    assert b"application/problem+json" in head and json.loads(body)["description"] == "Content-Length required"


BODY_ENDPOINTS = [
    ("POST", "/certificates"), ("PATCH", "/certificates/{serial}"), ("POST", "/certificates/{serial}/rekey"),
    ("POST", "/claims/domains/bad-body.example"), ("POST", "/claims/domains/{claim}/dns"),
    ("POST", "/claims/domains/{claim}/http"), ("POST", "/claims/domains/{claim}/email"),
    ("POST", "/claims/domains/{claim}/reassert"), ("POST", "/login"),
]


@pytest.fixture(scope="module")
def issued_and_claimed(tmp_path_factory, ca_dir, key_pool):
    """One sandbox and account for every bad-body case: they are all refused, so they change nothing."""
    running = Running(make_settings(tmp_path_factory.mktemp("bad-bodies"), ca_dir, profile="instant"))
    hvca = new_account(running, tmp_path_factory.mktemp("bad-bodies-files"))
    hvca.login()
    hvca.verified_domain("example.com")
    serial = hvca.call("POST", "/certificates", json=certificate_request(key_pool.get())).headers["Location"][17:]
    claim = hvca.call("POST", "/claims/domains/other.example").headers["Location"].rsplit("/", 1)[1]
    yield hvca, serial, claim
    running.stop()


@pytest.mark.parametrize("method, path", BODY_ENDPOINTS)
@pytest.mark.parametrize("kind", ["wrong_content_type", "invalid_json", "unknown_field", "not_an_object"])
def test_bad_bodies_on_every_endpoint_are_4xx(issued_and_claimed, method, path, kind):
    hvca, serial, claim = issued_and_claimed
    url = path.format(serial=serial, claim=claim)
    if kind == "wrong_content_type":
        response = hvca.call(method, url, data='{"a": 1}', headers={"Content-Type": "text/plain"})
        expected = {415}
    elif kind == "invalid_json":
        response = hvca.call(method, url, data="{nope", headers={"Content-Type": "application/json"})
        expected = {400, 422}  # 422 "Invalid login request" on /login, as the reference says
    elif kind == "unknown_field":
        response = hvca.call(method, url, json={"no_such_field": 1})
        expected = {422}
    else:
        response = hvca.call(method, url, json=["a", "list"])
        expected = {400, 422}
    assert response.status_code in expected, (response.status_code, response.text)
    if response.status_code >= 400:
        assert response.headers["Content-Type"] == PROBLEM and response.json()["description"]
