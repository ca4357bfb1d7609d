"""The HVCA API the way independent clients use it (shared/reference/atlas-hvca-api.md, "What independent clients
rely on"), over real mTLS sockets. Each test plays one kind of client: a typed decoder of the validation policy
(GlobalSign's Go client), a library that always sends empty objects (a Vault plugin), a CA plugin that puts a
trailing slash on every path, a bash/curl CLI, a Node SDK that sends a bare public key, and clients that follow
`Location` as host + path, re-login once on 401, retry 202 and format serials without leading zeros. Expected
values come from the reference and the guide, never from the sandbox's code."""
from __future__ import annotations

import json
import re
import subprocess
from urllib.parse import urlsplit

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from tests.conftest import Running, make_csr, make_settings, require_tool, venv_bin
from tests.hvca_helpers import Hvca, certificate_request

PROBLEM = "application/problem+json"
PRESENCES = {"OPTIONAL", "REQUIRED", "FORBIDDEN", "STATIC"}
KEY_USAGE_PRESENCES = PRESENCES | {"STATIC_TRUE", "STATIC_FALSE"}
SUBJECT_MEMBERS = ("common_name", "given_name", "surname", "organization", "organization_identifier", "country",
                   "state", "locality", "street_address", "postal_code", "email",
                   "jurisdiction_of_incorporation_locality_name",
                   "jurisdiction_of_incorporation_state_or_province_name",
                   "jurisdiction_of_incorporation_country_name", "business_category", "serial_number")
KEY_USAGES = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment", "key_agreement",
              "key_certificate_sign", "crl_sign", "encipher_only", "decipher_only")
# the request's key usage names as X.509 (and cryptography) call them
X509_USAGE = {"key_certificate_sign": "key_cert_sign"}


@pytest.fixture(scope="module")
def atlas(tmp_path_factory, ca_dir):
    running = Running(make_settings(tmp_path_factory.mktemp("hvca-conformance"), ca_dir, profile="instant",
                                    clock_mode="manual"))
    yield running
    running.stop()


def account(running, tmp_path_factory) -> Hvca:
    made = requests.post(running.control + "/atlas/accounts", json={}, timeout=60).json()
    client = Hvca(running, made, tmp_path_factory.mktemp("client"))
    client.login()
    return client


@pytest.fixture(scope="module")
def client(atlas, tmp_path_factory) -> Hvca:
    made = account(atlas, tmp_path_factory)
    made.verified_domain("example.com")
    return made


def policy_of(client: Hvca) -> dict:
    answer = client.call("GET", "/validationpolicy")
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("application/json")
    return answer.json()


