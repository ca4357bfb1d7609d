"""The validation policy of the MHHS service (what `GET /v2/validationpolicy` returns), and its enforcement
on every certificate request: each violation is a 422 naming the field and the rule.

Sandbox choices where GlobalSign does not publish the MHHS policy: not_before within one hour (either side)
of real time or of sandbox time; validity at least one hour and at most 372 days; subject: common name
required (the DIP form), country / state / locality / organization / organizational unit optional, email
forbidden; SAN: 1 or 2 DNS names, nothing else.
"""
from __future__ import annotations

import base64
import datetime as dt
import re
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from mock_ca.csr import load_csr
from mock_ca.errors import CsrProblem
from mock_ca.profiles import DIP_COMMON_NAME, DOCUMENT_SIGNING
from sandbox.clock import from_unix, real_now
from sandbox.errors import InvalidInput

SKEW = 3600
SECONDS_MIN = 3600
SECONDS_MAX = 372 * 86400
CLIENT_AUTH, SERVER_AUTH, SIGNING = (ExtendedKeyUsageOID.CLIENT_AUTH.dotted_string,
                                     ExtendedKeyUsageOID.SERVER_AUTH.dotted_string, DOCUMENT_SIGNING.dotted_string)

_SUBJECT_FIELDS = {
    "common_name": ("REQUIRED", DIP_COMMON_NAME, NameOID.COMMON_NAME),
    "country": ("OPTIONAL", r"^[A-Z]{2}$", NameOID.COUNTRY_NAME),
    "state": ("OPTIONAL", r"^.{1,128}$", NameOID.STATE_OR_PROVINCE_NAME),
    "locality": ("OPTIONAL", r"^.{1,128}$", NameOID.LOCALITY_NAME),
    "organization": ("OPTIONAL", r"^.{1,64}$", NameOID.ORGANIZATION_NAME),
    "organizational_unit": ("OPTIONAL", r"^.{1,64}$", NameOID.ORGANIZATIONAL_UNIT_NAME),
    "email": ("FORBIDDEN", "", NameOID.EMAIL_ADDRESS),
}
_TOP_FIELDS = {"validity", "subject_dn", "san", "extended_key_usages", "signature", "public_key",
               "public_key_signature"}


def policy_document() -> dict:
    def field(presence: str, fmt: str) -> dict:
        return {"presence": presence, "format": fmt}
    return {
        "validity": {"secondsmin": SECONDS_MIN, "secondsmax": SECONDS_MAX, "not_before_negative_skew": SKEW,
                     "not_before_positive_skew": SKEW, "issuer_expiry": "CLIP"},
        "subject_dn": {name: field(presence, fmt) for name, (presence, fmt, _) in _SUBJECT_FIELDS.items()},
        "san": {"dns_names": {"static": False, "list": [], "mincount": 1, "maxcount": 2},
                "emails": {"static": False, "list": [], "mincount": 0, "maxcount": 0},
                "ip_addresses": {"static": False, "list": [], "mincount": 0, "maxcount": 0},
                "other_names": {}},
        "extended_key_usages": {"ekus": {"static": False, "list": [CLIENT_AUTH, SERVER_AUTH, SIGNING],
                                         "mincount": 1, "maxcount": 3}, "critical": False},
        "key_usages": {"digital_signature": "REQUIRED", "key_encipherment": "OPTIONAL",
                       "content_commitment": "OPTIONAL"},
        "public_key": {"key_type": "RSA", "allowed_lengths": [4096], "key_format": "PKCS10"},
        "public_key_signature": "OPTIONAL",
        "signature": {"algorithm": field("STATIC", "RSA"), "hash_algorithm": field("STATIC", "SHA-256")},
    }


@dataclass(frozen=True)
class CertificateOrder:
    profile: str
    csr: x509.CertificateSigningRequest
    subject: x509.Name
    dns_names: tuple[str, ...]
    ekus: tuple[x509.ObjectIdentifier, ...]
    not_before: dt.datetime
    not_after: dt.datetime


def _fail(field: str, rule: str):
    raise InvalidInput(f"{field}: {rule}", field=field)


def _profile_for(ekus: set[str]) -> str:
    mtls = bool(ekus & {CLIENT_AUTH, SERVER_AUTH})
    if mtls and SIGNING in ekus:
        return "dip-mtls-signing"
    return "dip-mtls" if mtls else "dip-signing"


def check_public_key(payload: dict) -> x509.CertificateSigningRequest:
    """The CSR of `public_key` (PKCS#10, RSA 4096), parsed, after the optional proof of possession."""
    text = payload.get("public_key")
    if not isinstance(text, str) or not text.strip():
        _fail("public_key", "is required: a PEM CSR (the policy's key_format is PKCS10)")
    if "BEGIN PUBLIC KEY" in text:
        _fail("public_key", "the policy's key_format is PKCS10: send a CSR, not a bare public key")
    try:
        csr = load_csr(text)
    except CsrProblem as problem:
        _fail("public_key", problem.message)
    if not csr.is_signature_valid:
        _fail("public_key", "the CSR's signature does not verify")
    key = csr.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        _fail("public_key", "key_type must be RSA")
    if key.key_size != 4096:
        _fail("public_key", f"key length {key.key_size} is not allowed: allowed_lengths [4096]")
    signature = payload.get("public_key_signature")
    if signature not in (None, ""):
        try:
            key.verify(base64.b64decode(signature, validate=True),
                       key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo),
                       padding.PKCS1v15(), hashes.SHA256())
        except (ValueError, InvalidSignature):
            _fail("public_key_signature", "does not verify: sign the DER public key with SHA-256 and the CSR's key")
    return csr


