"""Issuance profiles: what a certificate of each kind must look like, as data.

The DIP purposes (the guide's "mTLS", "Signing", "mTLS & Signing") are sandbox choices where the
published material is silent: mTLS = clientAuth + serverAuth; Signing = id-kp-documentSigning
(RFC 9336) with the non-repudiation key usage; both for the dual-purpose certificate.
Validity: 372 days by default and at most (the guide's example runs 2025-03-18 -> 2026-03-25).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from cryptography.x509.oid import ExtendedKeyUsageOID, ObjectIdentifier

DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")

# Common name of a DIP certificate: energydip-<nonprod|prod>.<host>.<domain>
DIP_COMMON_NAME = r"^energydip-(nonprod|prod)\.[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$"


@dataclass(frozen=True)
class IssuanceProfile:
    name: str
    issuer: str
    purpose: str
    key_sizes: tuple[int, ...]
    ekus: tuple[ObjectIdentifier, ...]
    digital_signature: bool = True
    key_encipherment: bool = False
    content_commitment: bool = False
    default_days: int = 372
    max_days: int = 372
    common_name_pattern: str | None = None
    common_name_hint: str = ""
    san_min: int = 0
    san_max: int = 10
    sans_within_common_name: bool = False
    extra: dict = field(default_factory=dict)


_DIP_CN = dict(common_name_pattern=DIP_COMMON_NAME, common_name_hint="energydip-<nonprod|prod>.<host>.<domain>",
               san_min=1, san_max=2, sans_within_common_name=True)

PROFILES: dict[str, IssuanceProfile] = {p.name: p for p in (
    IssuanceProfile(
        name="atlas-client", issuer="atlas-client-ca", purpose="Atlas API client (mTLS)",
        key_sizes=(4096,), ekus=(ExtendedKeyUsageOID.CLIENT_AUTH,), key_encipherment=True,
        default_days=365, max_days=372,
    ),
    IssuanceProfile(
        name="dip-mtls", issuer="dip-issuing", purpose="mTLS",
        key_sizes=(4096,), ekus=(ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.SERVER_AUTH),
        key_encipherment=True, **_DIP_CN,
    ),
    IssuanceProfile(
        name="dip-signing", issuer="dip-issuing", purpose="Signing",
        key_sizes=(4096,), ekus=(DOCUMENT_SIGNING,), content_commitment=True, **_DIP_CN,
    ),
    # The DIP's own certificates (its signing certificate and the client certificate it presents to webhooks):
    # checked by other parties with their own clocks, so they span real and sandbox time — hence the longer limit.
    IssuanceProfile(
        name="dip-service-client", issuer="dip-issuing", purpose="the DIP's webhook client (mTLS)",
        key_sizes=(4096,), ekus=(ExtendedKeyUsageOID.CLIENT_AUTH,), key_encipherment=True, max_days=3650, **_DIP_CN,
    ),
    IssuanceProfile(
        name="dip-service-signing", issuer="dip-issuing", purpose="the DIP's message signing",
        key_sizes=(4096,), ekus=(DOCUMENT_SIGNING,), content_commitment=True, max_days=3650, **_DIP_CN,
    ),
    IssuanceProfile(
        name="dip-mtls-signing", issuer="dip-issuing", purpose="mTLS & Signing",
        key_sizes=(4096,),
        ekus=(ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.SERVER_AUTH, DOCUMENT_SIGNING),
        key_encipherment=True, content_commitment=True, **_DIP_CN,
    ),
)}
