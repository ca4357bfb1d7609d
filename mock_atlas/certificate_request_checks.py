"""A certificate request (`POST /v2/certificates`, rekey) judged by the validation policy.

Every documented field of the request is accepted; empty objects, lists and strings count as absent; what is
present is judged by `validation_policy` (a field the policy forbids: "<field>: forbidden by the validation
policy"); only names that are not part of the API are "not a field of a certificate request". Every violation
is reported, in the order the policy document lists its rules, in one 422 whose `description` joins them and
whose `errors` names each field.
"""
from __future__ import annotations

import base64
import datetime as dt
import re
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from mock_atlas import validation_policy as policy
from mock_ca.csr import load_csr
from mock_ca.errors import CsrProblem
from sandbox.kernel.clock import from_unix, real_now
from sandbox.kernel.errors import InvalidInput

# The top-level fields of the documented request, in the policy document's order.
REQUEST_FIELDS = ("validity", "subject_dn", "san", "extended_key_usages", "key_usages", "subject_da",
                  "qualified_statements", "ms_extension_template", "signature", "public_key",
                  "public_key_signature", "custom_extensions")
_UNUSED_BLOCKS = ("subject_da", "qualified_statements", "ms_extension_template")
_WANTED_KEY = (f"a PEM CSR (PKCS#10) of an {policy.PUBLIC_KEY['key_type']} "
               f"{'/'.join(map(str, policy.PUBLIC_KEY['allowed_lengths']))} key")
# The request's key usage names as cryptography's KeyUsage calls them.
KEY_USAGE_FLAGS = {"digital_signature": "digital_signature", "content_commitment": "content_commitment",
                   "key_encipherment": "key_encipherment", "data_encipherment": "data_encipherment",
                   "key_agreement": "key_agreement", "key_certificate_sign": "key_cert_sign",
                   "crl_sign": "crl_sign", "encipher_only": "encipher_only", "decipher_only": "decipher_only"}


@dataclass(frozen=True)
class CertificateOrder:
    profile: str
    csr: x509.CertificateSigningRequest
    subject: x509.Name
    dns_names: tuple[str, ...]
    ekus: tuple[x509.ObjectIdentifier, ...]
    not_before: dt.datetime
    not_after: dt.datetime
    key_usage: dict = field(default_factory=dict)  # cryptography KeyUsage flags the request chose


class Violations:
    """The rules a request breaks, in the order they were judged."""

    def __init__(self):
        self.items: dict[str, str] = {}

    def add(self, name: str, rule: str) -> None:
        self.items.setdefault(name, rule)

    def raise_any(self) -> None:
        if self.items:
            description = "; ".join(f"{name}: {rule}" for name, rule in self.items.items())
            raise InvalidInput(description, field=next(iter(self.items)),
                               details={"errors": {name: f"{name}: {rule}" for name, rule in self.items.items()}})


def present(value) -> bool:
    return value not in (None, "", [], {})


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _unknown(members: dict, known, prefix: str, found: Violations) -> None:
    for name in members:
        if name not in known:
            found.add(f"{prefix}{name}", "is not a field of a certificate request")


def _validity(validity, sandbox_now: dt.datetime, found: Violations):
    if not isinstance(validity, dict) or not present(validity):
        found.add("validity", "is required: {\"not_before\": <unix seconds>, \"not_after\": 0}")
        return None
    _unknown(validity, ("not_before", "not_after"), "validity.", found)
    not_before = validity.get("not_before")
    if not _whole(not_before):
        found.add("validity.not_before", "is required, in Unix seconds")
        return None
    if not any(-policy.SKEW <= not_before - now <= policy.SKEW
               for now in (real_now().timestamp(), sandbox_now.timestamp())):
        found.add("validity.not_before", f"must be within {policy.SKEW} seconds of the current time (real or sandbox)")
    not_after = validity.get("not_after") or 0
    if not _whole(not_after):
        found.add("validity.not_after", "must be Unix seconds, or 0 for the policy maximum")
        return None
    if not_after == 0:
        not_after = not_before + policy.SECONDS_MAX
    elif not policy.SECONDS_MIN <= not_after - not_before <= policy.SECONDS_MAX:
        found.add("validity.not_after", f"the validity must be between {policy.SECONDS_MIN} and "
                                        f"{policy.SECONDS_MAX} seconds")
    return not_before, not_after


def _match(rule_format: str, value, case_insensitive: bool = False) -> bool:
    return isinstance(value, str) and re.fullmatch(rule_format, value, re.IGNORECASE if case_insensitive else 0)