def check_order(payload: dict, sandbox_now: dt.datetime) -> CertificateOrder:
    unknown = sorted(set(payload) - _TOP_FIELDS)
    if unknown:
        _fail(unknown[0], "is not a field of a certificate request")
    validity = payload.get("validity")
    if not isinstance(validity, dict):
        _fail("validity", "is required: {\"not_before\": <unix seconds>, \"not_after\": 0}")
    if set(validity) - {"not_before", "not_after"}:
        _fail("validity", f"unknown field {sorted(set(validity) - {'not_before', 'not_after'})[0]}")
    not_before = validity.get("not_before")
    if not isinstance(not_before, int) or isinstance(not_before, bool):
        _fail("validity.not_before", "is required, in Unix seconds")
    real = real_now().timestamp()
    if not any(-SKEW <= not_before - now <= SKEW for now in (real, sandbox_now.timestamp())):
        _fail("validity.not_before", f"must be within {SKEW} seconds of the current time (real or sandbox)")
    not_after = validity.get("not_after", 0)
    if not isinstance(not_after, int) or isinstance(not_after, bool):
        _fail("validity.not_after", "must be Unix seconds, or 0 for the policy maximum")
    if not_after == 0:
        not_after = not_before + SECONDS_MAX
    elif not SECONDS_MIN <= not_after - not_before <= SECONDS_MAX:
        _fail("validity.not_after", f"the validity must be between {SECONDS_MIN} and {SECONDS_MAX} seconds")

    subject_dn = payload.get("subject_dn")
    if not isinstance(subject_dn, dict):
        _fail("subject_dn", "is required (common_name at least)")
    attributes = []
    for name in subject_dn:
        if name not in _SUBJECT_FIELDS:
            _fail(f"subject_dn.{name}", "is not allowed by the policy")
    for name, (presence, fmt, oid) in _SUBJECT_FIELDS.items():
        value = subject_dn.get(name)
        if value in (None, "", []):
            if presence == "REQUIRED":
                _fail(f"subject_dn.{name}", "is required")
            continue
        if presence == "FORBIDDEN":
            _fail(f"subject_dn.{name}", "is forbidden by the policy")
        values = value if isinstance(value, list) and name == "organizational_unit" else [value]
        for item in values:
            if not isinstance(item, str) or not re.match(fmt, item, re.IGNORECASE if name == "common_name" else 0):
                hint = " (energydip-<nonprod|prod>.<host>.<domain>)" if name == "common_name" else ""
                _fail(f"subject_dn.{name}", f"{item!r} does not match the format {fmt}{hint}")
            attributes.append(x509.NameAttribute(oid, item))
    common_name = subject_dn["common_name"]

    san = payload.get("san")
    if not isinstance(san, dict):
        _fail("san", "is required: {\"dns_names\": [...]}")
    for name in san:
        if name not in ("dns_names", "emails", "ip_addresses", "uris"):
            _fail(f"san.{name}", "is not a SAN type")
        if name != "dns_names" and san[name]:
            _fail(f"san.{name}", "is forbidden by the policy (maxcount 0)")
    dns_names = san.get("dns_names")
    if not isinstance(dns_names, list) or not all(isinstance(n, str) for n in dns_names):
        _fail("san.dns_names", "must be a list of DNS names")
    if not 1 <= len(dns_names) <= 2:
        _fail("san.dns_names", "has to have between 1 and 2 items")
    allowed = {common_name.lower(), common_name.lower().split(".", 1)[1]}
    for dns_name in dns_names:
        if dns_name.lower() not in allowed:
            _fail("san.dns_names", f"{dns_name!r} is neither the common name nor {sorted(allowed)[0]!r}")

    ekus = payload.get("extended_key_usages")
    if not isinstance(ekus, list) or not 1 <= len(ekus) <= 3 or not all(isinstance(e, str) for e in ekus):
        _fail("extended_key_usages", "has to have between 1 and 3 OIDs")
    for eku in ekus:
        if eku not in (CLIENT_AUTH, SERVER_AUTH, SIGNING):
            _fail("extended_key_usages", f"{eku} is not in the policy's list {CLIENT_AUTH}, {SERVER_AUTH}, {SIGNING}")
    if set(ekus) == {SERVER_AUTH}:
        _fail("extended_key_usages", f"an mTLS certificate needs clientAuth ({CLIENT_AUTH})")

    signature = payload.get("signature")
    if signature is not None:
        if not isinstance(signature, dict) or signature.get("algorithm", "RSA") != "RSA" or \
                signature.get("hash_algorithm", "SHA-256") != "SHA-256":
            _fail("signature", "must be {\"algorithm\": \"RSA\", \"hash_algorithm\": \"SHA-256\"}")
    csr = check_public_key(payload)
    return CertificateOrder(_profile_for(set(ekus)), csr, x509.Name(attributes), tuple(dns_names),
                            tuple(x509.ObjectIdentifier(e) for e in dict.fromkeys(ekus)),
                            from_unix(not_before), from_unix(not_after))
