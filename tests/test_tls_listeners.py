"""The HTTPS listeners: server certificates, client certificates judged on the sandbox clock, keep-alive,
and the CA's CRL and OCSP as openssl sees them. Everything through real sockets, with curl and requests."""
import datetime as dt
import http.client
import json
import ssl
import subprocess

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID

from tests.conftest import DIP_CN, DIP_SANS, make_csr, require_tool, write_client_files


@pytest.fixture
def client_files(tmp_path, key_pool):
    def make(running, profile="atlas-client", cn="onboarding_key", sans=(), name="client", **issue_args):
        key = key_pool.get()
        issued = running.sandbox.cas.issue(profile, make_csr(key, cn, sans), **issue_args)
        return (*write_client_files(tmp_path, name, issued.pem, key), issued)
    return make


def whoami(running, listener, cert=None):
    base = running.endpoints["atlas_api"].removesuffix("/v2") if listener == "atlas" else \
        running.endpoints["dip_api"][listener]
    return requests.get(base + "/_sandbox/whoami", verify=running.bundle, cert=cert, timeout=10)


def curl(*args):
    require_tool("curl")
    return subprocess.run(["curl", "-s", "-S", *args], capture_output=True, text=True, timeout=20)


def test_atlas_without_client_certificate_is_a_problem_json_401(shared_running):
    result = curl("--cacert", shared_running.bundle, "-i", shared_running.endpoints["atlas_api"] + "/certificates/01")
    head, body = result.stdout.split("\n\n", 1)
    assert head.startswith("HTTP/1.1 401")
    assert "content-type: application/problem+json;charset=utf-8" in head.lower()
    assert "no client certificate was presented" in json.loads(body)["description"]


def test_dip_without_client_certificate_is_a_standard_response_401(shared_running):
    response = whoami(shared_running, "uit")
    assert response.status_code == 401
    item = response.json()["messageArray"][0]
    assert item["message"].startswith("MSG1000") and "no client certificate" in item["help"]
    # no sender is known yet: its DIP ID is left out rather than null (the official type has no null)
    assert set(item) == {"transactionID", "senderUniqueReference", "correlationID", "sentTimestamp",
                         "recipientID", "DIPConnectionProviderID", "message", "help", "serviceTicketURL"}
    assert len(item["sentTimestamp"]) == 25


def test_valid_certificates_reach_the_app(shared_running, client_files):
    cert, key, issued = client_files(shared_running)
    response = whoami(shared_running, "atlas", (cert, key))
    assert response.status_code == 200 and response.json()["serial"] == issued.serial
    dip_cert, dip_key, dip_issued = client_files(shared_running, "dip-mtls-signing", DIP_CN, DIP_SANS, name="dip")
    for environment in ("uit", "prod"):
        answer = whoami(shared_running, environment, (dip_cert, dip_key))
        assert answer.status_code == 200 and answer.json()["common_name"] == DIP_CN
        assert answer.json()["environment"] == environment
    result = curl("--cacert", shared_running.bundle, "--cert", cert, "--key", key,
                  shared_running.endpoints["atlas_api"].removesuffix("/v2") + "/_sandbox/whoami")
    assert json.loads(result.stdout)["serial"] == issued.serial


def test_unknown_issuer(shared_running, tmp_path, key_pool):
    key = key_pool.get(2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "self-made")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(5).not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=9))
            .sign(key, hashes.SHA256()))
    from mock_ca.keys import cert_to_pem
    files = write_client_files(tmp_path, "self", cert_to_pem(cert), key)
    response = whoami(shared_running, "atlas", files)
    assert response.status_code == 401
    assert "which is not a sandbox CA" in response.json()["description"]


def test_certificate_of_the_other_sandbox_ca(shared_running, client_files):
    cert, key, _ = client_files(shared_running)
    response = whoami(shared_running, "uit", (cert, key))
    assert response.status_code == 401
    assert "issued by dip-sandbox Atlas Client CA - SANDBOX" in response.json()["messageArray"][0]["help"]
    assert "accepts only certificates issued by dip-sandbox MHHS DIP Issuing CA" in \
        response.json()["messageArray"][0]["help"]


def test_expired_on_the_sandbox_clock(running, client_files):
    cert, key, _ = client_files(running)
    running.sandbox.scheduler.advance(373 * 86400)
    response = whoami(running, "atlas", (cert, key))
    assert response.status_code == 401 and "expired at" in response.json()["description"]


