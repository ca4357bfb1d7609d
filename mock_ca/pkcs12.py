"""Reading and writing PFX (PKCS#12) files, with one clear error per known problem.

The guide requires a password-less PFX (`openssl pkcs12 -export ... -password pass:`).
"""
from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.serialization import NoEncryption, pkcs12

from mock_ca.errors import PfxProblem

MERGE_HINT = "openssl pkcs12 -export -out cert.pfx -inkey cert.key -in cert.cer -password pass:"


@dataclass(frozen=True)
class PfxContents:
    key: object
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]


def _looks_like_pkcs12(data: bytes) -> bool:
    """DER SEQUENCE whose first element is INTEGER 3: the PFX version."""
    if len(data) < 8 or data[0] != 0x30:
        return False
    length_byte = data[1]
    offset = 2 + (length_byte & 0x7F if length_byte & 0x80 else 0)
    return data[offset:offset + 3] == b"\x02\x01\x03"


def _same_key(key, cert: x509.Certificate) -> bool:
    return key.public_key().public_numbers() == cert.public_key().public_numbers()


def read_pfx(data: bytes) -> PfxContents:
    if not data:
        raise PfxProblem("the PFX file is empty: choose the .pfx file you exported", code="pfx_empty")
    if data.lstrip().startswith(b"-----BEGIN"):
        raise PfxProblem("this is a PEM file, not a PFX: merge the certificate and its key into a "
                         f"password-less PFX with: {MERGE_HINT}", code="pfx_is_pem")
    if not _looks_like_pkcs12(data):
        raise PfxProblem("this file is not a PFX (PKCS#12): export one with: " + MERGE_HINT,
                         code="pfx_unreadable")
    loaded = None
    for password in (None, b""):
        try:
            loaded = pkcs12.load_key_and_certificates(data, password)
            break
        except ValueError:
            continue
    if loaded is None:
        raise PfxProblem("the PFX is password-protected: export it again with an empty password "
                         f"({MERGE_HINT})", code="pfx_password")
    key, cert, chain = loaded
    if key is None and (cert is not None or chain):
        raise PfxProblem("the PFX holds no private key: export it again with -inkey cert.key "
                         f"({MERGE_HINT})", code="pfx_no_key")
    if cert is None and key is not None and chain:
        matching = [c for c in chain if _same_key(key, c)]
        if not matching:
            raise PfxProblem("the private key in the PFX belongs to none of its certificates: merge the "
                             "certificate with the key its CSR was made from", code="pfx_key_mismatch")
        cert = matching[0]
        chain = [c for c in chain if c is not cert]
    if cert is None:
        raise PfxProblem("the PFX holds no certificate: export it with -in cert.cer", code="pfx_no_certificate")
    if key is None:
        raise PfxProblem("the PFX holds neither a certificate nor a key: " + MERGE_HINT, code="pfx_no_key")
    if not _same_key(key, cert):
        raise PfxProblem("the private key in the PFX does not belong to its certificate: merge the "
                         "certificate with the key its CSR was made from", code="pfx_key_mismatch")
    return PfxContents(key, cert, tuple(chain))


def write_pfx(key, certificate: x509.Certificate, chain: list[x509.Certificate] | None = None,
              name: bytes | None = None) -> bytes:
    """A password-less PFX, as the guide asks for."""
    return pkcs12.serialize_key_and_certificates(name, key, certificate, chain or None, NoEncryption())
