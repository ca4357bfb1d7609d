"""The Certificates tab, stages 1 to 4 (onboarding-journey.md B.4), per organisation and environment:

1. GlobalSign Registration — where to register; Next once the company details are verified (B.2).
2. API Credentials — API key + secret + password-less PFX: Validate (the DIP logs in to Atlas with them) →
   "Added successfully" → Save → "Onboarding status updated successfully". Update API Credentials later.
3. Domain Creation — an Atlas domain claim; the TXT record (name '@', value = token) for the DNS Admin.
4. Domain Verification — the record is confirmed added → Atlas DNS check → SUCCESS or FAIL with the reason.

Stage 5 (certificate creation) lives in dip_certificates. Each stage is refused until the one before is done.
The API secret and the PFX are kept (the DIP logs in to Atlas with them later) and never returned.
"""
from __future__ import annotations

import base64
import binascii

from mock_ca.keys import serial_hex
from mock_dip import permissions
from mock_dip.atlas_connection import AtlasConnection, atlas_call
from mock_dip.audit import Audit
from mock_dip.context import DipContext
from mock_dip.permissions import roles_of
from sandbox.kernel import form_checks as f
from sandbox.kernel.clock import iso_unix
from sandbox.kernel.dns_zones import normalise_name
from sandbox.kernel.errors import Conflict, InvalidInput, NotFound

STAGES = (("globalsign_registration", "GlobalSign Registration"), ("api_credentials", "API Credentials"),
          ("domain_creation", "Domain Creation"), ("domain_verification", "Domain Verification"),
          ("certificate_creation", "Certificate Creation"))
MAX_PFX_BYTES = 64 * 1024


