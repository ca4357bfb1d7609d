"""Judging the client certificate a TLS connection presented, on the sandbox clock.

The listeners accept any certificate at the handshake (unless strict), so that this module can say
exactly what is wrong: absent, not from the CA this listener trusts, not yet valid, expired, revoked,
or without the client-authentication purpose.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from cryptography import x509
from cryptography.exceptions import InvalidSignature
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


@dataclass(frozen=True)
class _Presented:
    """What a certificate's bytes say, whatever the time and the registry: read once per certificate (parsing it,
    its names and its purpose were a third of judging every request of a kept-alive client)."""
    cert: x509.Certificate
    subject: str
    serial: str
    common_name: str | None
    client_auth: bool  # no extended key usage, or one that includes clientAuth


@lru_cache(maxsize=4096)
def _presented(der: bytes) -> _Presented | None:
    try:
        cert = x509.load_der_x509_certificate(der)
        try:
            ekus = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        except x509.ExtensionNotFound:
            ekus = None
    except ValueError:
        return None
    return _Presented(cert, cert.subject.rfc4514_string(), keys.serial_hex(cert.serial_number),
                      common_name(cert.subject), ekus is None or ExtendedKeyUsageOID.CLIENT_AUTH in ekus)


@lru_cache(maxsize=4096)
def _signed_by(der: bytes, ca_der: bytes) -> bool:
    """Whether the certificate `der` was issued by the CA certificate `ca_der` (its name and signature): verified
    once per pair."""
    cert, ca = x509.load_der_x509_certificate(der), x509.load_der_x509_certificate(ca_der)
    if ca.subject != cert.issuer:
        return False
    try:
        cert.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _issuer_of(der: bytes, authorities: list[Authority]) -> Authority | None:
    return next((authority for authority in authorities if _signed_by(der, authority.der)), None)


def judge(chain_der: list[bytes], accepted: list[Authority], known: list[Authority],
          registry: CertificateRegistry, now: dt.datetime, listener: str) -> ClientIdentity:
    if not chain_der:
        raise CertificateProblem(f"no client certificate was presented: {listener} requires mutual TLS with a "
                                 f"certificate issued by {_names(accepted)}", code="absent")
    presented = _presented(chain_der[0])
    if presented is None:
        raise CertificateProblem("the client certificate cannot be read", code="unreadable")
    cert, serial = presented.cert, presented.serial
    issuer = _issuer_of(chain_der[0], accepted)
    if issuer is None:
        other = _issuer_of(chain_der[0], known)
        where = (f"by {other.definition.common_name}" if other
                 else f"by {cert.issuer.rfc4514_string()!r}, which is not a sandbox CA")
        raise CertificateProblem(f"the client certificate ({presented.subject}) was issued {where}; {listener} "
                                 f"accepts only certificates issued by {_names(accepted)}", code="unknown_issuer")
    if now < cert.not_valid_before_utc:
        raise CertificateProblem(f"the client certificate {serial} is not valid until "
                                 f"{cert.not_valid_before_utc.isoformat()} (sandbox time is {now.isoformat()})",
                                 code="not_yet_valid")
    if now > cert.not_valid_after_utc:
        raise CertificateProblem(f"the client certificate {serial} expired at "
                                 f"{cert.not_valid_after_utc.isoformat()} (sandbox time is {now.isoformat()}): "
                                 "request a new one", code="expired")
    revoked, reason = registry.revocation(serial)
    if revoked:
        raise CertificateProblem(f"the client certificate {serial} was revoked ({reason}): "
                                 "use a current certificate", code="revoked")
    if not presented.client_auth:
        raise CertificateProblem(f"the client certificate {serial} is not for client authentication "
                                 "(its extended key usage lacks clientAuth): use an mTLS certificate",
                                 code="wrong_purpose")
    return ClientIdentity(serial, presented.common_name, presented.subject, issuer.name, cert.not_valid_after_utc,
                          cert)


def _names(authorities: list[Authority]) -> str:
    return " or ".join(a.definition.common_name for a in authorities)
