"""JSON Schemas of the HVCA v2 bodies for the OpenAPI document (hvca_openapi): the certificate request with
every documented field, the validation policy with the exact types GlobalSign's clients decode it into, the
claim, and the problem document. Written from shared/reference/atlas-hvca-api.md."""
from __future__ import annotations

from mock_atlas.certificate_orders import LAST_UNIX
from mock_atlas.validation_policy import KEY_USAGES, SUBJECT_DN

STR = {"type": "string"}
INT = {"type": "integer"}
BOOL = {"type": "boolean"}
UNIX = {"type": "integer", "minimum": 0, "maximum": LAST_UNIX, "description": "Unix seconds (up to 9999)"}
UPPER_HEX = {"type": "string", "pattern": "^[0-9A-F]+$"}
OID = {"type": "string", "pattern": r"^[0-2](\.[0-9]+)+$"}


def closed(properties: dict, required: list[str] | None = None) -> dict:
    """An object with exactly these members (some of them required)."""
    schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema


def _array(items: dict, **bounds) -> dict:
    return {"type": "array", "items": items, **bounds}


# -- the certificate request -------------------------------------------------------------------------
_SIGNATURE = closed({"algorithm": {"enum": ["RSA", "RSA-PSS", "ECDSA"]},
                     "hash_algorithm": {"enum": ["SHA-256", "SHA-384", "SHA-512"]}})
_TYPE_AND_VALUE = _array(closed({"type": OID, "value": STR}, ["type", "value"]))
CERTIFICATE_REQUEST = closed({
    "validity": closed({"not_before": UNIX, "not_after": {**UNIX, "description": "0 or absent: the policy maximum"}},
                       ["not_before"]),
    "subject_dn": closed({**{name: STR for name in SUBJECT_DN}, "organizational_unit": _array(STR),
                          "extra_attributes": _TYPE_AND_VALUE}),
    "san": closed({"dns_names": _array(STR), "emails": _array(STR), "ip_addresses": _array(STR),
                   "uris": _array(STR), "other_names": _TYPE_AND_VALUE}),
    "extended_key_usages": _array(OID),
    "key_usages": closed({name: BOOL for name in KEY_USAGES}),
    "subject_da": {"type": "object"},
    "qualified_statements": {"type": "object"},
    "ms_extension_template": closed({"id": OID, "major_version": INT, "minor_version": INT}),
    "custom_extensions": {"type": "object", "additionalProperties": STR},
    "signature": _SIGNATURE,
    "public_key": {**STR, "description": "PEM CSR (the MHHS policy's key_format is PKCS10)"},
    "public_key_signature": {**STR, "description": "base64 signature over the DER public key"},
}, ["validity", "subject_dn", "san", "public_key"])
REKEY_REQUEST = closed({"public_key": STR, "public_key_signature": STR,
                        "signature": {"anyOf": [_SIGNATURE, {"type": "null"}]}}, ["public_key"])

# -- the validation policy ---------------------------------------------------------------------------
PRESENCE = {"enum": ["OPTIONAL", "REQUIRED", "FORBIDDEN", "STATIC"]}
STRING_POLICY = closed({"presence": PRESENCE, "format": STR}, ["presence", "format"])
LIST_POLICY = closed({"static": BOOL, "list": _array(STR), "mincount": {**INT, "minimum": 0},
                      "maxcount": {**INT, "minimum": 0}}, ["static", "list", "mincount", "maxcount"])
TYPE_AND_VALUE_POLICIES = {"type": "object", "description": "keyed by OID", "additionalProperties": closed({
    "static": BOOL, "value_type": {"enum": ["IA5STRING", "PRINTABLESTRING", "UTF8STRING", "INTEGER", "DER", "NIL"]},
    "value_format": STR, "mincount": INT, "maxcount": INT})}
ALGORITHM_POLICY = closed({"presence": PRESENCE, "list": _array(STR)}, ["presence", "list"])
_INTEGERS = ["secondsmin", "secondsmax", "not_before_negative_skew", "not_before_positive_skew", "issuer_expiry"]
VALIDATION_POLICY = closed({
    "validity": closed({name: INT for name in _INTEGERS}, _INTEGERS),
    "subject_dn": closed({**{name: STRING_POLICY for name in SUBJECT_DN}, "organizational_unit": LIST_POLICY,
                          "extra_attributes": TYPE_AND_VALUE_POLICIES}),
    "san": closed({"dns_names": LIST_POLICY, "emails": LIST_POLICY, "ip_addresses": LIST_POLICY,
                   "uris": LIST_POLICY, "other_names": TYPE_AND_VALUE_POLICIES}),
    "extended_key_usages": closed({"ekus": LIST_POLICY, "critical": BOOL}, ["ekus", "critical"]),
    "key_usages": closed({name: {"enum": ["OPTIONAL", "REQUIRED", "FORBIDDEN", "STATIC_TRUE", "STATIC_FALSE"]}
                          for name in KEY_USAGES}),
    "signature": closed({"algorithm": ALGORITHM_POLICY, "hash_algorithm": ALGORITHM_POLICY}),
    "public_key": closed({"key_type": {"enum": ["RSA", "ECDSA"]}, "allowed_lengths": _array(INT),
                          "key_format": {"enum": ["PKCS8", "PKCS10"]}}, ["key_type", "allowed_lengths", "key_format"]),
    "public_key_signature": PRESENCE,
    "custom_extensions": {"type": "object", "description": "keyed by OID", "additionalProperties": closed({
        "presence": PRESENCE, "critical": BOOL, "value_type": STR, "value_format": STR})},
}, ["validity", "subject_dn", "san", "extended_key_usages", "public_key", "public_key_signature"])

# -- answers ------------------------------------------------------------------------------------------
CERTIFICATE = closed({"certificate": {**STR, "pattern": r"^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END "
                                                        r"CERTIFICATE-----\n?$"},
                      "status": {"enum": ["ISSUED", "REVOKED"]}, "updated_at": UNIX},
                     ["certificate", "status", "updated_at"])
CLAIM = closed({"id": {**UPPER_HEX, "pattern": "^[0-9A-F]{32}$"}, "status": {"enum": ["PENDING", "VERIFIED"]},
                "domain": {**STR, "pattern": r"\.$"}, "created_at": UNIX, "expires_at": UNIX, "assert_by": UNIX,
                "log": _array(closed({"status": {"enum": ["SUCCESS", "ERROR", "INFO"]}, "description": STR,
                                      "timestamp": UNIX}, ["status", "description", "timestamp"]))},
               ["id", "status", "domain", "created_at", "expires_at", "assert_by", "log"])
CLAIM_TOKEN = closed({"token": {**STR, "pattern": "^[0-9a-f]{32}$"}, "assert_by": UNIX}, ["token", "assert_by"])
STAT = _array(closed({"serial_number": UPPER_HEX, "not_before": UNIX, "not_after": UNIX},
                     ["serial_number", "not_before", "not_after"]))
IN_PROGRESS = closed({"description": STR}, ["description"])
PROBLEM = closed({"description": {**STR, "minLength": 1}, "id": STR,
                  "errors": {"type": "object", "additionalProperties": STR}}, ["description"])
