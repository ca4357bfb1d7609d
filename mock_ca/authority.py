"""The certificate authorities of one sandbox: what the rest of the sandbox calls."""
from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path
from typing import Callable

import sqlite_utils

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from mock_ca import client_certificates, keys, revocation_lists
from mock_ca.csr import check_request, common_name, load_csr
from mock_ca.errors import CsrProblem
from mock_ca.key_source import KeySource
from mock_ca.hierarchy import (DEFINITIONS, ORGANISATION, Authority, create_authority, read_authority_files,
                               write_authority_files)
from mock_ca.issuance import PublicationUrls, build_certificate
from mock_ca.profiles import PROFILES
from mock_ca.registry import CertificateRegistry, IssuedCertificate
from sandbox.kernel.clock import SandboxClock, real_now
from sandbox.kernel.errors import InvalidInput, NotFound
from sandbox.kernel.ids import RandomSource
from sandbox.kernel.store import Store
from sandbox.kernel.private_files import write_private

SERVER_CERT_YEARS = 3


class CertificateAuthorities:
    def __init__(self, store: Store, clock: SandboxClock, random: RandomSource, material_dir: Path,
                 import_dir: Path | None = None, key_dir: Path | None = None):
        self._store = store
        self._clock = clock
        self._random = random
        self.material_dir = Path(material_dir)
        self._import_dir = Path(import_dir) if import_dir else None
        self.registry = CertificateRegistry(store)
        self.keys = KeySource(key_dir)  # participants' keys (scenarios take them from files)
        self.urls: PublicationUrls | None = None
        self._crl_cache: dict[str, tuple[tuple, bytes]] = {}
        self._crl_lock = store.lock  # one lock order everywhere: the store's lock first
        self._authorities: dict[str, Authority] = {}
        self._load_or_create()
        store.on_replaced(self._load_or_create)

    # -- the hierarchy ---------------------------------------------------------------------------
    def _load_or_create(self, allow_import: bool = True) -> None:
        rows = {r["name"]: r for r in self._store.query("select * from ca_authorities")}
        authorities: dict[str, Authority] = {}
        created = False
        for definition in DEFINITIONS:
            row = rows.get(definition.name)
            if row:
                authority = Authority(definition, keys.cert_from_pem(row["cert_pem"]), keys.key_from_pem(row["key_pem"]))
            else:
                authority = self._import_or_create(definition, authorities.get(definition.parent or ""),
                                                   allow_import)
                with self._store.transaction() as db:
                    db["ca_authorities"].insert({
                        "name": definition.name, "cert_pem": authority.pem,
                        "key_pem": keys.key_to_pem(authority.key), "created_at": self._clock.now_unix()})
                created = True
            authorities[definition.name] = authority
        self._authorities = authorities
        self._crl_cache.clear()
        self._export(created)

    def regenerate(self, keep: tuple[str, ...] = ()) -> None:
        """New keys and certificates for every CA but `keep` (never from or into --ca-dir)."""
        with self._store.transaction() as db:
            for definition in DEFINITIONS:
                if definition.name in keep:
                    continue
                db.execute("delete from ca_authorities where name = ?", [definition.name])
        self._load_or_create(allow_import=False)

    def _import_or_create(self, definition, parent: Authority | None, allow_import: bool = True) -> Authority:
        if allow_import and self._import_dir is not None:
            imported = read_authority_files(self._import_dir, definition)
            if imported is not None:
                return imported
        start = min(self._clock.now(), real_now()) - dt.timedelta(days=1)
        authority = create_authority(definition, parent, self._random.serial_number(), start)
        if allow_import and self._import_dir is not None:
            write_authority_files(self._import_dir, authority)
        return authority

    def _export(self, force: bool) -> None:
        directory = self.material_dir
        if not force and self.bundle_path.exists():
            return
        for authority in self._authorities.values():
            write_authority_files(directory, authority, with_key=False)
        write_private(self.bundle_path, "".join(a.pem for a in self.roots()))
        write_private(directory / "intermediates.pem", "".join(a.pem for a in self.intermediates()))

    @property
    def bundle_path(self) -> Path:
        return self.material_dir / "ca-bundle.pem"

    def authority(self, name: str) -> Authority:
        try:
            return self._authorities[name]
        except KeyError:
            raise NotFound(f"no CA named {name!r}; the sandbox CAs are {', '.join(self._authorities)}") from None

    def authorities(self) -> list[Authority]:
        return list(self._authorities.values())

    def roots(self) -> list[Authority]:
        return [a for a in self._authorities.values() if a.is_root]

    def intermediates(self) -> list[Authority]:
        return [a for a in self._authorities.values() if not a.is_root]

    def chain(self, name: str) -> list[Authority]:
        """The CA and its parents: issuing CA first, root last."""
        out = [self.authority(name)]
        while out[-1].definition.parent:
            out.append(self.authority(out[-1].definition.parent))
        return out

    # -- issuing ---------------------------------------------------------------------------------
    def issue(self, profile_name: str, csr: str | bytes | x509.CertificateSigningRequest, *,
              subject: x509.Name | None = None,
              dns_names: tuple[str, ...] | None = None, not_before: dt.datetime | None = None,
              validity_days: float | None = None, not_after: dt.datetime | None = None,
              ekus: tuple | None = None, key_usage: dict | None = None,
              also: Callable[[sqlite_utils.Database, IssuedCertificate], None] | None = None) -> IssuedCertificate:
        """Issue under a named profile from a CSR; subject, SANs and EKUs (a subset of the profile's) from the
        CSR and the profile unless given; validity `validity_days` or until `not_after`; `key_usage` overrides
        the profile's KeyUsage flags (cryptography's names); `also` writes the caller's rows about the new
        certificate in the transaction that records it."""
        try:
            profile = PROFILES[profile_name]
        except KeyError:
            raise InvalidInput(f"no issuance profile {profile_name!r}; known: {', '.join(PROFILES)}",
                               field="profile") from None
        request = check_request(profile, load_csr(csr), subject, dns_names)
        authority = self.authority(profile.issuer)
        start = not_before or self._clock.now()
        if not_after is not None:
            days = (not_after - start).total_seconds() / 86400
        else:
            days = profile.default_days if validity_days is None else validity_days
        if not 0 < days <= profile.max_days:
            raise CsrProblem(f"validity must be more than 0 and at most {profile.max_days} days, not {days:g}",
                             field="validity", code="validity")
        if ekus is not None and (not ekus or not set(ekus) <= set(profile.ekus)):
            raise CsrProblem(f"the extended key usages of {profile.purpose} certificates are among "
                             f"{', '.join(e.dotted_string for e in profile.ekus)}", field="extended_key_usages",
                             code="ekus")
        end = min(start + dt.timedelta(days=days), authority.cert.not_valid_after_utc)
        cert = build_certificate(authority, profile, request, self._random.serial_number(), start, end, self.urls,
                                 tuple(ekus) if ekus else profile.ekus, key_usage)
        return self.registry.record(authority.name, profile.name, common_name(request.subject) or "", cert,
                                    self._clock.now_unix(), also)

    def certificate(self, serial: str) -> IssuedCertificate:
        return self.registry.get(serial)

    def revoke(self, serial: str, reason: str = "unspecified", at: dt.datetime | None = None) -> IssuedCertificate:
        moment = (at or self._clock.now()).timestamp()
        return self.registry.revoke(serial, reason, moment)

    # -- publishing ------------------------------------------------------------------------------
    def crl(self, name: str) -> bytes:
        authority = self.authority(name)
        revision = self.registry.revision(name)
        with self._crl_lock:
            cached = self._crl_cache.get(name)
            if cached and cached[0] == revision:
                return cached[1]
            number = int(self._clock.now_unix() * 1000)
            window = revocation_lists.publication_window(self._clock.now(), real_now())
            der = revocation_lists.build_crl(authority, self.registry, number, window)
            self._crl_cache[name] = (revision, der)
            return der

    def ocsp(self, request_der: bytes) -> bytes:
        window = revocation_lists.publication_window(self._clock.now(), real_now())
        return revocation_lists.ocsp_response(request_der, self.authorities(), self.registry, window)

    # -- client certificates ---------------------------------------------------------------------
    def judge_client(self, chain_der: list[bytes], accepted: list[str], listener: str):
        return client_certificates.judge(chain_der, [self.authority(n) for n in accepted], self.authorities(),
                                         self.registry, self._clock.now(), listener)

    # -- the listeners' own certificate ----------------------------------------------------------
    def server_certificate(self, names: list[str]) -> tuple[str, str]:
        """(certificate PEM, key PEM) for the HTTPS listeners, valid for years around *real* time
        (clients check it with their own clock); reused while the names match and it is not near expiry."""
        wanted = sorted(set(["localhost", "127.0.0.1", "::1", *names]))
        saved = self._store.get_meta("tls_server_certificate")
        if saved and saved["names"] == wanted:
            cert = keys.cert_from_pem(saved["cert_pem"])
            if cert.not_valid_after_utc - real_now() > dt.timedelta(days=180) and cert.issuer == \
                    self.authority("tls-root").cert.subject:
                return saved["cert_pem"], saved["key_pem"]
        pair = self.new_server_certificate(wanted)
        self._store.set_meta("tls_server_certificate", {"names": wanted, "cert_pem": pair[0], "key_pem": pair[1]})
        return pair

    def new_server_certificate(self, names: list[str]) -> tuple[str, str]:
        """(certificate PEM, key PEM) of a new server certificate from the sandbox TLS root for `names`, valid for
        years around real time (the listeners' own, or a test's webhook receiver)."""
        wanted = list(names)
        key = ec.generate_private_key(ec.SECP256R1())
        root = self.authority("tls-root")
        alt_names: list[x509.GeneralName] = []
        for name in wanted:
            try:
                alt_names.append(x509.IPAddress(ipaddress.ip_address(name)))
            except ValueError:
                alt_names.append(x509.DNSName(name))
        start = real_now() - dt.timedelta(days=1)
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
                                     x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(root.cert.subject)
            .public_key(key.public_key())
            .serial_number(self._random.serial_number())
            .not_valid_before(start)
            .not_valid_after(start + dt.timedelta(days=365 * SERVER_CERT_YEARS))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root.key.public_key()), critical=False)
            .sign(root.key, hashes.SHA256())
        )
        return keys.cert_to_pem(cert), keys.key_to_pem(key)