def test_not_yet_valid_on_the_sandbox_clock(running, client_files):
    later = running.sandbox.clock.now() + dt.timedelta(days=2)
    cert, key, _ = client_files(running, not_before=later)
    response = whoami(running, "atlas", (cert, key))
    assert response.status_code == 401 and "is not valid until" in response.json()["description"]


def test_revoked(running, client_files):
    cert, key, issued = client_files(running)
    assert whoami(running, "atlas", (cert, key)).status_code == 200
    running.sandbox.cas.revoke(issued.serial, "keyCompromise")
    response = whoami(running, "atlas", (cert, key))
    assert response.status_code == 401 and "was revoked (keyCompromise)" in response.json()["description"]


def test_signing_only_certificate_cannot_open_mtls(shared_running, client_files):
    cert, key, _ = client_files(shared_running, "dip-signing", DIP_CN, DIP_SANS)
    response = whoami(shared_running, "uit", (cert, key))
    assert response.status_code == 401 and "not for client authentication" in response.json()["messageArray"][0]["help"]


@pytest.mark.parametrize("mode", ["app", "strict"])
def test_wall_clock_never_refuses_a_certificate_valid_in_sandbox_time(start_sandbox, client_files, mode):
    """Issued 400 sandbox days from now: 'not yet valid' for the wall clock, valid for the sandbox."""
    running = start_sandbox(client_cert_mode=mode)
    running.sandbox.scheduler.advance(400 * 86400)
    cert, key, issued = client_files(running)
    assert x509.load_pem_x509_certificate(issued.pem.encode()).not_valid_before_utc > \
        dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=300)
    response = whoami(running, "atlas", (cert, key))
    assert response.status_code == 200, response.text


def test_strict_mode_rejects_at_the_handshake(start_sandbox, client_files):
    running = start_sandbox(client_cert_mode="strict")
    with pytest.raises(requests.exceptions.SSLError):
        whoami(running, "atlas")
    result = curl("--cacert", running.bundle, running.endpoints["atlas_api"] + "/x")
    # a TLS failure (curl says 35, 55 or 56 depending on when the server closes), never an HTTP answer
    assert result.returncode != 0 and result.stdout == "", result
    cert, key, _ = client_files(running)
    with pytest.raises(requests.exceptions.SSLError):
        whoami(running, "uit", (cert, key))  # an Atlas client certificate is an unknown issuer for the DIP
    assert whoami(running, "atlas", (cert, key)).status_code == 200


def test_connections_are_kept_alive(shared_running, client_files):
    cert, key, _ = client_files(shared_running)
    context = ssl.create_default_context(cafile=shared_running.bundle)
    context.load_cert_chain(cert, key)
    port = int(shared_running.endpoints["atlas_api"].split(":")[-1].split("/")[0])
    connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=10)
    connection.request("GET", "/_sandbox/whoami")
    first = connection.getresponse()
    first.read()
    socket_before = connection.sock
    assert first.status == 200 and not first.will_close
    for _ in range(3):
        connection.request("GET", "/_sandbox/whoami")
        response = connection.getresponse()
        response.read()
        assert response.status == 200
    assert connection.sock is socket_before
    connection.close()
    web = http.client.HTTPConnection("127.0.0.1", int(shared_running.endpoints["web"].rsplit(":", 1)[1]), timeout=10)
    web.request("GET", "/_sandbox/health")
    reply = web.getresponse()
    reply.read()
    assert not reply.will_close


def test_server_certificate_names(start_sandbox):
    running = start_sandbox(tls_extra_names="sandbox.test,192.0.2.99")
    port = int(running.endpoints["dip_api"]["uit"].rsplit(":", 1)[1])
    pem = ssl.get_server_certificate(("127.0.0.1", port))
    cert = x509.load_pem_x509_certificate(pem.encode())
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert set(sans.get_values_for_type(x509.DNSName)) == {"localhost", "sandbox.test"}
    assert {str(ip) for ip in sans.get_values_for_type(x509.IPAddress)} == {"127.0.0.1", "::1", "192.0.2.99"}
    assert cert.not_valid_before_utc < dt.datetime.now(dt.timezone.utc) < cert.not_valid_after_utc
    result = curl("--cacert", running.bundle, "--resolve", f"sandbox.test:{port}:127.0.0.1",
                  f"https://sandbox.test:{port}/_sandbox/whoami")
    assert result.returncode == 0 and "no client certificate" in result.stdout
    result = curl("--cacert", running.bundle, f"https://localhost:{port}/_sandbox/whoami")
    assert result.returncode == 0 and "no client certificate" in result.stdout


