"""The validation policy of the MHHS service as data: what `GET /v2/validationpolicy` returns and what every
certificate request is judged by (`certificate_request_checks`), so the document and the rules cannot drift.

The document has the JSON types GlobalSign's own clients decode it into (shared/reference/atlas-hvca-api.md,
"What independent clients rely on"): integers in `validity` (`issuer_expiry` is the issuing CA's notAfter as
Unix time), `{presence, format}` string policies, `{static, list, mincount, maxcount}` list policies, objects
keyed by OID for type-and-value policies (empty: none allowed), `{presence, list}` algorithm policies and one
presence string per key usage. Blocks the MHHS service does not use (`subject_da`, `qualified_statements`,
`ms_extension_template`) are left out, as a policy leaves out what it does not allow.

Sandbox choices where GlobalSign does not publish the MHHS policy: not_before within one hour (either side)
of real time or of sandbox time; validity at least one hour and at most 372 days; subject: common name
required (the DIP form), country / state / locality / organization / one organizational unit optional, the
other attributes forbidden; SAN: 1 or 2 DNS names, nothing else; EKUs: clientAuth, serverAuth,
documentSigning; key usages: digitalSignature always (STATIC_TRUE), keyEncipherment and nonRepudiation
(content_commitment) optional (by default as the certificate's purpose needs them), the rest never.
"""
from __future__ import annotations

from dataclasses import dataclass

from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from mock_ca.profiles import DIP_COMMON_NAME, DOCUMENT_SIGNING

SKEW = 3600
SECONDS_MIN = 3600
SECONDS_MAX = 372 * 86400
CLIENT_AUTH, SERVER_AUTH, SIGNING = (ExtendedKeyUsageOID.CLIENT_AUTH.dotted_string,
                                     ExtendedKeyUsageOID.SERVER_AUTH.dotted_string, DOCUMENT_SIGNING.dotted_string)
ALLOWED_EKUS = (CLIENT_AUTH, SERVER_AUTH, SIGNING)


@dataclass(frozen=True)
class StringPolicy:
    presence: str  # OPTIONAL | REQUIRED | FORBIDDEN | STATIC
    format: str
    oid: object = None

    def document(self) -> dict:
        return {"presence": self.presence, "format": self.format}


@dataclass(frozen=True)
class ListPolicy:
    mincount: int
    maxcount: int
    list: tuple[str, ...] = ()
    static: bool = False

    def document(self) -> dict:
        return {"static": self.static, "list": list(self.list), "mincount": self.mincount, "maxcount": self.maxcount}


_FORBIDDEN = StringPolicy("FORBIDDEN", "^.*$")
# Every subject_dn member of the API, in the reference's order, with the X.509 attribute it becomes.
SUBJECT_DN: dict[str, StringPolicy] = {
    "common_name": StringPolicy("REQUIRED", DIP_COMMON_NAME, NameOID.COMMON_NAME),
    "given_name": _FORBIDDEN,
    "surname": _FORBIDDEN,
    "organization": StringPolicy("OPTIONAL", r"^.{1,64}$", NameOID.ORGANIZATION_NAME),
    "organization_identifier": _FORBIDDEN,
    "country": StringPolicy("OPTIONAL", r"^[A-Z]{2}$", NameOID.COUNTRY_NAME),
    "state": StringPolicy("OPTIONAL", r"^.{1,128}$", NameOID.STATE_OR_PROVINCE_NAME),
    "locality": StringPolicy("OPTIONAL", r"^.{1,128}$", NameOID.LOCALITY_NAME),
    "street_address": _FORBIDDEN,
    "postal_code": _FORBIDDEN,
    "email": _FORBIDDEN,
    "jurisdiction_of_incorporation_locality_name": _FORBIDDEN,
    "jurisdiction_of_incorporation_state_or_province_name": _FORBIDDEN,
    "jurisdiction_of_incorporation_country_name": _FORBIDDEN,
    "business_category": _FORBIDDEN,
    "serial_number": _FORBIDDEN,
}
ORGANIZATIONAL_UNIT = ListPolicy(0, 1, (r"^.{1,64}$",))
SAN: dict[str, ListPolicy] = {
    "dns_names": ListPolicy(1, 2),  # the common name and/or its domain-and-host (checked beside the policy)
    "emails": ListPolicy(0, 0),
    "ip_addresses": ListPolicy(0, 0),
    "uris": ListPolicy(0, 0),
}
EKUS = ListPolicy(1, 3, ALLOWED_EKUS)
EKUS_CRITICAL = False
# One presence per key usage; the names are the API's (and the request's `key_usages` members).
KEY_USAGES: dict[str, str] = {
    "digital_signature": "STATIC_TRUE",
    "content_commitment": "OPTIONAL",
    "key_encipherment": "OPTIONAL",
    "data_encipherment": "STATIC_FALSE",
    "key_agreement": "STATIC_FALSE",
    "key_certificate_sign": "STATIC_FALSE",
    "crl_sign": "STATIC_FALSE",
    "encipher_only": "STATIC_FALSE",
    "decipher_only": "STATIC_FALSE",
}
SIGNATURE = {"algorithm": ("STATIC", ("RSA",)), "hash_algorithm": ("STATIC", ("SHA-256",))}
PUBLIC_KEY = {"key_type": "RSA", "allowed_lengths": [4096], "key_format": "PKCS10"}
PUBLIC_KEY_SIGNATURE = "OPTIONAL"


def policy_document(issuer_expiry: int) -> dict:
    """The policy as `GET /v2/validationpolicy` answers it; its key order is the order the rules are judged in."""
    return {
        "validity": {"secondsmin": SECONDS_MIN, "secondsmax": SECONDS_MAX, "not_before_negative_skew": SKEW,
                     "not_before_positive_skew": SKEW, "issuer_expiry": int(issuer_expiry)},
        "subject_dn": {**{name: rule.document() for name, rule in SUBJECT_DN.items()},
                       "organizational_unit": ORGANIZATIONAL_UNIT.document(), "extra_attributes": {}},
        "san": {**{name: rule.document() for name, rule in SAN.items()}, "other_names": {}},
        "extended_key_usages": {"ekus": EKUS.document(), "critical": EKUS_CRITICAL},
        "key_usages": dict(KEY_USAGES),
        "signature": {name: {"presence": presence, "list": list(values)}
                      for name, (presence, values) in SIGNATURE.items()},
        "public_key": {**PUBLIC_KEY, "allowed_lengths": list(PUBLIC_KEY["allowed_lengths"])},
        "public_key_signature": PUBLIC_KEY_SIGNATURE,
        "custom_extensions": {},
    }