def problem(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["Content-Type"].split(";")[0] == PROBLEM
    return response.json()


# -- a typed decoder of the validation policy (the types GlobalSign's Go client declares) ---------------

class DecodeError(Exception):
    pass


def _int(value, where):
    if not isinstance(value, int) or isinstance(value, bool):
        raise DecodeError(f"{where}: {value!r} is not an integer")
    return value


def _bool(value, where):
    if not isinstance(value, bool):
        raise DecodeError(f"{where}: {value!r} is not a boolean")
    return value


def _presence(value, where, allowed=PRESENCES):
    if value not in allowed:
        raise DecodeError(f"{where}: unknown presence value {value!r}")
    return value


def _object(value, where) -> dict:
    if not isinstance(value, dict):
        raise DecodeError(f"{where}: {value!r} is not an object")
    return value


def _string_policy(value, where):
    value = _object(value, where)
    if not isinstance(value.get("format"), str):
        raise DecodeError(f"{where}.format: not a string")
    return {"presence": _presence(value.get("presence"), f"{where}.presence"), "format": value["format"]}


def _strings(value, where) -> list:
    if not isinstance(value, list) or not all(isinstance(i, str) for i in value):
        raise DecodeError(f"{where}: not a list of strings")
    return value


def _list_policy(value, where):
    value = _object(value, where)
    return {"static": _bool(value.get("static"), f"{where}.static"),
            "list": _strings(value.get("list"), f"{where}.list"),
            "mincount": _int(value.get("mincount"), f"{where}.mincount"),
            "maxcount": _int(value.get("maxcount"), f"{where}.maxcount")}


def _keyed_by_oid(value, where):
    for oid, entry in _object(value, where).items():
        if not re.fullmatch(r"[0-2](\.[0-9]+)+", oid):
            raise DecodeError(f"{where}: key {oid!r} is not an OID")
        _object(entry, f"{where}.{oid}")
    return value


def _algorithm_policy(value, where):
    value = _object(value, where)
    return {"presence": _presence(value.get("presence"), f"{where}.presence"),
            "list": _strings(value.get("list"), f"{where}.list")}


def decode_policy(document) -> dict:
    """Every field into its declared type, or DecodeError (a typed client gets nothing on one wrong type)."""
    document = _object(document, "policy")
    validity = _object(document["validity"], "validity")
    decoded = {"validity": {name: _int(validity.get(name), f"validity.{name}") for name in (
        "secondsmin", "secondsmax", "not_before_negative_skew", "not_before_positive_skew", "issuer_expiry")}}
    subject = _object(document["subject_dn"], "subject_dn")
    decoded["subject_dn"] = {name: _string_policy(subject[name], f"subject_dn.{name}")
                             for name in SUBJECT_MEMBERS if name in subject}
    if "organizational_unit" in subject:
        decoded["subject_dn"]["organizational_unit"] = _list_policy(subject["organizational_unit"],
                                                                    "subject_dn.organizational_unit")
    if "extra_attributes" in subject:
        _keyed_by_oid(subject["extra_attributes"], "subject_dn.extra_attributes")
    san = _object(document["san"], "san")
    decoded["san"] = {name: _list_policy(san[name], f"san.{name}")
                      for name in ("dns_names", "emails", "ip_addresses", "uris") if name in san}
    if "other_names" in san:
        _keyed_by_oid(san["other_names"], "san.other_names")
    ekus = _object(document["extended_key_usages"], "extended_key_usages")
    decoded["extended_key_usages"] = {"ekus": _list_policy(ekus.get("ekus"), "extended_key_usages.ekus"),
                                      "critical": _bool(ekus.get("critical"), "extended_key_usages.critical")}
    if "key_usages" in document:
        decoded["key_usages"] = {name: _presence(value, f"key_usages.{name}", KEY_USAGE_PRESENCES)
                                 for name, value in _object(document["key_usages"], "key_usages").items()}
    if "signature" in document:
        signature = _object(document["signature"], "signature")
        decoded["signature"] = {name: _algorithm_policy(signature[name], f"signature.{name}")
                                for name in ("algorithm", "hash_algorithm") if name in signature}
    key = _object(document["public_key"], "public_key")
    if key.get("key_type") not in ("RSA", "ECDSA") or key.get("key_format") not in ("PKCS8", "PKCS10"):
        raise DecodeError(f"public_key: {key!r}")
    decoded["public_key"] = {**key, "allowed_lengths": [_int(n, "public_key.allowed_lengths")
                                                        for n in key["allowed_lengths"]]}
    decoded["public_key_signature"] = _presence(document["public_key_signature"], "public_key_signature")
    if "custom_extensions" in document:
        _keyed_by_oid(document["custom_extensions"], "custom_extensions")
    return decoded


def test_a_typed_client_decodes_the_whole_policy(client):
    policy = decode_policy(policy_of(client))
    assert set(policy["subject_dn"]) == {*SUBJECT_MEMBERS, "organizational_unit"}
    assert set(policy["san"]) == {"dns_names", "emails", "ip_addresses", "uris"}
    assert set(policy["key_usages"]) == set(KEY_USAGES)
    # what the guide says of DIP certificates
    assert policy["public_key"] == {"key_type": "RSA", "allowed_lengths": [4096], "key_format": "PKCS10"}
    assert (policy["san"]["dns_names"]["mincount"], policy["san"]["dns_names"]["maxcount"]) == (1, 2)
    assert policy["subject_dn"]["common_name"]["presence"] == "REQUIRED"
    # issuer_expiry is a Unix time: the issuing CA's notAfter (the first certificate of the trust chain)
    issuing = x509.load_pem_x509_certificate(client.call("GET", "/trustchain").json()[0].encode())
    assert policy["validity"]["issuer_expiry"] == int(issuing.not_valid_after_utc.timestamp())


def test_the_decoder_refuses_a_wrong_type():
    """The decoder above is strict: the policy the sandbox used to serve ("CLIP") fails it."""
    with pytest.raises(DecodeError, match="issuer_expiry"):
        decode_policy({"validity": {"secondsmin": 1, "secondsmax": 2, "not_before_negative_skew": 0,
                                    "not_before_positive_skew": 0, "issuer_expiry": "CLIP"}})


# -- a client library that always sends every documented field ---------------------------------------

def _key_usage_of(pem: str) -> x509.KeyUsage:
    return x509.load_pem_x509_certificate(pem.encode()).extensions.get_extension_for_class(x509.KeyUsage).value


def issue(client: Hvca, body: dict) -> dict:
    created = client.call("POST", "/certificates", json=body)
    assert created.status_code == 201, created.text
    host = urlsplit(client.base)
    fetched = client.session.get(f"{host.scheme}://{host.netloc}{created.headers['Location']}", timeout=30,
                                 verify=client.running.bundle)  # Location followed as host + path
    assert fetched.status_code == 200, fetched.text
    return fetched.json()


def test_empty_objects_and_lists_count_as_absent_and_static_usages_are_applied(client, key_pool):
    body = certificate_request(key_pool.get(), "vault", key_usages={}, subject_da={}, qualified_statements={},
                               ms_extension_template={}, custom_extensions={},
                               signature={"algorithm": "RSA", "hash_algorithm": "SHA-256"})
    body["subject_dn"].update({"extra_attributes": [], "organizational_unit": [], "email": ""})
    body["san"].update({"emails": [], "ip_addresses": [], "uris": [], "other_names": []})
    usage = _key_usage_of(issue(client, body)["certificate"])
    for name, presence in policy_of(client)["key_usages"].items():
        if presence == "STATIC_TRUE":
            assert getattr(usage, X509_USAGE.get(name, name)), f"{name} is STATIC_TRUE but not set"
        if presence == "STATIC_FALSE" and name not in ("encipher_only", "decipher_only"):
            assert not getattr(usage, X509_USAGE.get(name, name)), f"{name} is STATIC_FALSE but set"


def test_optional_key_usages_follow_the_request(client, key_pool):
    optional = [n for n, p in policy_of(client)["key_usages"].items() if p == "OPTIONAL"]
    assert optional, "the MHHS policy leaves some key usages to the client"
    for wanted in (True, False):
        body = certificate_request(key_pool.get(), f"ku{int(wanted)}", key_usages={n: wanted for n in optional})
        usage = _key_usage_of(issue(client, body)["certificate"])
        assert all(getattr(usage, X509_USAGE.get(n, n)) is wanted for n in optional)


@pytest.mark.parametrize("usages", [{"digital_signature": False}, {"key_certificate_sign": True},
                                    {"crl_sign": True}])
def test_static_key_usages_cannot_be_overridden(client, key_pool, usages):
    name = next(iter(usages))
    refused = problem(client.call("POST", "/certificates", json=certificate_request(key_pool.get(), key_usages=usages)),
                      422)
    assert f"key_usages.{name}" in refused["description"] and f"key_usages.{name}" in refused["errors"]


def test_what_the_policy_forbids_is_refused_by_the_policy(client, key_pool):
    policy = policy_of(client)
    forbidden = [n for n, rule in policy["subject_dn"].items() if isinstance(rule, dict) and
                 rule.get("presence") == "FORBIDDEN"]
    assert "email" in forbidden
    for name in forbidden:
        body = certificate_request(key_pool.get())
        body["subject_dn"][name] = "a@example.com" if name == "email" else "Something"
        refused = problem(client.call("POST", "/certificates", json=body), 422)
        assert refused["description"] == f"subject_dn.{name}: forbidden by the validation policy"
    absent_blocks = [b for b in ("subject_da", "qualified_statements", "ms_extension_template") if b not in policy]
    for block in absent_blocks:
        refused = problem(client.call("POST", "/certificates", json=certificate_request(
            key_pool.get(), **{block: {"x": 1}})), 422)
        assert refused["description"] == f"{block}: forbidden by the validation policy"
    uris = certificate_request(key_pool.get())
    uris["san"]["uris"] = ["https://example.com"]
    assert "san.uris: forbidden by the validation policy" in problem(
        client.call("POST", "/certificates", json=uris), 422)["description"]
    unknown = problem(client.call("POST", "/certificates", json=certificate_request(key_pool.get(), colour="red")), 422)
    assert unknown["description"] == "colour: is not a field of a certificate request"


def test_a_client_that_cannot_meet_the_policy_is_told_everything_at_once(client, key_pool):
    """A Node SDK: a bare 2048-bit public key and no EKUs."""
    bare = key_pool.get(2048).public_key().public_bytes(serialization.Encoding.PEM,
                                                        serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    body = certificate_request(key_pool.get(), public_key=bare)
    del body["extended_key_usages"]
    refused = problem(client.call("POST", "/certificates", json=body), 422)
    text = refused["description"]
    assert "CSR" in text and "4096" in text and "2048" in text and "extended_key_usages" in text
    assert set(refused["errors"]) == {"extended_key_usages", "public_key"}
    order = list(policy_of(client))
    fields = [part.split(":")[0].split(".")[0] for part in text.split("; ")]
    assert fields == sorted(fields, key=order.index), f"{fields} are not in the policy document's order {order}"


# -- paths, Location, tokens, 202, serials ---------------------------------------------------------------

def test_every_path_answers_the_same_with_one_trailing_slash(client, key_pool):
    """A production CA plugin: login/, certificates/, validationpolicy/ ..."""
    for path in ("/validationpolicy", "/trustchain", "/counters/certificates/issued", "/quotas/issuance",
                 "/claims/domains", "/stats/issued", "/nothing-here"):
        plain, slashed = client.call("GET", path), client.call("GET", path + "/")
        assert (slashed.status_code, slashed.text) == (plain.status_code, plain.text), path
    logged_in = client.call("POST", "/login/", json={"api_key": client.account["api_key"],
                                                     "api_secret": client.account["api_secret"]})
    assert logged_in.status_code == 200 and logged_in.json()["access_token"]
    client.session.headers["Authorization"] = "Bearer " + logged_in.json()["access_token"]
    created = client.call("POST", "/certificates/", json=certificate_request(key_pool.get(), "slash"))
    assert created.status_code == 201 and created.headers["Location"].startswith("/v2/certificates/")
    serial = created.headers["Location"].rsplit("/", 1)[1]
    assert client.call("GET", f"/certificates/{serial}/").json()["status"] == "ISSUED"


def test_tokens_outlive_a_clock_jump_and_a_relogin_client_recovers_from_401(start_sandbox, tmp_path_factory):
    atlas = start_sandbox(profile="instant", clock_mode="manual")  # its own: every token of it ends
    never_relogs = account(atlas, tmp_path_factory)
    requests.post(atlas.control + "/clock/advance", json={"seconds": "73h"}, timeout=10)
    assert never_relogs.call("GET", "/quotas/issuance").status_code == 200, "a clock jump ended the token"

    def relogin_call(client: Hvca, method: str, path: str) -> list[int]:
        statuses = []
        for _ in range(2):
            answer = client.call(method, path)
            statuses.append(answer.status_code)
            if answer.status_code != 401:
                break
            client.login()
        return statuses

    ended = requests.post(atlas.control + "/atlas/tokens/expire", timeout=10).json()
    assert ended["expired"] >= 1
    assert "log in again" in problem(never_relogs.call("GET", "/trustchain"), 401)["description"]
    assert relogin_call(never_relogs, "GET", "/trustchain") == [401, 200]


def test_the_cli_expires_every_token(start_sandbox, tmp_path_factory):
    atlas = start_sandbox(profile="instant")
    client = account(atlas, tmp_path_factory)
    result = subprocess.run([venv_bin("dip-sandbox"), "atlas", "expire-tokens"], capture_output=True, text=True,
                            timeout=30, env={"PATH": "/usr/bin:/bin", "DIP_SANDBOX_CONTROL_URL": atlas.control})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["expired"] >= 1
    problem(client.call("GET", "/trustchain"), 401)


def test_a_client_retries_202_until_issued_and_finds_serials_without_leading_zeros(start_sandbox, tmp_path_factory,
                                                                                   key_pool):
    running = start_sandbox(profile="instant", clock_mode="manual", atlas_issuance_delay=30)
    client = account(running, tmp_path_factory)
    client.verified_domain("example.com")
    location = client.call("POST", "/certificates", json=certificate_request(key_pool.get())).headers["Location"]
    serial = location.rsplit("/", 1)[1]
    statuses = []
    for _ in range(5):  # a client retries 202 up to five times with back-off
        answer = client.call("GET", f"/certificates/{serial}")
        statuses.append(answer.status_code)
        if answer.status_code != 202:
            break
        assert answer.json() == {"description": "Operation in progress"}
        requests.post(running.control + "/clock/advance", json={"seconds": 15}, timeout=10)  # the back-off
    assert statuses == [202, 202, 200]
    formatted = format(int(serial, 16), "x")  # how one client formats serials: no leading zeros, lower case
    assert client.call("GET", f"/certificates/{formatted}").json() == answer.json()
    listed = client.call("GET", "/stats/issued").json()
    assert [int(item["serial_number"], 16) for item in listed] == [int(serial, 16)]


# -- domain claims as a CLI and a Node SDK use them ------------------------------------------------------

@pytest.mark.parametrize("domain, expected", [
    ("a.b.example.com", ["a.b.example.com", "b.example.com", "example.com"]),
    ("www.energy.co.uk", ["www.energy.co.uk", "energy.co.uk"]),
    ("example.org", ["example.org"]),
])
def test_authorization_domains_run_down_to_the_registrable_domain(client, domain, expected):
    claim_id = client.call("POST", f"/claims/domains/{domain}").headers["Location"].rsplit("/", 1)[1]
    listed = client.call("GET", f"/claims/domains/{claim_id}/dns")
    assert listed.status_code == 200 and listed.json() == expected
    assert client.call("GET", f"/claims/domains/{claim_id}/dns/").json() == expected
    above = expected[-1].split(".", 1)[1]  # the public suffix itself is no authorization domain
    problem(client.call("POST", f"/claims/domains/{claim_id}/dns", json={"authorization_domain": above}), 422)


def test_a_node_sdk_publishes_at_an_authorization_domain_and_polls_until_verified(client):
    claim = client.call("POST", "/claims/domains/deep.node.example.net")
    claim_id, token = claim.headers["Location"].rsplit("/", 1)[1], claim.json()["token"]
    where = client.call("GET", f"/claims/domains/{claim_id}/dns").json()[-1]
    requests.post(client.running.control + "/dns/records", json={"name": where, "type": "TXT", "value": token},
                  timeout=10)
    check = client.call("POST", f"/claims/domains/{claim_id}/dns", json={"authorization_domain": where})
    assert check.status_code in (201, 204)
    for _ in range(5):
        if client.call("GET", f"/claims/domains/{claim_id}").json()["status"] == "VERIFIED":
            break
        requests.post(client.running.control + "/clock/advance", json={"seconds": 300}, timeout=10)
    assert client.call("GET", f"/claims/domains/{claim_id}").json()["status"] == "VERIFIED"


def test_a_bash_cli_lists_authorization_domains_with_curl(client):
    require_tool("curl")
    claim_id = client.call("POST", "/claims/domains/api.curl.example.com").headers["Location"].rsplit("/", 1)[1]
    base = ["curl", "-s", "-S", "--cacert", client.running.bundle, "--cert", str(client.cert_file),
            "--key", str(client.key_file), "-H", client_auth(client)]
    listed = subprocess.run(base + [f"{client.base}/claims/domains/{claim_id}/dns"], capture_output=True, text=True,
                            timeout=30)
    assert json.loads(listed.stdout) == ["api.curl.example.com", "curl.example.com", "example.com"]
    checked = subprocess.run(base + ["-X", "POST", "-H", "Content-Length: 0", "-o", "/dev/null", "-w", "%{http_code}",
                                     f"{client.base}/claims/domains/{claim_id}/dns"],
                             capture_output=True, text=True, timeout=30)
    assert checked.stdout == "201"  # a bodyless POST: the check is created (no record yet)


def client_auth(client: Hvca) -> str:
    return f"Authorization: {client.session.headers['Authorization']}"


def test_charset_variants_of_json_are_accepted(client, key_pool):
    body = json.dumps(certificate_request(key_pool.get(), "charset"))
    for content_type in ("application/json;charset=utf-8", "application/json; charset=UTF-8"):
        answer = client.call("POST", "/certificates", data=body, headers={"Content-Type": content_type})
        assert answer.status_code == 201, (content_type, answer.text)


def test_a_csr_and_the_json_disagree_the_json_wins(client, key_pool):
    """With a CSR only its key is used: subject and SANs come from the JSON."""
    body = certificate_request(key_pool.get(), "json", public_key=make_csr(key_pool.get(), "something-else.example"))
    cert = x509.load_pem_x509_certificate(issue(client, body)["certificate"].encode())
    assert cert.subject.rfc4514_string() == "CN=energydip-nonprod.json.example.com"


def test_a_go_client_rekeys_with_its_signature_field_and_an_empty_proof(client, key_pool):
    """GlobalSign's Go client sends `signature` and an empty `public_key_signature` with every rekey."""
    location = client.call("POST", "/certificates", json=certificate_request(key_pool.get(), "rekeyed")
                           ).headers["Location"]
    serial = location.rsplit("/", 1)[1]
    new_csr = certificate_request(key_pool.get(4096, 1), "rekeyed")["public_key"]
    for signature in (None, {"algorithm": "RSA", "hash_algorithm": "SHA-256"}):
        rekeyed = client.call("POST", f"/certificates/{serial}/rekey",
                              json={"signature": signature, "public_key": new_csr, "public_key_signature": ""})
        assert rekeyed.status_code == 201, rekeyed.text
    refused = client.call("POST", f"/certificates/{serial}/rekey",
                          json={"signature": {"hash_algorithm": "SHA-512"}, "public_key": new_csr})
    assert "signature.hash_algorithm" in problem(refused, 422)["description"]
