"""mock_ca as a library: hierarchy, issuance rules, revocation, CRL and OCSP, PKCS#12."""
import datetime as dt
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID

from mock_ca import CsrProblem, PfxProblem
from mock_ca.keys import parse_serial, serial_hex
from mock_ca.pkcs12 import read_pfx, write_pfx
from mock_ca.profiles import DOCUMENT_SIGNING
from sandbox.app import Sandbox
from sandbox.kernel.errors import Conflict, InvalidInput, NotFound
from tests.conftest import DIP_CN, DIP_SANS, key_pem, make_csr, make_settings, require_tool


def test_hierarchy_names_say_sandbox_and_chain_up(sandbox):
    cas = sandbox.cas
    names = {a.name for a in cas.authorities()}
    assert names == {"tls-root", "atlas-client-ca", "dip-root", "dip-issuing"}
    for authority in cas.authorities():
        assert "SANDBOX" in authority.cert.subject.rfc4514_string()
    issuing, root = cas.chain("dip-issuing")
    assert issuing.cert.issuer == root.cert.subject
    issuing.cert.verify_directly_issued_by(root.cert)
    assert {a.name for a in cas.roots()} == {"tls-root", "atlas-client-ca", "dip-root"}
    bundle = x509.load_pem_x509_certificates(cas.bundle_path.read_bytes())
    assert len(bundle) == 3


def test_ca_dir_pins_the_material(tmp_path, ca_dir):
    one = Sandbox(make_settings(tmp_path / "one", ca_dir))
    two = Sandbox(make_settings(tmp_path / "two", ca_dir))
    assert one.cas.authority("dip-issuing").pem == two.cas.authority("dip-issuing").pem
    one.close(), two.close()


def test_participant_keys_are_distinct_in_a_sandbox_and_the_same_in_the_next(tmp_path, ca_dir):
    """The participant_keys setting: a sandbox takes its participants' keys from the directory in order (each a
    new key, made the first time), and the next sandbox given the directory gets the same keys again."""
    def three_keys(name: str) -> list[bytes]:
        made = Sandbox(make_settings(tmp_path / name, ca_dir, participant_keys=str(tmp_path / "keys")))
        try:
            return [made.cas.keys.new_rsa_key(2048).public_key().public_numbers().n for _ in range(3)]
        finally:
            made.close()
    first, again = three_keys("first"), three_keys("again")
    assert len(set(first)) == 3 and again == first
    assert sorted(path.name for path in (tmp_path / "keys").iterdir()) == ["rsa2048-1.pem", "rsa2048-2.pem",
                                                                           "rsa2048-3.pem"]


def test_issue_dip_certificate_from_csr(sandbox, key_pool):
    csr = make_csr(key_pool.get(), DIP_CN, DIP_SANS)
    issued = sandbox.cas.issue("dip-mtls-signing", csr)
    cert = issued.certificate
    assert issued.status == "ISSUED"
    assert issued.serial == serial_hex(cert.serial_number) and issued.serial == issued.serial.upper()
    assert cert.not_valid_before_utc == sandbox.clock.now().replace(microsecond=0) or \
        abs((cert.not_valid_before_utc - sandbox.clock.now()).total_seconds()) < 2
    assert (cert.not_valid_after_utc - cert.not_valid_before_utc) == dt.timedelta(days=372)
    ekus = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert set(ekus) == {ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.SERVER_AUTH, DOCUMENT_SIGNING}
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert tuple(sans.get_values_for_type(x509.DNSName)) == DIP_SANS
    cert.verify_directly_issued_by(sandbox.cas.authority("dip-issuing").cert)


def test_validity_follows_the_sandbox_clock(sandbox, key_pool):
    sandbox.clock.set_mode("manual")
    sandbox.scheduler.advance(10 * 86400)
    issued = sandbox.cas.issue("atlas-client", make_csr(key_pool.get(), "onboarding_key"))
    assert abs(issued.certificate.not_valid_before_utc.timestamp() - sandbox.clock.now_unix()) < 1


def test_subject_and_sans_from_the_request_override_the_csr(sandbox, key_pool):
    csr = make_csr(key_pool.get(), "ignored")
    subject = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, DIP_CN)])
    issued = sandbox.cas.issue("dip-mtls", csr, subject=subject, dns_names=DIP_SANS)
    assert issued.common_name == DIP_CN


