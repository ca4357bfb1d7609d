"""Judging the client certificate a TLS connection presented, on the sandbox clock.

The listeners accept any certificate at the handshake (unless strict), so that this module can say
exactly what is wrong: absent, not from the CA this listener trusts, not yet valid, expired, revoked,
or without the client-authentication purpose.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import ExtendedKeyUsageOID

from mock_ca import keys
from mock_ca.csr import common_name
from mock_ca.errors import CertificateProblem
from mock_ca.hierarchy import Authority
from mock_ca.registry import CertificateRegistry


@dataclass(frozen=True)
class ClientIdentity:
    serial: str
    common_name: str | None
    subject: str
    issuer: str
    not_after: dt.datetime
    certificate: x509.Certificate

    def describe(self) -> dict:
        return {"serial": self.serial, "common_name": self.common_name, "subject": self.subject,
                "issuer": self.issuer, "not_after": self.not_after.isoformat()}


_VERIFIED: dict[tuple[bytes, bytes], bool] = {}  # (certificate, CA certificate) DER -> signature verifies


def _issuer_of(cert: x509.Certificate, authorities: list[Authority]) -> Authority | None:
    for authority in authorities:
        key = (cert.fingerprint(hashes.SHA256()), authority.cert.fingerprint(hashes.SHA256()))
        if key in _VERIFIED:
            if _VERIFIED[key]:
                return authority
            continue
        if authority.cert.subject != cert.issuer:
            continue
        try:
            cert.verify_directly_issued_by(authority.cert)
            verified = True
        except (ValueError, TypeError, InvalidSignature):
            verified = False
        if len(_VERIFIED) > 10000:
            _VERIFIED.clear()
        _VERIFIED[key] = verified
        if verified:
            return authority
    return None


def judge(chain_der: list[bytes], accepted: list[Authority], known: list[Authority],
          registry: CertificateRegistry, now: dt.datetime, listener: str) -> ClientIdentity:
    accepted_names = " or ".join(a.definition.common_name for a in accepted)
    if not chain_der:
        raise CertificateProblem(f"no client certificate was presented: {listener} requires mutual TLS with a "
                                 f"certificate issued by {accepted_names}", code="absent")
    try:
        cert = x509.load_der_x509_certificate(chain_der[0])
    except ValueError:
        raise CertificateProblem("the client certificate cannot be read", code="unreadable") from None
    subject = cert.subject.rfc4514_string()
    issuer = _issuer_of(cert, accepted)
    if issuer is None:
        other = _issuer_of(cert, known)
        where = (f"by {other.definition.common_name}" if other
                 else f"by {cert.issuer.rfc4514_string()!r}, which is not a sandbox CA")
        raise CertificateProblem(f"the client certificate ({subject}) was issued {where}; {listener} accepts "
                                 f"only certificates issued by {accepted_names}", code="unknown_issuer")
    serial = keys.serial_hex(cert.serial_number)
    if now < cert.not_valid_before_utc:
        raise CertificateProblem(f"the client certificate {serial} is not valid until "
                                 f"{cert.not_valid_before_utc.isoformat()} (sandbox time is {now.isoformat()})",
                                 code="not_yet_valid")
    if now > cert.not_valid_after_utc:
        raise CertificateProblem(f"the client certificate {serial} expired at "
                                 f"{cert.not_valid_after_utc.isoformat()} (sandbox time is {now.isoformat()}): "
                                 "request a new one", code="expired")
    entry = registry.find(cert.serial_number)
    if entry is not None and entry.revoked:
        raise CertificateProblem(f"the client certificate {serial} was revoked ({entry.revocation_reason}): "
                                 "use a current certificate", code="revoked")
    try:
        ekus = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        ekus = None
    if ekus is not None and ExtendedKeyUsageOID.CLIENT_AUTH not in ekus:
        raise CertificateProblem(f"the client certificate {serial} is not for client authentication "
                                 "(its extended key usage lacks clientAuth): use an mTLS certificate",
                                 code="wrong_purpose")
    return ClientIdentity(serial, common_name(cert.subject), subject, issuer.name, cert.not_valid_after_utc, cert)
