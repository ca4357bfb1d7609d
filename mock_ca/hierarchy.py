"""The sandbox's certificate authorities: what they are, and how they are made, kept and exported.

- `tls-root`: the sandbox TLS root; signs the listeners' server certificates.
- `atlas-client-ca`: signs the Atlas API client (mTLS) certificates.
- `dip-root` -> `dip-issuing`: the MHHS DIP hierarchy; the issuing CA signs participants' mTLS and
  signing certificates and the DIP's own.
Every name says SANDBOX. Created on first start and kept in the store; `--ca-dir` imports (or, when
empty, creates and writes) the same material as `<name>.pem` + `<name>.key` files so CI can pin it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from mock_ca import keys
from sandbox.kernel.private_files import private_directory, write_private

ORGANISATION = "dip-sandbox (SANDBOX - NOT FOR PRODUCTION)"


@dataclass(frozen=True)
class AuthorityDefinition:
    name: str
    common_name: str
    parent: str | None
    path_length: int | None
    key_bits: int = 4096
    years: int = 20


DEFINITIONS: tuple[AuthorityDefinition, ...] = (
    AuthorityDefinition("tls-root", "dip-sandbox TLS Root CA - SANDBOX", None, 0),
    AuthorityDefinition("atlas-client-ca", "dip-sandbox Atlas Client CA - SANDBOX", None, 0),
    AuthorityDefinition("dip-root", "dip-sandbox MHHS DIP Root CA - SANDBOX", None, 1),
    AuthorityDefinition("dip-issuing", "dip-sandbox MHHS DIP Issuing CA - SANDBOX", "dip-root", 0, years=15),
)
BY_NAME = {d.name: d for d in DEFINITIONS}


@dataclass
class Authority:
    definition: AuthorityDefinition
    cert: x509.Certificate
    key: object

    @property
    def name(self) -> str:
        return self.definition.name

    @property
    def is_root(self) -> bool:
        return self.definition.parent is None

    @property
    def pem(self) -> str:
        return keys.cert_to_pem(self.cert)

    @cached_property
    def der(self) -> bytes:
        return self.cert.public_bytes(Encoding.DER)


def ca_name(definition: AuthorityDefinition) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "GB"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
        x509.NameAttribute(NameOID.COMMON_NAME, definition.common_name),
    ])


def create_authority(definition: AuthorityDefinition, parent: Authority | None, serial: int,
                     not_before: dt.datetime) -> Authority:
    key = keys.new_rsa_key(definition.key_bits)
    subject = ca_name(definition)
    issuer_name = parent.cert.subject if parent else subject
    signing_key = parent.key if parent else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_before + dt.timedelta(days=365 * definition.years))
        .add_extension(x509.BasicConstraints(ca=True, path_length=definition.path_length), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if parent:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(parent.key.public_key()), critical=False)
    cert = builder.sign(signing_key, hashes.SHA256())
    return Authority(definition, cert, key)


def read_authority_files(directory: Path, definition: AuthorityDefinition) -> Authority | None:
    cert_file, key_file = directory / f"{definition.name}.pem", directory / f"{definition.name}.key"
    if not (cert_file.exists() and key_file.exists()):
        return None
    cert = keys.cert_from_pem(cert_file.read_bytes())
    key = keys.key_from_pem(key_file.read_bytes())
    if cert.public_key().public_numbers() != key.public_key().public_numbers():
        raise ValueError(f"{key_file} is not the key of {cert_file}")
    return Authority(definition, cert, key)


def write_authority_files(directory: Path, authority: Authority, with_key: bool = True) -> None:
    private_directory(directory)
    write_private(directory / f"{authority.name}.pem", authority.pem)
    if with_key:
        write_private(directory / f"{authority.name}.key", keys.key_to_pem(authority.key))
