"""Building a certificate from a checked request: extensions from the profile, links to CRL and OCSP."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import AuthorityInformationAccessOID

from mock_ca.csr import CheckedRequest
from mock_ca.hierarchy import Authority
from mock_ca.profiles import IssuanceProfile


@dataclass(frozen=True)
class PublicationUrls:
    """Where the web listener publishes a CA's CRL, OCSP responder and certificate."""
    base: str

    def crl(self, ca: str) -> str:
        return f"{self.base}/pki/crl/{ca}.crl"

    def ocsp(self, ca: str) -> str:
        return f"{self.base}/pki/ocsp/{ca}"

    def issuer(self, ca: str) -> str:
        return f"{self.base}/pki/ca/{ca}.cer"


def build_certificate(authority: Authority, profile: IssuanceProfile, request: CheckedRequest, serial: int,
                      not_before: dt.datetime, not_after: dt.datetime,
                      urls: PublicationUrls | None, ekus: tuple | None = None,
                      key_usage: dict | None = None) -> x509.Certificate:
    flags = {"digital_signature": profile.digital_signature, "content_commitment": profile.content_commitment,
             "key_encipherment": profile.key_encipherment, "data_encipherment": False, "key_agreement": False,
             "key_cert_sign": False, "crl_sign": False, "encipher_only": False, "decipher_only": False,
             **(key_usage or {})}
    builder = (
        x509.CertificateBuilder()
        .subject_name(request.subject)
        .issuer_name(authority.cert.subject)
        .public_key(request.public_key)
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(**flags), critical=True)
        .add_extension(x509.ExtendedKeyUsage(list(ekus or profile.ekus)), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(request.public_key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(authority.key.public_key()),
                       critical=False)
    )
    if request.dns_names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in request.dns_names]), critical=False)
    if urls is not None:
        builder = builder.add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
            full_name=[x509.UniformResourceIdentifier(urls.crl(authority.name))],
            relative_name=None, reasons=None, crl_issuer=None)]), critical=False)
        builder = builder.add_extension(x509.AuthorityInformationAccess([
            x509.AccessDescription(AuthorityInformationAccessOID.OCSP,
                                   x509.UniformResourceIdentifier(urls.ocsp(authority.name))),
            x509.AccessDescription(AuthorityInformationAccessOID.CA_ISSUERS,
                                   x509.UniformResourceIdentifier(urls.issuer(authority.name))),
        ]), critical=False)
    return builder.sign(authority.key, hashes.SHA256())
