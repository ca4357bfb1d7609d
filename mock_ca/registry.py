"""The record of every certificate the sandbox CAs issued, and of revocations, in the store."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sqlite_utils

from cryptography import x509

from mock_ca import keys
from sandbox.kernel.clock import from_unix
from sandbox.kernel.errors import Conflict, InvalidInput, NotFound
from sandbox.kernel.store import Store

REVOCATION_REASONS = {
    "unspecified": x509.ReasonFlags.unspecified,
    "keyCompromise": x509.ReasonFlags.key_compromise,
    "affiliationChanged": x509.ReasonFlags.affiliation_changed,
    "superseded": x509.ReasonFlags.superseded,
    "cessationOfOperation": x509.ReasonFlags.cessation_of_operation,
    "privilegeWithdrawn": x509.ReasonFlags.privilege_withdrawn,
}


def migrations():
    def create_tables(db):
        db["ca_authorities"].create({"name": str, "cert_pem": str, "key_pem": str, "created_at": float},
                                    pk="name")
        db["ca_certificates"].create({
            "serial": str, "issuer": str, "profile": str, "common_name": str, "not_before": float,
            "not_after": float, "cert_pem": str, "status": str, "revoked_at": float,
            "revocation_reason": str, "issued_at": float,
        }, pk="serial")
        db["ca_certificates"].create_index(["issuer", "status"])
    def revocations(db):
        # revoked certificates by the moment of revocation (the HVCA's revoked statistics)
        db.execute("create index ca_certificates_revoked on ca_certificates (revoked_at, serial) "
                   "where status = 'REVOKED'")
    return [create_tables, revocations]


@dataclass(frozen=True)
class IssuedCertificate:
    serial: str
    issuer: str
    profile: str
    common_name: str
    pem: str
    status: str
    not_before: float
    not_after: float
    issued_at: float
    revoked_at: float | None
    revocation_reason: str | None

    @property
    def serial_number(self) -> int:
        return int(self.serial, 16)

    @property
    def certificate(self) -> x509.Certificate:
        return keys.cert_from_pem(self.pem)

    @property
    def revoked(self) -> bool:
        return self.status == "REVOKED"


def _row(row: dict) -> IssuedCertificate:
    return IssuedCertificate(
        serial=row["serial"], issuer=row["issuer"], profile=row["profile"], common_name=row["common_name"],
        pem=row["cert_pem"], status=row["status"], not_before=row["not_before"], not_after=row["not_after"],
        issued_at=row["issued_at"], revoked_at=row["revoked_at"], revocation_reason=row["revocation_reason"])


class CertificateRegistry:
    def __init__(self, store: Store):
        self._store = store

    def record(self, issuer: str, profile: str, common_name: str, cert: x509.Certificate, issued_at: float,
               also: Callable[[sqlite_utils.Database, IssuedCertificate], None] | None = None) -> IssuedCertificate:
        """Keep the certificate; `also` writes the caller's own rows about it in the same transaction (both
        stand, or neither)."""
        row = {
            "serial": keys.serial_hex(cert.serial_number), "issuer": issuer, "profile": profile,
            "common_name": common_name, "not_before": cert.not_valid_before_utc.timestamp(),
            "not_after": cert.not_valid_after_utc.timestamp(), "cert_pem": keys.cert_to_pem(cert),
            "status": "ISSUED", "revoked_at": None, "revocation_reason": None, "issued_at": issued_at,
        }
        issued = _row(row)
        with self._store.transaction() as db:
            self._store.insert_many(db, "ca_certificates", [row])  # the issuance hot path
            if also is not None:
                also(db, issued)
        return issued

    def find(self, serial: int) -> IssuedCertificate | None:
        rows = self._store.query("select * from ca_certificates where serial = ?", [keys.serial_hex(serial)])
        return _row(rows[0]) if rows else None

    def revocation(self, serial_text: str) -> tuple[bool, str | None]:
        """(revoked, reason) of a certificate this registry issued; (False, None) for any other serial. Judging a
        client certificate asks this on every request: one indexed look-up of two columns."""
        rows = self._store.query("select revocation_reason from ca_certificates where serial = ? and "
                                 "status = 'REVOKED'", [serial_text])
        return (True, rows[0]["revocation_reason"]) if rows else (False, None)

    def get(self, serial_text: str) -> IssuedCertificate:
        serial = keys.parse_serial(serial_text)
        found = self.find(serial) if serial is not None else None
        if found is None:
            raise NotFound(f"no certificate with serial number {serial_text!r}", field="serial")
        return found

    def revoke(self, serial_text: str, reason: str, at: float) -> IssuedCertificate:
        if reason not in REVOCATION_REASONS:
            raise InvalidInput(f"revocation_reason must be one of {', '.join(REVOCATION_REASONS)}, "
                               f"not {reason!r}", field="revocation_reason")
        with self._store.transaction() as db:
            current = self.get(serial_text)
            if current.revoked:
                raise Conflict(f"certificate {current.serial} is already revoked "
                               f"({current.revocation_reason})", field="serial")
            db["ca_certificates"].update(current.serial, {
                "status": "REVOKED", "revoked_at": at, "revocation_reason": reason})
        return self.get(current.serial)

    def revoked_by(self, issuer: str) -> list[IssuedCertificate]:
        rows = self._store.query(
            "select * from ca_certificates where issuer = ? and status = 'REVOKED' order by revoked_at", [issuer])
        return [_row(r) for r in rows]

    def revision(self, issuer: str) -> tuple:
        """Changes whenever the issuer's revocation list changes (for caching CRLs)."""
        rows = self._store.query(
            "select count(*) as n, max(revoked_at) as last from ca_certificates "
            "where issuer = ? and status = 'REVOKED'", [issuer])
        return (rows[0]["n"], rows[0]["last"])


def revocation_time(entry: IssuedCertificate):
    return from_unix(entry.revoked_at)