def _subject(subject_dn, found: Violations) -> tuple[list, str | None]:
    if not isinstance(subject_dn, dict) or not present(subject_dn):
        found.add("subject_dn", "is required (common_name at least)")
        return [], None
    _unknown(subject_dn, (*policy.SUBJECT_DN, "organizational_unit", "extra_attributes"), "subject_dn.", found)
    attributes, common_name = [], None
    for name, rule in policy.SUBJECT_DN.items():
        value = subject_dn.get(name)
        where = f"subject_dn.{name}"
        if not present(value):
            if rule.presence == "REQUIRED":
                found.add(where, "is required")
            continue
        if rule.presence == "FORBIDDEN":
            found.add(where, "forbidden by the validation policy")
        elif not _match(rule.format, value, name == "common_name"):
            hint = " (energydip-<nonprod|prod>.<host>.<domain>)" if name == "common_name" else ""
            found.add(where, f"{value!r} does not match the format {rule.format}{hint}")
        else:
            attributes.append(x509.NameAttribute(rule.oid, value))
            if name == "common_name":
                common_name = value
    units = subject_dn.get("organizational_unit")
    if present(units):
        units = [units] if isinstance(units, str) else units
        rule = policy.ORGANIZATIONAL_UNIT
        if not isinstance(units, list) or not rule.mincount <= len(units) <= rule.maxcount:
            found.add("subject_dn.organizational_unit", f"has to have between {rule.mincount} and {rule.maxcount} items")
        elif not all(_match(rule.list[0], unit) for unit in units):
            found.add("subject_dn.organizational_unit", f"each item must match {rule.list[0]}")
        else:
            attributes.extend(x509.NameAttribute(x509.oid.NameOID.ORGANIZATIONAL_UNIT_NAME, u) for u in units)
    if present(subject_dn.get("extra_attributes")):
        found.add("subject_dn.extra_attributes", "forbidden by the validation policy")
    return attributes, common_name


def _san(san, common_name: str | None, found: Violations) -> tuple[str, ...]:
    if not isinstance(san, dict) or not present(san):
        found.add("san", "is required: {\"dns_names\": [...]}")
        return ()
    _unknown(san, (*policy.SAN, "other_names"), "san.", found)
    for name, rule in policy.SAN.items():
        if name != "dns_names" and present(san.get(name)):
            found.add(f"san.{name}", f"forbidden by the validation policy (maxcount {rule.maxcount})")
    if present(san.get("other_names")):
        found.add("san.other_names", "forbidden by the validation policy")
    dns_names, rule = san.get("dns_names"), policy.SAN["dns_names"]
    if not isinstance(dns_names, list) or not all(isinstance(n, str) for n in dns_names):
        found.add("san.dns_names", "must be a list of DNS names")
        return ()
    if not rule.mincount <= len(dns_names) <= rule.maxcount:
        found.add("san.dns_names", f"has to have between {rule.mincount} and {rule.maxcount} items")
        return ()
    if common_name is not None:
        allowed = {common_name.lower(), common_name.lower().split(".", 1)[1]}
        for dns_name in dns_names:
            if dns_name.lower() not in allowed:
                found.add("san.dns_names", f"{dns_name!r} is neither the common name nor {sorted(allowed)[0]!r}")
    return tuple(dns_names)


def _ekus(ekus, found: Violations) -> tuple[str, ...]:
    rule = policy.EKUS
    if not present(ekus):
        found.add("extended_key_usages", f"is required: at least {rule.mincount} (at most {rule.maxcount}) of the "
                                         f"policy's list {', '.join(rule.list)}")
        return ()
    if not isinstance(ekus, list) or not all(isinstance(e, str) for e in ekus) or \
            not rule.mincount <= len(ekus) <= rule.maxcount:
        found.add("extended_key_usages", f"has to have between {rule.mincount} and {rule.maxcount} OIDs of the "
                                         f"policy's list {', '.join(rule.list)}")
        return ()
    unknown = [e for e in ekus if e not in rule.list]
    if unknown:
        found.add("extended_key_usages", f"{unknown[0]} is not in the policy's list {', '.join(rule.list)}")
        return ()
    if set(ekus) == {policy.SERVER_AUTH}:
        found.add("extended_key_usages", f"an mTLS certificate needs clientAuth ({policy.CLIENT_AUTH})")
        return ()
    return tuple(dict.fromkeys(ekus))


def _key_usages(usages, found: Violations) -> dict:
    """The cryptography KeyUsage flags the request chose (OPTIONAL usages only; STATIC ones the CA sets)."""
    if not present(usages):
        return {}
    if not isinstance(usages, dict):
        found.add("key_usages", "must be an object of booleans, e.g. {\"digital_signature\": true}")
        return {}
    _unknown(usages, policy.KEY_USAGES, "key_usages.", found)
    chosen = {}
    for name, value in usages.items():
        presence = policy.KEY_USAGES.get(name)
        if presence is None or value is None:
            continue
        where = f"key_usages.{name}"
        if not isinstance(value, bool):
            found.add(where, "must be true or false")
        elif presence == "STATIC_TRUE" and not value:
            found.add(where, "is STATIC_TRUE in the validation policy: the CA always sets it; leave it out")
        elif presence in ("STATIC_FALSE", "FORBIDDEN") and value:
            found.add(where, f"is {presence} in the validation policy: it cannot be set; leave it out")
        elif presence == "OPTIONAL":
            chosen[KEY_USAGE_FLAGS[name]] = value
    return chosen