def test_requests_to_the_api_listeners_are_journaled_with_the_client(shared_running, client_files):
    cert, key, issued = client_files(shared_running)
    whoami(shared_running, "atlas", (cert, key))
    entries = requests.get(shared_running.control + "/journal", params={"listener": "atlas"}, timeout=5).json()["entries"]
    assert entries[0]["path"] == "/_sandbox/whoami" and entries[0]["status"] == "200"
    assert f"serial={issued.serial}" in entries[0]["client"]


# -- CRL and OCSP as openssl sees them ---------------------------------------------------------------

def openssl(*args, check=False):
    require_tool("openssl")
    return subprocess.run(["openssl", *args], capture_output=True, text=True, timeout=30, check=check)


def test_openssl_crl_check_and_ocsp_agree_with_the_sandbox(running, client_files, tmp_path):
    cert_file, _, issued = client_files(running, "dip-mtls-signing", DIP_CN, DIP_SANS, name="dip")
    cert = x509.load_pem_x509_certificate(issued.pem.encode())
    crl_url = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value[0].full_name[0].value
    aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    ocsp_url = next(d.access_location.value for d in aia if d.access_method.dotted_string == "1.3.6.1.5.5.7.48.1")
    issuer_url = next(d.access_location.value for d in aia if d.access_method.dotted_string == "1.3.6.1.5.5.7.48.2")
    assert crl_url.startswith(running.endpoints["web"]) and ocsp_url.startswith(running.endpoints["web"])
    issuer_der = requests.get(issuer_url, timeout=5).content
    assert x509.load_der_x509_certificate(issuer_der) == running.sandbox.cas.authority("dip-issuing").cert

    root = tmp_path / "root.pem"
    root.write_text(running.sandbox.cas.authority("dip-root").pem)
    issuing = tmp_path / "issuing.pem"
    issuing.write_text(running.sandbox.cas.authority("dip-issuing").pem)

    def crl_verdict():
        crl_der = tmp_path / "issuing.crl"
        crl_der.write_bytes(requests.get(crl_url, timeout=5).content)
        openssl("crl", "-inform", "DER", "-in", str(crl_der), "-out", str(tmp_path / "issuing-crl.pem"), check=True)
        return openssl("verify", "-crl_check", "-CAfile", str(root), "-untrusted", str(issuing),
                       "-CRLfile", str(tmp_path / "issuing-crl.pem"), cert_file)

    def ocsp_verdict():
        return openssl("ocsp", "-issuer", str(issuing), "-cert", cert_file, "-url", ocsp_url,
                       "-CAfile", str(root), "-verify_other", str(issuing))

    before = crl_verdict()
    assert before.returncode == 0 and f"{cert_file}: OK" in before.stdout, before.stderr
    good = ocsp_verdict()
    assert f"{cert_file}: good" in good.stdout and "Response verify OK" in good.stderr, good

    running.sandbox.cas.revoke(issued.serial, "keyCompromise")
    after = crl_verdict()
    assert after.returncode != 0 and "certificate revoked" in after.stdout + after.stderr
    revoked = ocsp_verdict()
    assert f"{cert_file}: revoked" in revoked.stdout and "Reason: keyCompromise" in revoked.stdout, revoked


def test_ocsp_get_and_bad_requests(running, client_files):
    from cryptography.hazmat.primitives.serialization import Encoding
    from cryptography.x509 import ocsp
    import base64
    _, _, issued = client_files(running)
    issuer = running.sandbox.cas.authority("atlas-client-ca").cert
    request = ocsp.OCSPRequestBuilder().add_certificate(issued.certificate, issuer, hashes.SHA1()).build()
    encoded = base64.b64encode(request.public_bytes(Encoding.DER)).decode()
    from urllib.parse import quote
    answer = requests.get(f"{running.endpoints['web']}/pki/ocsp/atlas-client-ca/{quote(encoded, safe='')}", timeout=5)
    assert answer.headers["Content-Type"] == "application/ocsp-response"
    parsed = ocsp.load_der_ocsp_response(answer.content)
    assert parsed.certificate_status == ocsp.OCSPCertStatus.GOOD
    garbage = requests.post(f"{running.endpoints['web']}/pki/ocsp/atlas-client-ca", data=b"nonsense", timeout=5,
                            headers={"Content-Type": "application/ocsp-request"})
    assert ocsp.load_der_ocsp_response(garbage.content).response_status == ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    unknown = requests.get(f"{running.endpoints['web']}/pki/crl/nope.crl", timeout=5)
    assert unknown.status_code == 404 and "no CA named 'nope'" in unknown.text
