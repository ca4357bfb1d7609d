"""CRLs and OCSP responses (RFC 5280, RFC 6960), both signed by the issuing CA itself.

Their validity windows (thisUpdate .. nextUpdate) span both sandbox time and real time, so a client
checking them against either clock accepts them: the sandbox clock decides what is revoked, a client's
wall clock only decides whether the list is fresh.
"""
from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from mock_ca.hierarchy import Authority
from mock_ca.registry import REVOCATION_REASONS, CertificateRegistry, revocation_time

FRESHNESS = dt.timedelta(days=7)
_REASON_FLAGS = REVOCATION_REASONS


def publication_window(sandbox_now: dt.datetime, real_now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    start = min(sandbox_now, real_now) - dt.timedelta(minutes=5)
    return start, max(sandbox_now, real_now) + FRESHNESS


def build_crl(authority: Authority, registry: CertificateRegistry, number: int,
              window: tuple[dt.datetime, dt.datetime]) -> bytes:
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(authority.cert.subject)
        .last_update(window[0])
        .next_update(window[1])
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(authority.key.public_key()),
                       critical=False)
    )
    for entry in registry.revoked_by(authority.name):
        revoked = (
            x509.RevokedCertificateBuilder()
            .serial_number(entry.serial_number)
            .revocation_date(revocation_time(entry))
            .add_extension(x509.CRLReason(_REASON_FLAGS[entry.revocation_reason]), critical=False)
            .build()
        )
        builder = builder.add_revoked_certificate(revoked)
    return builder.sign(authority.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def _issuer_hashes(authority: Authority, algorithm: hashes.HashAlgorithm) -> tuple[bytes, bytes]:
    name_hash = hashes.Hash(algorithm)
    name_hash.update(authority.cert.subject.public_bytes())
    key_der = authority.cert.public_key().public_bytes(serialization.Encoding.DER,
                                                       serialization.PublicFormat.PKCS1)
    key_hash = hashes.Hash(algorithm)
    key_hash.update(key_der)
    return name_hash.finalize(), key_hash.finalize()


def ocsp_response(request_der: bytes, authorities: list[Authority], registry: CertificateRegistry,
                  window: tuple[dt.datetime, dt.datetime]) -> bytes:
    """An OCSP response for a DER request: good / revoked / unknown, or an unsuccessful status."""
    try:
        request = ocsp.load_der_ocsp_request(request_der)
    except ValueError:
        return _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
    authority = None
    for candidate in authorities:
        if _issuer_hashes(candidate, request.hash_algorithm) == (request.issuer_name_hash,
                                                                 request.issuer_key_hash):
            authority = candidate
            break
    if authority is None:
        return _unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED)
    entry = registry.find(request.serial_number)
    if entry is None or entry.issuer != authority.name:
        status, revoked_at, reason = ocsp.OCSPCertStatus.UNKNOWN, None, None
        subject_cert = None
    elif entry.revoked:
        status, revoked_at = ocsp.OCSPCertStatus.REVOKED, revocation_time(entry)
        reason = _REASON_FLAGS[entry.revocation_reason]
        subject_cert = entry.certificate
    else:
        status, revoked_at, reason = ocsp.OCSPCertStatus.GOOD, None, None
        subject_cert = entry.certificate
    if subject_cert is None:
        builder = ocsp.OCSPResponseBuilder().add_response_by_hash(
            issuer_name_hash=request.issuer_name_hash, issuer_key_hash=request.issuer_key_hash,
            serial_number=request.serial_number, algorithm=request.hash_algorithm, cert_status=status,
            this_update=window[0], next_update=window[1], revocation_time=None, revocation_reason=None)
    else:
        builder = ocsp.OCSPResponseBuilder().add_response(
            cert=subject_cert, issuer=authority.cert, algorithm=request.hash_algorithm, cert_status=status,
            this_update=window[0], next_update=window[1], revocation_time=revoked_at,
            revocation_reason=reason)
    builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, authority.cert)
    for extension in request.extensions:
        if isinstance(extension.value, x509.OCSPNonce):
            builder = builder.add_extension(extension.value, critical=False)
    return builder.sign(authority.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def _unsuccessful(status: ocsp.OCSPResponseStatus) -> bytes:
    return ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(serialization.Encoding.DER)