@pytest.mark.parametrize("bits, message", [(2048, "the CSR's key is RSA 2048; mTLS certificates need RSA 4096")])
def test_key_size_rule(sandbox, key_pool, bits, message):
    with pytest.raises(CsrProblem) as caught:
        sandbox.cas.issue("dip-mtls", make_csr(key_pool.get(bits), DIP_CN, DIP_SANS))
    assert caught.value.code == "key_size" and message in caught.value.message


def test_ec_key_is_refused(sandbox):
    key = ec.generate_private_key(ec.SECP256R1())
    with pytest.raises(CsrProblem) as caught:
        sandbox.cas.issue("dip-mtls", make_csr(key, DIP_CN, DIP_SANS))
    assert caught.value.code == "key_type" and "need RSA 4096" in caught.value.message


@pytest.mark.parametrize("cn, sans, code", [
    ("host1.example.com", DIP_SANS, "subject_cn_format"),
    (DIP_CN, (), "san_count"),
    (DIP_CN, ("a.example.com", "b.example.com", DIP_CN), "san_count"),
    (DIP_CN, ("other.example.com",), "san_mismatch"),
])
def test_subject_and_san_rules(sandbox, key_pool, cn, sans, code):
    with pytest.raises(CsrProblem) as caught:
        sandbox.cas.issue("dip-mtls", make_csr(key_pool.get(), cn, sans))
    assert caught.value.code == code


@pytest.mark.parametrize("data, code", [
    ("", "csr_empty"),
    ("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", "csr_not_a_csr"),
    ("-----BEGIN CERTIFICATE REQUEST-----\nnot base64 at all\n-----END CERTIFICATE REQUEST-----\n", "csr_unreadable"),
    (b"\x00\x01garbage", "csr_unreadable"),
])
def test_unreadable_csrs(sandbox, data, code):
    with pytest.raises(CsrProblem) as caught:
        sandbox.cas.issue("atlas-client", data)
    assert caught.value.code == code


def test_tampered_csr_signature(sandbox, key_pool):
    from cryptography.hazmat.primitives import serialization
    csr = x509.load_pem_x509_csr(make_csr(key_pool.get(), "onboarding_key").encode())
    der = bytearray(csr.public_bytes(serialization.Encoding.DER))
    der[-5] ^= 0xFF  # flip bits inside the signature
    with pytest.raises(CsrProblem) as caught:
        sandbox.cas.issue("atlas-client", bytes(der))
    assert caught.value.code == "csr_bad_signature"


def test_unknown_profile_and_validity_bounds(sandbox, key_pool):
    with pytest.raises(InvalidInput, match="no issuance profile"):
        sandbox.cas.issue("nope", make_csr(key_pool.get(), "x"))
    with pytest.raises(CsrProblem, match="at most 372 days"):
        sandbox.cas.issue("atlas-client", make_csr(key_pool.get(), "x"), validity_days=400)


def test_revocation_and_serial_lookup(sandbox, key_pool):
    issued = sandbox.cas.issue("atlas-client", make_csr(key_pool.get(), "onboarding_key"))
    lowered = issued.serial.lower().lstrip("0")
    assert sandbox.cas.certificate("00" + lowered).serial == issued.serial
    revoked = sandbox.cas.revoke(lowered, "keyCompromise")
    assert revoked.status == "REVOKED" and revoked.revocation_reason == "keyCompromise"
    with pytest.raises(Conflict, match="already revoked"):
        sandbox.cas.revoke(issued.serial, "unspecified")
    with pytest.raises(InvalidInput, match="revocation_reason must be one of"):
        sandbox.cas.revoke(issued.serial, "because")
    with pytest.raises(NotFound):
        sandbox.cas.certificate("ABCDEF")
    crl = x509.load_der_x509_crl(sandbox.cas.crl("atlas-client-ca"))
    entry = crl.get_revoked_certificate_by_serial_number(issued.serial_number)
    assert entry is not None
    assert entry.extensions.get_extension_for_class(x509.CRLReason).value.reason == x509.ReasonFlags.key_compromise
    assert crl.is_signature_valid(sandbox.cas.authority("atlas-client-ca").cert.public_key())


