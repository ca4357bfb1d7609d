"""Organisations of one environment: the DIP Manager invites a Market Participant (company name and number,
Primary Admin), whose Primary Admin receives the invitation email."""
from __future__ import annotations

import re

from mock_dip import permissions
from mock_dip.audit import Audit
from mock_dip.context import DipContext
from mock_dip.identity import Identity
from sandbox.kernel import form_checks as f
from sandbox.kernel.clock import from_unix, iso
from sandbox.kernel.dns_zones import normalise_name
from sandbox.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound

PRIMARY_ADMIN_ROLES = ["MP User Admin"]
_COMPANY_NUMBER = re.compile(r"^[A-Z0-9]{8}$")


class Organisations:
    def __init__(self, ctx: DipContext, identity: Identity, audit: Audit):
        self.ctx = ctx
        self.identity = identity
        self.audit = audit

    def create(self, company_name: str, *, status: str, company_number: str | None = None,
               description: str | None = None, kind: str = "participant", dcp_status: str = "none",
               domains: tuple[str, ...] | list[str] = (), verified: bool = False,
               organisation_id: str | None = None) -> str:
        """The one writer of an organisation (and of its whitelisted email domains): an invitation, a demo
        organisation, one onboarded in one call, a central service. Returns its id (ORG-… unless given)."""
        ctx = self.ctx
        organisation_id = organisation_id or "ORG-" + ctx.random.hex(4, upper=True)
        now = ctx.clock.now_unix()
        with ctx.store.transaction() as db:
            db["dip_organisations"].insert({
                "id": organisation_id, "environment": ctx.environment, "company_name": company_name,
                "company_number": company_number, "kind": kind, "status": status, "description": description,
                "dcp_status": dcp_status, "created_at": now, "details_verified_at": now if verified else None})
            for domain in domains:
                db["dip_whitelisted_domains"].insert({"organisation_id": organisation_id, "domain": domain.lower(),
                                                      "created_at": now})
        return organisation_id

    @staticmethod
    def describe(row: dict) -> dict:
        return {"id": row["id"], "environment": row["environment"], "company_name": row["company_name"],
                "company_number": row["company_number"], "kind": row["kind"], "status": row["status"],
                "description": row["description"], "dcp_status": row["dcp_status"],
                "details_verified": bool(row.get("details_verified_at")),
                "created_at": iso(from_unix(row["created_at"]))}

    def get(self, organisation_id: str) -> dict:
        row = self.ctx.one("select * from dip_organisations where id = ? and environment = ?",
                           [organisation_id, self.ctx.environment])
        if row is None:
            raise NotFound(f"no {self.ctx.environment_name} organisation {organisation_id!r}",
                           field="organisation_id")
        return row

    def everyone(self, kind: str | None = None) -> list[dict]:
        """Every organisation of this environment (of one `kind`: participant, central), oldest first — the
        sandbox's own views (console, scenarios); a person's view is `list`, for the DIP Manager."""
        return self.ctx.store.query("select * from dip_organisations where environment = ? and (? is null or kind = ?) "
                                    "order by created_at, id", [self.ctx.environment, kind, kind])

    def list(self, manager: dict) -> list[dict]:
        permissions.require_manager(manager)
        rows = self.ctx.store.query("select * from dip_organisations where environment = ? order by created_at",
                                    [self.ctx.environment])
        return [self.describe(r) for r in rows]

    # -- whitelisted domains (DIP Manager) ------------------------------------------------------
    def whitelisted(self, organisation_id: str) -> list[str]:
        return [r["domain"] for r in self.ctx.store.query(
            "select domain from dip_whitelisted_domains where organisation_id = ? order by domain", [organisation_id])]

    def whitelist(self, manager: dict, organisation_id: str, domain) -> list[str]:
        permissions.require_manager(manager)
        organisation = self.get(organisation_id)
        name = normalise_name(domain or "", "domain")
        with self.ctx.store.transaction() as db:
            db["dip_whitelisted_domains"].upsert({"organisation_id": organisation["id"], "domain": name,
                                                  "created_at": self.ctx.clock.now_unix()},
                                                 pk=("organisation_id", "domain"))
        self.audit.record(manager["email"], "domain whitelisted", organisation["id"], domain=name)
        return self.whitelisted(organisation["id"])

    def remove_whitelisted(self, manager: dict, organisation_id: str, domain: str) -> list[str]:
        permissions.require_manager(manager)
        organisation = self.get(organisation_id)
        name = normalise_name(domain, "domain")
        if name not in self.whitelisted(organisation["id"]):
            raise NotFound(f"{name} is not whitelisted for {organisation['company_name']}", field="domain")
        with self.ctx.store.transaction() as db:
            db.execute("delete from dip_whitelisted_domains where organisation_id = ? and domain = ?",
                       [organisation["id"], name])
        self.audit.record(manager["email"], "domain removed from whitelist", organisation["id"], domain=name)
        return self.whitelisted(organisation["id"])

    # -- company details (Primary Admin, once) ---------------------------------------------------
    def verify_details(self, user: dict, payload) -> dict:
        if not user["is_primary"]:
            raise Forbidden("the company details are verified once, by the Primary Admin")
        organisation = self.get(user["organisation_id"])
        if organisation["details_verified_at"]:
            raise Conflict("the company details were already verified", field="company_name")
        payload = f.form(payload)
        errors = f.FormErrors()
        company = f.text(payload, "company_name", errors)
        description = f.text(payload, "description", errors, max_length=1000)
        number = f.text(payload, "company_number", errors, max_length=20)
        if number and not _COMPANY_NUMBER.match(number.upper()):
            errors.add("company_number", "is 8 letters or digits (Companies House number, e.g. 03782949)")
        request_dcp = payload.get("request_dcp_status", False)
        if not isinstance(request_dcp, bool):
            errors.add("request_dcp_status", "is true or false")
        errors.raise_if_any("company details")
        with self.ctx.store.transaction() as db:
            db["dip_organisations"].update(organisation["id"], {
                "company_name": company, "description": description, "company_number": number.upper(),
                "status": "active", "details_verified_at": self.ctx.clock.now_unix(),
                "dcp_status": "requested" if request_dcp else organisation["dcp_status"]})
        self.audit.record(user["email"], "company details verified", organisation["id"],
                          request_dcp_status=request_dcp)
        return self.describe(self.get(organisation["id"]))

    # -- DCP status (DIP Manager) -----------------------------------------------------------------
    def dcp_requests(self, manager: dict) -> list[dict]:
        permissions.require_manager(manager)
        rows = self.ctx.store.query("select * from dip_organisations where environment = ? and dcp_status = "
                                    "'requested' order by created_at", [self.ctx.environment])
        return [self.describe(r) for r in rows]

    def decide_dcp_status(self, manager: dict, organisation_id: str, payload) -> dict:
        permissions.require_manager(manager)
        organisation = self.get(organisation_id)
        payload = f.form(payload)
        decision = payload.get("decision")
        if decision not in ("approve", "reject"):
            raise InvalidInput("decision is 'approve' or 'reject'", field="decision")
        if organisation["dcp_status"] != "requested":
            raise Conflict(f"{organisation['company_name']} has not requested DCP status "
                           f"(it is {organisation['dcp_status']})", field="organisation_id")
        status = "approved" if decision == "approve" else "rejected"
        with self.ctx.store.transaction() as db:
            db["dip_organisations"].update(organisation_id, {"dcp_status": status})
        self.audit.record(manager["email"], f"DCP status {status}", organisation_id, reason=payload.get("reason"))
        primary = self.ctx.one("select * from dip_users where organisation_id = ? and is_primary = 1",
                               [organisation_id])
        if primary:
            reason = f"\nReason: {payload['reason']}\n" if payload.get("reason") else ""
            self.ctx.outbox.send(primary["email"], f"DIP Connection Provider status {status}",
                                 f"The DIP Manager has {status} the DCP status of {organisation['company_name']} in "
                                 f"{self.ctx.environment_name}.{reason}\n", sender="noreply@dip-sandbox.example")
        return self.describe(self.get(organisation_id))

    # -- central services (DIP Manager) ----------------------------------------------------------
    def central_organisation(self, manager: dict, role_code: str, service_name: str, central: bool = True) -> dict:
        """The DIP-Manager-owned organisation of a central service, made on first use; for a participant's role
        (central=False), the sandbox counterpart the sandbox sends as (publish to me, auto-replies)."""
        permissions.require_manager(manager)
        name = f"{service_name} ({role_code}) - " + ("central service" if central else "sandbox counterpart")
        row = self.ctx.one("select * from dip_organisations where environment = ? and kind = 'central' and "
                           "company_name = ?", [self.ctx.environment, name])
        if row:
            return row
        return self.get(self.create(
            name, status="active", kind="central", verified=True,
            description=("central service " if central else "sandbox counterpart ") + service_name,
            organisation_id=f"CEN-{role_code}-{self.ctx.environment.upper()}"))

    def invite(self, manager: dict, payload) -> dict:
        permissions.require_manager(manager)
        payload = f.form(payload)
        errors = f.FormErrors()
        company = f.text(payload, "company_name", errors)
        number = f.text(payload, "company_number", errors, max_length=20)
        if number and not _COMPANY_NUMBER.match(number.upper()):
            errors.add("company_number", "is 8 letters or digits (Companies House number, e.g. 03782949)")
        admin = payload.get("primary_admin") if isinstance(payload.get("primary_admin"), dict) else {}
        if not admin:
            errors.add("primary_admin", "is required: {first_name, last_name, email}")
        first = f.text(admin, "first_name", errors) if admin else None
        last = f.text(admin, "last_name", errors) if admin else None
        email = f.email(admin, "email", errors) if admin else None
        errors.raise_if_any("organisation invitation")
        ctx = self.ctx
        with ctx.store.transaction():
            organisation_id = self.create(company, status="invited", company_number=number.upper(),
                                          domains=[email.rsplit("@", 1)[1]])
            user = self.identity.create_user(organisation_id, email, first, last, PRIMARY_ADMIN_ROLES, primary=True,
                                             expires_at=ctx.clock.now_unix()
                                             + ctx.profile.wait("member_access").total_seconds())
        self.identity.invite(user, company)
        self.audit.record(manager["email"], "organisation invited", organisation_id, company_name=company,
                          primary_admin=email)
        return {**self.describe(self.get(organisation_id)), "primary_admin": self.identity.describe(user)}