class CertificateOnboarding:
    def __init__(self, ctx: DipContext, audit: Audit, connection: AtlasConnection):
        self.ctx = ctx
        self.audit = audit
        self.connection = connection

    # -- who may act ---------------------------------------------------------------------------------
    @staticmethod
    def require(actor: dict, operation: str = "certificates.manage") -> str:
        permissions.require(actor, roles_of(actor), operation)
        return actor["organisation_id"]

    def _organisation(self, organisation_id: str) -> dict:
        return self.ctx.one("select * from dip_organisations where id = ? and environment = ?",
                            [organisation_id, self.ctx.environment])

    # -- state ---------------------------------------------------------------------------------------
    def _registration(self, organisation_id: str) -> dict | None:
        return self.ctx.one("select * from dip_certificate_onboarding where environment = ? and organisation_id = ?",
                            [self.ctx.environment, organisation_id])

    def saved_credentials(self, organisation_id: str) -> dict | None:
        return self.ctx.one("select * from dip_atlas_credentials where environment = ? and organisation_id = ? and "
                            "status = 'active'", [self.ctx.environment, organisation_id])

    def _domains(self, organisation_id: str) -> list[dict]:
        return self.ctx.store.query("select * from dip_certificate_domains where environment = ? and "
                                    "organisation_id = ? order by created_at, domain",
                                    [self.ctx.environment, organisation_id])

    def verified_domains(self, organisation_id: str) -> list[str]:
        return [d["domain"] for d in self._domains(organisation_id) if d["status"] == "VERIFIED"]

    def completed_stages(self, organisation_id: str) -> list[bool]:
        domains = self._domains(organisation_id)
        issued = self.ctx.one("select count(*) as n from dip_certificates where environment = ? and "
                              "organisation_id = ? and status != 'PENDING'", [self.ctx.environment, organisation_id])
        return [self._registration(organisation_id) is not None, self.saved_credentials(organisation_id) is not None,
                bool(domains), any(d["status"] == "VERIFIED" for d in domains), issued["n"] > 0]

    def require_stage(self, organisation_id: str, number: int) -> None:
        """Refuse stage `number` (1-5) while an earlier stage is not done."""
        done = self.completed_stages(organisation_id)
        for index in range(number - 1):
            if not done[index]:
                name, title = STAGES[index]
                raise Conflict(f"complete stage {index + 1} ({title}) before stage {number} "
                               f"({STAGES[number - 1][1]}): {_NEXT_STEP[name]}", field="stage")

    def stages(self, actor: dict) -> dict:
        organisation_id = self.require(actor, "certificates.view")
        done = self.completed_stages(organisation_id)
        current = next((i + 1 for i, d in enumerate(done) if not d), len(STAGES))
        registration = self._registration(organisation_id)
        return {
            "current_stage": current,
            "stages": [{"number": i + 1, "name": name, "title": title,
                        "status": "complete" if done[i] else ("current" if i + 1 == current else "locked")}
                       for i, (name, title) in enumerate(STAGES)],
            "registration": {**self._registration_step(),
                "may_proceed": bool(self._organisation(organisation_id)["details_verified_at"]),
                "confirmed_at": iso_unix(registration and registration["registration_confirmed_at"]),
                "confirmed_by": registration and registration["registration_confirmed_by"]},
            "api_credentials": self.describe_credentials(self.saved_credentials(organisation_id)),
            "domains": [self.describe_domain(d) for d in self._domains(organisation_id)],
        }

    # -- stage 1 -------------------------------------------------------------------------------------
    def _registration_step(self) -> dict:
        """What stage 1 asks for. In Production there is no new registration or vetting (the promotion guide):
        the organisation uses its GlobalSign account again, for a new set of API credentials and a new PFX."""
        links = self.ctx.atlas.ctx.links
        if self.ctx.environment == "prod":
            return {"url": links.portal(), "link_text": "GlobalSign Atlas portal: sign in",
                    "advice": "Production needs no new GlobalSign registration and no vetting: your organisation "
                              "is registered already. In the Atlas portal, create a new set of API credentials and "
                              "a new PFX (mTLS & Signing certificate) for Production, the same steps as for UIT "
                              "(one set per environment), then click Next to upload them here."}
        return {"url": links.registration(), "link_text": "GlobalSign Services for MHHS: registration",
                "advice": "Register with GlobalSign for the MHHS programme. GlobalSign verifies the organisation "
                          "(up to 72 hours) and then gives access to the Atlas portal, where you create API "
                          "credentials and the authentication (mTLS) certificate. Do not click Next until "
                          "registration is complete."}

    def confirm_registration(self, actor: dict) -> dict:
        organisation_id = self.require(actor)
        if not self._organisation(organisation_id)["details_verified_at"]:
            raise Conflict("the organisation's company details are not verified yet: the Primary Admin verifies "
                           "them first (Market Participant Organisation)", field="stage")
        if self._registration(organisation_id) is None:
            with self.ctx.store.transaction() as db:
                db["dip_certificate_onboarding"].insert({
                    "environment": self.ctx.environment, "organisation_id": organisation_id,
                    "registration_confirmed_at": self.ctx.clock.now_unix(),
                    "registration_confirmed_by": actor["email"]})
            self.audit.record(actor["email"], "GlobalSign registration confirmed", organisation_id)
        return self.stages(actor)

    # -- stage 2 -------------------------------------------------------------------------------------
    @staticmethod
    def describe_credentials(row: dict | None) -> dict | None:
        if row is None:
            return None
        return {"api_key": row["api_key"], "status": row["status"], "atlas_account_id": row["atlas_account_id"],
                "certificate": {"serial_number": row["certificate_serial"],
                                "not_after": iso_unix(row["certificate_not_after"])},
                "validated_by": row["validated_by"], "validated_at": iso_unix(row["validated_at"]),
                "saved_at": iso_unix(row["saved_at"])}

    def validate_credentials(self, actor: dict, api_key, api_secret, pfx: bytes | str | None) -> dict:
        """Validate: open the PFX and log in to Atlas. A success is kept as a draft until Save."""
        organisation_id = self.require(actor)
        self.require_stage(organisation_id, 2)
        errors = f.FormErrors()
        for field, value in (("api_key", api_key), ("api_secret", api_secret)):
            if not isinstance(value, str) or not value.strip():
                errors.add(field, "is required (from the API credentials generated in the Atlas portal)")
        if pfx is None or pfx == b"" or pfx == "":
            errors.add("pfx", "is required: the password-less PFX of the Atlas mTLS certificate")
        errors.raise_if_any("API credentials")
        pfx_bytes = _pfx_bytes(pfx)
        login = self.connection.log_in(api_key.strip(), api_secret.strip(), pfx_bytes)
        now = self.ctx.clock.now_unix()
        row = {"id": self.ctx.random.hex(12), "environment": self.ctx.environment, "organisation_id": organisation_id,
               "api_key": api_key.strip(), "api_secret": api_secret.strip(),
               "pfx_base64": base64.b64encode(pfx_bytes).decode(),
               "certificate_serial": serial_hex(login.pfx.certificate.serial_number),
               "certificate_not_after": login.pfx.certificate.not_valid_after_utc.timestamp(),
               "atlas_account_id": login.session.account_id, "status": "validated", "validated_by": actor["email"],
               "validated_at": now, "saved_at": None}
        with self.ctx.store.transaction() as db:
            db.execute("delete from dip_atlas_credentials where environment = ? and organisation_id = ? and "
                       "status = 'validated'", [self.ctx.environment, organisation_id])
            db["dip_atlas_credentials"].insert(row)
        self.audit.record(actor["email"], "API credentials validated", organisation_id, api_key=row["api_key"])
        return {"message": "Added successfully", "api_credentials": self.describe_credentials(row),
                "next": "Save to use these credentials"}

    def save_credentials(self, actor: dict) -> dict:
        organisation_id = self.require(actor)
        self.require_stage(organisation_id, 2)
        draft = self.ctx.one("select * from dip_atlas_credentials where environment = ? and organisation_id = ? and "
                             "status = 'validated'", [self.ctx.environment, organisation_id])
        if draft is None:
            raise Conflict("there are no validated API credentials to save: upload the API key, secret and PFX and "
                           "Validate them first", field="api_credentials")
        with self.ctx.store.transaction() as db:
            db.execute("update dip_atlas_credentials set status = 'replaced' where environment = ? and "
                       "organisation_id = ? and status = 'active'", [self.ctx.environment, organisation_id])
            db["dip_atlas_credentials"].update(draft["id"], {"status": "active", "saved_at": self.ctx.clock.now_unix()})
        self.audit.record(actor["email"], "API credentials saved", organisation_id, api_key=draft["api_key"])
        return {"message": "Onboarding status updated successfully", **self.stages(actor)}

    def atlas_session(self, organisation_id: str):
        return self.connection.session(self.saved_credentials(organisation_id))

    # -- stages 3 and 4 ------------------------------------------------------------------------------
    @staticmethod
    def describe_domain(row: dict) -> dict:
        return {"domain": row["domain"] + ".", "status": row["status"], "claim_id": row["claim_id"],
                "txt_record": {"name": "@", "type": "TXT", "value": row["token"]},
                "created_at": iso_unix(row["created_at"]), "created_by": row["created_by"],
                "verified_at": iso_unix(row["verified_at"]), "last_result": row["last_result"],
                "last_reason": row["last_reason"], "last_checked_at": iso_unix(row["last_checked_at"])}

    def _domain(self, organisation_id: str, domain: str) -> dict:
        name = normalise_name(domain, "domain")
        row = self.ctx.one("select * from dip_certificate_domains where environment = ? and organisation_id = ? and "
                           "domain = ?", [self.ctx.environment, organisation_id, name])
        if row is None:
            raise NotFound(f"{name} is not a domain of this organisation's Certificates tab: create it in stage 3 "
                           "(Domain Creation)", field="domain")
        return row

    def domains(self, actor: dict) -> list[dict]:
        return [self.describe_domain(d) for d in self._domains(self.require(actor, "certificates.view"))]

    def create_domain(self, actor: dict, payload) -> dict:
        organisation_id = self.require(actor)
        self.require_stage(organisation_id, 3)
        payload = f.form(payload)
        name = normalise_name(payload.get("domain"), "domain")
        if "." not in name:
            raise InvalidInput(f"{name!r} is not a registrable domain: enter the domain used for GlobalSign "
                               "verification (e.g. example.com)", field="domain")
        if self.ctx.one("select 1 as x from dip_certificate_domains where environment = ? and organisation_id = ? "
                        "and domain = ?", [self.ctx.environment, organisation_id, name]):
            raise Conflict(f"{name} was already created: select it in Domain Verification", field="domain")
        session = self.atlas_session(organisation_id)
        with atlas_call(f"claim the domain {name}", "domain"):
            existing = [c for c in session.claims({"per_page": 1000}).items if c["domain"].rstrip(".") == name]
            # the Atlas account may already hold the claim (the other environment, or the Atlas portal): reuse it
            claim = existing[0] if existing else session.claim_domain(name)
            token = session.claim_token(claim["id"])
            status = session.claim(claim["id"])["status"]
        row = {"environment": self.ctx.environment, "organisation_id": organisation_id, "domain": name,
               "claim_id": claim["id"], "token": token, "status": "VERIFIED" if status == "VERIFIED" else "PENDING",
               "created_at": self.ctx.clock.now_unix(), "created_by": actor["email"],
               "verified_at": self.ctx.clock.now_unix() if status == "VERIFIED" else None, "last_result": None,
               "last_reason": None, "last_checked_at": None}
        with self.ctx.store.transaction() as db:
            db["dip_certificate_domains"].insert(row)
        self.audit.record(actor["email"], "domain created", organisation_id, domain=name, claim_id=claim["id"])
        return {**self.describe_domain(row),
                "instructions": "Give the DNS Admin this TXT record for the domain (name '@' is the domain itself; "
                                "the trailing '.' after the domain is normal). Leave the record in place: it is used "
                                "for renewals. Once it is added (it can take up to an hour to be visible), confirm "
                                "and submit the domain verification."}

    def verify_domain(self, actor: dict, domain: str, payload) -> dict:
        organisation_id = self.require(actor)
        self.require_stage(organisation_id, 4)
        payload = f.form(payload)
        row = self._domain(organisation_id, domain)
        if payload.get("record_added") is not True:
            raise InvalidInput("tick the box to confirm the DNS Admin has added the TXT record, then submit "
                               "(record_added: true)", field="record_added")
        session = self.atlas_session(organisation_id)
        with atlas_call(f"check the DNS record of {row['domain']}", "domain"):
            outcome = session.dns_check(row["claim_id"])
            claim = session.claim(row["claim_id"])
        now = self.ctx.clock.now_unix()
        if outcome == "verified" or claim["status"] == "VERIFIED":
            changes = {"status": "VERIFIED", "verified_at": row["verified_at"] or now, "last_result": "SUCCESS",
                       "last_reason": None, "last_checked_at": now}
        else:
            errors = [e for e in claim["log"] if e["status"] == "ERROR"]
            reason = errors[-1]["description"] if errors else "the TXT record was not found"
            changes = {"last_result": "FAIL", "last_reason": reason, "last_checked_at": now}
        with self.ctx.store.transaction() as db:
            db["dip_certificate_domains"].update((self.ctx.environment, organisation_id, row["domain"]), changes)
        self.audit.record(actor["email"], "domain verification submitted", organisation_id, domain=row["domain"],
                          result=changes["last_result"])
        row = {**row, **changes}
        answer = {"result": changes["last_result"], **self.describe_domain(row)}
        answer["message"] = ("Domain Validation Successful. The DNS entry should not be removed as it is used for "
                             "renewals." if answer["result"] == "SUCCESS" else
                             f"Domain verification failed: {changes['last_reason']}. Fix the record and submit again.")
        return answer


_NEXT_STEP = {
    "globalsign_registration": "register with GlobalSign, then press Next",
    "api_credentials": "upload the Atlas API key, secret and PFX, Validate and Save them",
    "domain_creation": "enter the domain used for GlobalSign verification",
    "domain_verification": "have the TXT record added to the DNS and submit the domain verification",
    "certificate_creation": "create a certificate",
}


def _pfx_bytes(pfx: bytes | str) -> bytes:
    """The PFX as uploaded (multipart file) or as base64 text (JSON clients)."""
    if isinstance(pfx, bytes):
        data = pfx
    else:
        try:
            data = base64.b64decode(pfx, validate=True)
        except (binascii.Error, ValueError):
            if "-----BEGIN" in pfx:
                data = pfx.encode()  # read_pfx explains that a PEM file is not a PFX
            else:
                raise InvalidInput("pfx in a JSON body is the PFX file in base64; or upload the file as "
                                   "multipart/form-data", field="pfx") from None
    if len(data) > MAX_PFX_BYTES:
        raise InvalidInput(f"the PFX is {len(data)} bytes; a PFX of one certificate and its key is a few KB "
                           f"(at most {MAX_PFX_BYTES})", field="pfx")
    return data