def test_serial_helpers():
    assert serial_hex(0xABC) == "0ABC"
    assert parse_serial("00:ab:cd") == 0xABCD
    assert parse_serial("xyz") is None


# -- PKCS#12 ---------------------------------------------------------------------------------------

@pytest.fixture
def client_material(sandbox, key_pool, tmp_path):
    key = key_pool.get()
    issued = sandbox.cas.issue("atlas-client", make_csr(key, "onboarding_key"))
    (tmp_path / "c.cer").write_text(issued.pem)
    (tmp_path / "c.key").write_text(key_pem(key))
    return tmp_path / "c.cer", tmp_path / "c.key", issued, key


def _openssl(*args):
    require_tool("openssl")
    return subprocess.run(["openssl", *args], capture_output=True, text=True, check=True)


def test_reads_the_guides_passwordless_pfx(client_material, tmp_path):
    cert_file, key_file, issued, _ = client_material
    pfx = tmp_path / "c.pfx"
    _openssl("pkcs12", "-export", "-out", str(pfx), "-inkey", str(key_file), "-in", str(cert_file), "-password", "pass:")
    contents = read_pfx(pfx.read_bytes())
    assert serial_hex(contents.certificate.serial_number) == issued.serial


def test_password_protected_pfx_is_named(client_material, tmp_path):
    cert_file, key_file, _, _ = client_material
    pfx = tmp_path / "p.pfx"
    _openssl("pkcs12", "-export", "-out", str(pfx), "-inkey", str(key_file), "-in", str(cert_file),
             "-password", "pass:secret")
    with pytest.raises(PfxProblem) as caught:
        read_pfx(pfx.read_bytes())
    assert caught.value.code == "pfx_password"
    assert "export it again with an empty password" in caught.value.message


def test_pem_instead_of_pfx(client_material):
    cert_file, _, _, _ = client_material
    with pytest.raises(PfxProblem) as caught:
        read_pfx(cert_file.read_bytes())
    assert caught.value.code == "pfx_is_pem" and "openssl pkcs12 -export" in caught.value.message


def test_keyless_pfx(client_material, tmp_path):
    cert_file, _, _, _ = client_material
    pfx = tmp_path / "k.pfx"
    _openssl("pkcs12", "-export", "-nokeys", "-out", str(pfx), "-in", str(cert_file), "-password", "pass:")
    with pytest.raises(PfxProblem) as caught:
        read_pfx(pfx.read_bytes())
    assert caught.value.code in ("pfx_no_key", "pfx_no_certificate")
    assert "no private key" in caught.value.message or "no certificate" in caught.value.message


def test_mismatched_key_and_certificate(client_material, key_pool):
    _, _, issued, _ = client_material
    from cryptography.hazmat.primitives.serialization import NoEncryption, pkcs12
    # cryptography and openssl both refuse to write a mismatched pair as key + certificate; a PFX made by
    # other tools can still hold a key and only certificates of other keys.
    pfx = pkcs12.serialize_key_and_certificates(b"x", key_pool.get(4096, 1), None, [issued.certificate],
                                                NoEncryption())
    with pytest.raises(PfxProblem) as caught:
        read_pfx(pfx)
    assert caught.value.code == "pfx_key_mismatch"


def test_not_a_pfx_and_empty():
    with pytest.raises(PfxProblem) as caught:
        read_pfx(b"\x30\x03\x02\x01\x05")
    assert caught.value.code == "pfx_unreadable"
    with pytest.raises(PfxProblem) as caught:
        read_pfx(b"")
    assert caught.value.code == "pfx_empty"


def test_written_pfx_opens_with_openssl_and_an_empty_password(client_material, tmp_path):
    _, _, issued, key = client_material
    pfx = tmp_path / "w.pfx"
    pfx.write_bytes(write_pfx(key, issued.certificate))
    out = _openssl("pkcs12", "-in", str(pfx), "-nodes", "-password", "pass:")
    assert "BEGIN CERTIFICATE" in out.stdout and "BEGIN PRIVATE KEY" in out.stdout