def _signature(signature, found: Violations) -> None:
    if not present(signature):
        return
    if not isinstance(signature, dict):
        found.add("signature", "must be {\"algorithm\": \"RSA\", \"hash_algorithm\": \"SHA-256\"}")
        return
    _unknown(signature, policy.SIGNATURE, "signature.", found)
    for name, (_, allowed) in policy.SIGNATURE.items():
        value = signature.get(name)
        if present(value) and value not in allowed:
            found.add(f"signature.{name}", f"{value!r} is not in the policy's list {', '.join(allowed)}")


def _bare_key_size(text: str) -> str:
    try:
        key = serialization.load_pem_public_key(text.strip().encode())
    except ValueError:
        return ""
    size = getattr(key, "key_size", None)
    return f" (this one is {type(key).__name__.removeprefix('_').removesuffix('PublicKey')} {size})" if size else ""


def check_public_key(payload: dict, found: Violations) -> x509.CertificateSigningRequest | None:
    """The CSR of `public_key` (PKCS#10, RSA 4096), parsed, after the optional proof of possession."""
    text = payload.get("public_key")
    if not isinstance(text, str) or not text.strip():
        found.add("public_key", f"is required: {_WANTED_KEY} (the policy's key_format is PKCS10)")
        return None
    if "BEGIN PUBLIC KEY" in text or "BEGIN RSA PUBLIC KEY" in text:
        found.add("public_key", f"the policy's key_format is PKCS10: send {_WANTED_KEY}, not a bare public key"
                                + _bare_key_size(text))
        return None
    try:
        csr = load_csr(text)
    except CsrProblem as problem:
        found.add("public_key", problem.message)
        return None
    if not csr.is_signature_valid:
        found.add("public_key", "the CSR's signature does not verify")
        return None
    key = csr.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        found.add("public_key", f"key_type must be {policy.PUBLIC_KEY['key_type']}: send {_WANTED_KEY}")
        return None
    if key.key_size not in policy.PUBLIC_KEY["allowed_lengths"]:
        found.add("public_key", f"key length {key.key_size} is not allowed: allowed_lengths "
                                f"{policy.PUBLIC_KEY['allowed_lengths']}")
        return None
    signature = payload.get("public_key_signature")
    if present(signature):
        try:
            key.verify(base64.b64decode(signature, validate=True),
                       key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo),
                       padding.PKCS1v15(), hashes.SHA256())
        except (ValueError, TypeError, InvalidSignature):
            found.add("public_key_signature", "does not verify: sign the DER public key with SHA-256 and the "
                                              "CSR's key")
    return csr


def _profile_for(ekus: set[str]) -> str:
    mtls = bool(ekus & {policy.CLIENT_AUTH, policy.SERVER_AUTH})
    if mtls and policy.SIGNING in ekus:
        return "dip-mtls-signing"
    return "dip-mtls" if mtls else "dip-signing"


def check_order(payload: dict, sandbox_now: dt.datetime) -> CertificateOrder:
    found = Violations()
    _unknown(payload, REQUEST_FIELDS, "", found)
    window = _validity(payload.get("validity"), sandbox_now, found)
    attributes, common_name = _subject(payload.get("subject_dn"), found)
    dns_names = _san(payload.get("san"), common_name, found)
    ekus = _ekus(payload.get("extended_key_usages"), found)
    key_usage = _key_usages(payload.get("key_usages"), found)
    for block in _UNUSED_BLOCKS:
        if present(payload.get(block)):
            found.add(block, "forbidden by the validation policy")
    _signature(payload.get("signature"), found)
    csr = check_public_key(payload, found)
    if present(payload.get("custom_extensions")):
        found.add("custom_extensions", "forbidden by the validation policy")
    found.raise_any()
    return CertificateOrder(_profile_for(set(ekus)), csr, x509.Name(attributes), dns_names,
                            tuple(x509.ObjectIdentifier(e) for e in ekus), from_unix(window[0]), from_unix(window[1]),
                            key_usage)


def check_rekey(payload) -> x509.CertificateSigningRequest:
    """A rekey request: `public_key` (and its optional proof), and the `signature` some clients always send."""
    if not isinstance(payload, dict):
        raise InvalidInput("rekey takes {\"public_key\": <PEM CSR>, \"public_key_signature\"?}", field="public_key")
    found = Violations()
    for name in payload:
        if name not in ("public_key", "public_key_signature", "signature"):
            found.add(name, "is not a field of a rekey request")
    _signature(payload.get("signature"), found)
    csr = check_public_key(payload, found)
    found.raise_any()
    return csr
