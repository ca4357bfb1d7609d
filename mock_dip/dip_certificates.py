"""The Certificates tab, stage 5 and the certificate lists: DIP certificates issued through Atlas with the
participant's own credentials.

Create: host name + a verified domain (`<host>.<domain>`, the DN&H, at most 35 characters) + purpose → the
Subject Name `energydip-<nonprod|prod>.<host>.<domain>` → a pasted CSR, checked here (RSA 4096, CN = SN, SANs =
DN&H and SN, valid signature; each failure named) → an HVCA certificate request → ISSUED (PENDING while Atlas
answers 202; fetched again whenever the list is read). Download (.cer and chain), Revoke with a reason (through
Atlas: the CRL and OCSP show it), Reissue (a new CSR for the same SN, an HVCA rekey; the previous certificate is
revoked as `superseded` once the new one is issued). EXPIRED follows the sandbox clock.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from mock_atlas.certificate_orders import InProgress
from mock_ca.csr import check_key, common_name, csr_dns_names, load_csr
from mock_ca.errors import CsrProblem
from mock_ca.keys import parse_serial, serial_hex
from mock_ca.profiles import DOCUMENT_SIGNING, PROFILES
from mock_dip.atlas_connection import AtlasRefused, atlas_call
from mock_dip.audit import Audit
from mock_dip.certificate_onboarding import CertificateOnboarding
from sandbox.kernel.clock import iso_unix
from mock_dip.context import DipContext
from sandbox.kernel import form_checks as f
from sandbox.kernel.dns_zones import normalise_name
from sandbox.kernel.errors import Conflict, InvalidInput, NotFound

MAX_HOST_AND_DOMAIN = 35
_HOST = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")


@dataclass(frozen=True)
class Purpose:
    label: str
    profile: str
    ekus: tuple[str, ...]

    @property
    def mtls(self) -> bool:
        return ExtendedKeyUsageOID.CLIENT_AUTH.dotted_string in self.ekus

    @property
    def signing(self) -> bool:
        return DOCUMENT_SIGNING.dotted_string in self.ekus


_MTLS = (ExtendedKeyUsageOID.CLIENT_AUTH.dotted_string, ExtendedKeyUsageOID.SERVER_AUTH.dotted_string)
PURPOSES = {
    "mtls": Purpose("mTLS", "dip-mtls", _MTLS),
    "signing": Purpose("Signing", "dip-signing", (DOCUMENT_SIGNING.dotted_string,)),
    "mtlssigning": Purpose("mTLS & Signing", "dip-mtls-signing", (*_MTLS, DOCUMENT_SIGNING.dotted_string)),
}


def purpose_of(value) -> Purpose:
    key = re.sub(r"[\s_\-&+]|and", "", str(value or "").lower())
    if key not in PURPOSES:
        raise InvalidInput(f"purpose is one of {', '.join(p.label for p in PURPOSES.values())}, not {value!r} "
                           "(mTLS for DCPs, Signing for Market Participants that do not connect, both for those "
                           "that do)", field="purpose")
    return PURPOSES[key]


def purpose_by_label(label: str) -> Purpose:
    return next(p for p in PURPOSES.values() if p.label == label)


@dataclass(frozen=True)
class SubjectName:
    host_name: str
    domain: str
    purpose: Purpose
    subject_name: str

    @property
    def dn_and_h(self) -> str:
        return f"{self.host_name}.{self.domain}"

    def describe(self) -> dict:
        return {"host_name": self.host_name, "domain": self.domain, "purpose": self.purpose.label,
                "subject_name": self.subject_name, "dn_and_h": self.dn_and_h,
                "csr_command": f'openssl req -new -newkey rsa:4096 -nodes -keyout mtlscert.key -out mtlscert.csr '
                               f'-subj "/CN={self.subject_name}" -addext "subjectAltName = DNS:{self.dn_and_h}, '
                               f'DNS:{self.subject_name}"'}


class DipCertificates:
    def __init__(self, ctx: DipContext, audit: Audit, onboarding: CertificateOnboarding):
        self.ctx = ctx
        self.audit = audit
        self.onboarding = onboarding

    # -- the Create Certificate form ---------------------------------------------------------------
    def _subject(self, organisation_id: str, payload: dict) -> SubjectName:
        errors = f.FormErrors()
        host = str(payload.get("host_name") or "").strip().lower().rstrip(".")
        if not host:
            errors.add("host_name", "is required (e.g. 2059 or api)")
        elif not _HOST.match(host):
            errors.add("host_name", f"{host!r} is not a host name: letters, digits and hyphens (dots between labels), "
                                    "no spaces")
        domain = None
        try:
            domain = normalise_name(payload.get("domain"), "domain")
        except InvalidInput as problem:
            errors.add("domain", problem.message)
        verified = self.onboarding.verified_domains(organisation_id)
        if domain and domain not in verified:
            errors.add("domain", f"{domain} is not a verified domain of this organisation; choose one of "
                                 f"{', '.join(verified) or '(none yet: complete Domain Verification)'}")
        purpose = None
        try:
            purpose = purpose_of(payload.get("purpose"))
        except InvalidInput as problem:
            errors.add("purpose", problem.message)
        if host and domain and len(f"{host}.{domain}") > MAX_HOST_AND_DOMAIN:
            errors.add("host_name", f"the host name and domain together ({host}.{domain}) are "
                                    f"{len(host) + 1 + len(domain)} characters; at most {MAX_HOST_AND_DOMAIN}")
        errors.raise_if_any("certificate form")
        return SubjectName(host, domain, purpose, f"{self.ctx.certificate_prefix}.{host}.{domain}")

    def subject_name(self, actor: dict, payload) -> dict:
        organisation_id = self.onboarding.require(actor)
        self.onboarding.require_stage(organisation_id, 5)
        return self._subject(organisation_id, f.form(payload)).describe()

    @staticmethod
    def check_csr(subject: SubjectName, text) -> x509.CertificateSigningRequest:
        """The DIP's checks of the pasted CSR, one named failure each (code and message)."""
        if not isinstance(text, str):
            raise CsrProblem("csr is required: paste the CSR text, from -----BEGIN CERTIFICATE REQUEST----- to "
                             "-----END CERTIFICATE REQUEST-----", code="csr_empty")
        csr = load_csr(text)
        check_key(PROFILES[subject.purpose.profile], csr)
        command = subject.describe()["csr_command"]
        cn = common_name(csr.subject)
        if (cn or "").lower() != subject.subject_name:
            raise CsrProblem(f"the CSR's common name is {cn!r}; it must be the Subject Name "
                             f"{subject.subject_name!r}: make the CSR with {command}", code="csr_cn_mismatch")
        names = sorted(n.lower() for n in csr_dns_names(csr))
        wanted = sorted({subject.dn_and_h, subject.subject_name})
        if names != wanted:
            raise CsrProblem(f"the CSR's subjectAltName holds {', '.join('DNS:' + n for n in names) or 'nothing'}; "
                             f"it must hold exactly DNS:{subject.dn_and_h} and DNS:{subject.subject_name}: make the "
                             f"CSR with {command}", code="csr_san_mismatch")
        return csr

    # -- issuing -------------------------------------------------------------------------------------
    def _order(self, subject: SubjectName, csr_text: str) -> dict:
        return {"validity": {"not_before": int(self.ctx.clock.now_unix()), "not_after": 0},
                "subject_dn": {"common_name": subject.subject_name},
                "san": {"dns_names": [subject.dn_and_h, subject.subject_name]},
                "extended_key_usages": list(subject.purpose.ekus), "public_key": csr_text}

    def _fetch(self, session, serial: str) -> dict | None:
        """The certificate's PEM and dates from Atlas, or None while Atlas answers 202."""
        try:
            with atlas_call(f"return certificate {serial}"):
                answer = session.certificate(serial)
        except InProgress:
            return None
        cert = x509.load_pem_x509_certificate(answer["certificate"].encode())
        return {"status": "ISSUED", "certificate_pem": answer["certificate"],
                "not_before": cert.not_valid_before_utc.timestamp(), "not_after": cert.not_valid_after_utc.timestamp()}

    def _record(self, created_by: str, organisation_id: str, subject: SubjectName, serial: str, issued: dict | None,
                reissue_of: str | None = None) -> dict:
        credentials = self.onboarding.saved_credentials(organisation_id)
        row = {"environment": self.ctx.environment, "serial": serial, "organisation_id": organisation_id,
               "common_name": subject.subject_name, "host_name": subject.host_name, "domain": subject.domain,
               "purpose": subject.purpose.label, "status": "PENDING", "created_at": self.ctx.clock.now_unix(),
               "created_by": created_by, "not_before": None, "not_after": None, "certificate_pem": None,
               "credentials_id": credentials and credentials["id"], "reissue_of": reissue_of, "superseded_by": None,
               "revoked_at": None, "revocation_reason": None, **(issued or {})}
        with self.ctx.store.transaction() as db:
            db["dip_certificates"].insert(row)
        return row

    def record_issued(self, organisation_id: str, subject: SubjectName, certificate_pem: str, created_by: str) -> dict:
        """A certificate the sandbox issued itself for an organisation made in one call (control API)."""
        cert = x509.load_pem_x509_certificate(certificate_pem.encode())
        issued = {"status": "ISSUED", "certificate_pem": certificate_pem,
                  "not_before": cert.not_valid_before_utc.timestamp(), "not_after": cert.not_valid_after_utc.timestamp()}
        return self.describe(self._record(created_by, organisation_id, subject, serial_hex(cert.serial_number), issued))

    def create(self, actor: dict, payload) -> dict:
        organisation_id = self.onboarding.require(actor)
        self.onboarding.require_stage(organisation_id, 5)
        payload = f.form(payload)
        subject = self._subject(organisation_id, payload)
        csr_text = payload.get("csr")
        self.check_csr(subject, csr_text)
        session = self.onboarding.atlas_session(organisation_id)
        with atlas_call(f"issue the certificate {subject.subject_name}", "csr"):
            serial = session.request_certificate(self._order(subject, csr_text.strip() + "\n"))
        row = self._record(actor["email"], organisation_id, subject, serial, self._fetch(session, serial))
        self.audit.record(actor["email"], "certificate created", organisation_id, serial=serial,
                          common_name=subject.subject_name, purpose=subject.purpose.label)
        return self.describe(row)

    # -- lists ---------------------------------------------------------------------------------------
    def display_status(self, row: dict) -> str:
        if row["status"] == "ISSUED" and row["not_after"] and row["not_after"] <= self.ctx.clock.now_unix():
            return "EXPIRED"
        return row["status"]

    def describe(self, row: dict) -> dict:
        return {"serial_number": row["serial"], "status": self.display_status(row),
                "created_at": iso_unix(row["created_at"]), "expires_at": iso_unix(row["not_after"]),
                "not_before": iso_unix(row["not_before"]), "created_by": row["created_by"],
                "common_name": row["common_name"], "dn_and_h": f"{row['host_name']}.{row['domain']}",
                "type": row["purpose"], "reissue_of": row["reissue_of"], "superseded_by": row["superseded_by"],
                "revoked_at": iso_unix(row["revoked_at"]), "revocation_reason": row["revocation_reason"]}

    def _rows(self, organisation_id: str) -> list[dict]:
        return self.ctx.store.query("select * from dip_certificates where environment = ? and organisation_id = ? "
                                    "order by created_at desc, serial", [self.ctx.environment, organisation_id])

    def _refresh_pending(self, organisation_id: str) -> None:
        pending = [r for r in self._rows(organisation_id) if r["status"] == "PENDING"]
        if not pending:
            return
        try:
            session = self.onboarding.atlas_session(organisation_id)
            for row in pending:
                issued = self._fetch(session, row["serial"])
                if issued is not None:
                    with self.ctx.store.transaction() as db:
                        db["dip_certificates"].update((self.ctx.environment, row["serial"]), issued)
                    if row["reissue_of"]:
                        self._supersede(session, row["reissue_of"], row["serial"])
        except (AtlasRefused, Conflict):
            return  # the credentials stopped working: the certificates stay PENDING until they are updated

    def list(self, actor: dict) -> dict:
        organisation_id = self.onboarding.require(actor, "certificates.view")
        self._refresh_pending(organisation_id)
        described = [self.describe(r) for r in self._rows(organisation_id)]
        return {"active": [d for d in described if d["status"] in ("ISSUED", "PENDING")],
                "history": [d for d in described if d["status"] not in ("ISSUED", "PENDING")]}

    def _own(self, organisation_id: str, serial_text: str) -> dict:
        serial = parse_serial(str(serial_text))
        row = serial is not None and self.ctx.one(
            "select * from dip_certificates where environment = ? and serial = ? and organisation_id = ?",
            [self.ctx.environment, serial_hex(serial), organisation_id])
        if not row:
            raise NotFound(f"no certificate {serial_text} in this organisation's {self.ctx.environment_name} "
                           "certificates", field="serial")
        return row

    def get(self, actor: dict, serial: str) -> dict:
        organisation_id = self.onboarding.require(actor, "certificates.view")
        self._refresh_pending(organisation_id)
        return self.describe(self._own(organisation_id, serial))

    def find(self, serial: str) -> dict | None:
        """The DIP certificate of this environment with this serial (any organisation), for the API listener."""
        return self.ctx.one("select * from dip_certificates where environment = ? and serial = ?",
                            [self.ctx.environment, serial])

    # -- download ------------------------------------------------------------------------------------
    def download(self, actor: dict, serial: str, chain: bool = False) -> tuple[str, str]:
        """(file name, PEM): the certificate (`<common name>.cer`) or its chain (issuing CA, then root)."""
        organisation_id = self.onboarding.require(actor)
        self._refresh_pending(organisation_id)
        row = self._own(organisation_id, serial)
        if not row["certificate_pem"]:
            raise Conflict(f"certificate {row['serial']} is not issued yet (GlobalSign is still processing it): "
                           "try again shortly", field="serial")
        if chain:
            return f"{row['common_name']}-chain.pem", "".join(a.pem for a in self.ctx.cas.chain("dip-issuing"))
        return f"{row['common_name']}.cer", row["certificate_pem"]

    # -- revoke and reissue --------------------------------------------------------------------------
    def revoke(self, actor: dict, serial: str, payload) -> dict:
        organisation_id = self.onboarding.require(actor)
        payload = f.form(payload)
        row = self._own(organisation_id, serial)
        if row["status"] in ("REVOKED", "SUPERSEDED"):
            raise Conflict(f"certificate {row['serial']} is already revoked", field="serial")
        reason = payload.get("reason", payload.get("revocation_reason"))
        if not isinstance(reason, str) or not reason:
            raise InvalidInput("reason is required: unspecified, keyCompromise, affiliationChanged, superseded or "
                               "cessationOfOperation", field="reason")
        return self._revoke(row, reason, actor["email"])

    def revoke_now(self, serial: str, reason: str, by: str = "control API") -> dict:
        """Revoke any certificate of this environment's organisations in one call (control API, CLI, harness, the
        console's What goes wrong), as its Certificate Admin's Revoke would."""
        row = self.ctx.one("select * from dip_certificates where environment = ? and upper(serial) = upper(?)",
                           [self.ctx.environment, str(serial).strip()])
        if row is None:
            raise NotFound(f"no DIP certificate {serial} in {self.ctx.environment_name}", field="serial")
        if row["status"] in ("REVOKED", "SUPERSEDED"):
            raise Conflict(f"certificate {row['serial']} is already revoked", field="serial")
        return self._revoke(row, reason, by)

    def _revoke(self, row: dict, reason: str, by: str) -> dict:
        """At GlobalSign through the organisation's Atlas credentials when Atlas issued it; at the DIP CA directly
        when the sandbox issued it in one call (no Atlas order exists for it)."""
        if row["credentials_id"]:
            session = self.onboarding.atlas_session(row["organisation_id"])
            with atlas_call(f"revoke certificate {row['serial']}", "reason"):
                session.revoke(row["serial"], reason)
        else:
            self.ctx.cas.registry.revoke(row["serial"], reason, self.ctx.clock.now_unix())
        changes = {"status": "REVOKED", "revoked_at": self.ctx.clock.now_unix(), "revocation_reason": reason}
        with self.ctx.store.transaction() as db:
            db["dip_certificates"].update((self.ctx.environment, row["serial"]), changes)
        self.audit.record(by, "certificate revoked", row["organisation_id"], serial=row["serial"], reason=reason)
        return self.describe({**row, **changes})

    def reissue(self, actor: dict, serial: str, payload) -> dict:
        organisation_id = self.onboarding.require(actor)
        payload = f.form(payload)
        row = self._own(organisation_id, serial)
        if row["status"] in ("REVOKED", "SUPERSEDED", "PENDING"):
            raise Conflict(f"certificate {row['serial']} is {row['status']}: only an issued (or expired) certificate "
                           "can be reissued; create a new one instead", field="serial")
        subject = SubjectName(row["host_name"], row["domain"], purpose_by_label(row["purpose"]), row["common_name"])
        csr_text = payload.get("csr")
        self.check_csr(subject, csr_text)
        session = self.onboarding.atlas_session(organisation_id)
        with atlas_call(f"reissue certificate {row['serial']}", "csr"):
            new_serial = session.rekey(row["serial"], {"public_key": csr_text.strip() + "\n"})
        issued = self._fetch(session, new_serial)
        new_row = self._record(actor["email"], organisation_id, subject, new_serial, issued, reissue_of=row["serial"])
        if issued is not None:
            self._supersede(session, row["serial"], new_serial)
        self.audit.record(actor["email"], "certificate reissued", organisation_id, serial=new_serial,
                          previous=row["serial"])
        return self.describe(new_row)

    def _supersede(self, session, serial: str, new_serial: str) -> None:
        row = self.ctx.one("select * from dip_certificates where environment = ? and serial = ?",
                           [self.ctx.environment, serial])
        if row["status"] in ("REVOKED", "SUPERSEDED"):
            return
        with atlas_call(f"revoke the superseded certificate {serial}"):
            session.revoke(serial, "superseded")
        with self.ctx.store.transaction() as db:
            db["dip_certificates"].update((self.ctx.environment, serial), {
                "status": "SUPERSEDED", "superseded_by": new_serial, "revoked_at": self.ctx.clock.now_unix(),
                "revocation_reason": "superseded"})
