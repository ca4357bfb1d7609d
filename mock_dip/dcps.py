"""DIP Connection Providers: an organisation with approved DCP status creates DCP IDs and shares them; a
Market Participant nominates a DCP (organisation + DCP ID) for one of its DIP IDs, optionally whitelisting
the DCP's domains so DCP staff can be made members; nominations can be withdrawn. A DCP member switches
context to an organisation it serves and acts there only on the nominated DIP IDs."""
from __future__ import annotations

import json

from mock_dip import permissions
from mock_dip.audit import Audit
from mock_dip.context import DipContext
from mock_dip.dip_ids import DipIds
from mock_dip.permissions import roles_of
from mock_dip.organisations import Organisations
from sandbox.kernel import form_checks as f
from sandbox.kernel.clock import from_unix, iso
from sandbox.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound


class Dcps:
    def __init__(self, ctx: DipContext, organisations: Organisations, dip_ids: DipIds, audit: Audit):
        self.ctx = ctx
        self.organisations = organisations
        self.dip_ids = dip_ids
        self.audit = audit

    # -- DCP IDs ---------------------------------------------------------------------------------
    def dcp_ids(self, actor: dict) -> list[dict]:
        permissions.require(actor, roles_of(actor), "organisation.view")
        rows = self.ctx.store.query("select * from dip_dcp_ids where environment = ? and organisation_id = ? "
                                    "order by created_at", [self.ctx.environment, actor["organisation_id"]])
        return [{"dcp_id": r["dcp_id"], "organisation_id": r["organisation_id"],
                 "created_at": iso(from_unix(r["created_at"]))} for r in rows]

    def create_dcp_id(self, actor: dict) -> dict:
        permissions.require(actor, roles_of(actor), "dip_ids.manage")
        organisation = self.organisations.get(actor["organisation_id"])
        if organisation["dcp_status"] != "approved":
            raise Forbidden(f"{organisation['company_name']} is not an approved DIP Connection Provider: request DCP "
                            "status in the company details and wait for the DIP Manager")
        dcp_id = self.ctx.unique_number("dip_dcp_ids", "dcp_id")
        with self.ctx.store.transaction() as db:
            db["dip_dcp_ids"].insert({"dcp_id": dcp_id, "environment": self.ctx.environment,
                                      "organisation_id": organisation["id"], "created_at": self.ctx.clock.now_unix()})
        self.audit.record(actor["email"], "DCP ID created", organisation["id"], dcp_id=dcp_id)
        return {"dcp_id": dcp_id, "organisation_id": organisation["id"]}

    def request_status(self, actor: dict) -> dict:
        """The organisation asks the DIP Manager for DCP status (the organisation page's "Request DIP Connection
        Provider Status"), once its details are verified; again after a rejection."""
        permissions.require(actor, roles_of(actor), "organisation.request_dcp_status")
        organisation = self.organisations.get(actor["organisation_id"])
        if not organisation["details_verified_at"]:
            raise Conflict("the Primary Admin verifies the company details first (Home page)", field="dcp_status")
        if organisation["dcp_status"] in ("requested", "approved"):
            raise Conflict(f"{organisation['company_name']} has DCP status {organisation['dcp_status']} already",
                           field="dcp_status")
        with self.ctx.store.transaction() as db:
            db["dip_organisations"].update(organisation["id"], {"dcp_status": "requested"})
        self.audit.record(actor["email"], "DCP status requested", organisation["id"])
        return self.organisations.describe(self.organisations.get(organisation["id"]))

    def providers(self, actor: dict) -> list[dict]:
        """What a nomination chooses from: each approved DCP (not the actor's own organisation) with each DCP ID
        it created, by company name."""
        permissions.require(actor, roles_of(actor), "organisation.view")
        rows = self.ctx.store.query(
            "select i.dcp_id, o.id as organisation_id, o.company_name from dip_dcp_ids i join dip_organisations o on "
            "o.id = i.organisation_id where i.environment = ? and o.dcp_status = 'approved' and o.id != ? order by "
            "o.company_name, i.created_at", [self.ctx.environment, actor["organisation_id"]])
        return [dict(r) for r in rows]

    # -- nominations -----------------------------------------------------------------------------
    def nominate(self, actor: dict, dip_id: str, payload) -> dict:
        permissions.require(actor, roles_of(actor), "dip_ids.manage")
        self.dip_ids.get(actor, dip_id)
        payload = f.form(payload)
        dcp_id = str(payload.get("dcp_id", "")).strip()
        row = self.ctx.one("select * from dip_dcp_ids where environment = ? and dcp_id = ?",
                           [self.ctx.environment, dcp_id])
        if row is None:
            raise InvalidInput(f"{dcp_id or '(none)'} is not a DCP ID in {self.ctx.environment_name}: ask the DCP "
                               "for the DCP ID it shared", field="dcp_id")
        dcp = self.organisations.get(row["organisation_id"])
        if payload.get("dcp_organisation_id") not in (None, dcp["id"]):
            raise InvalidInput(f"DCP ID {dcp_id} belongs to {dcp['company_name']} ({dcp['id']})",
                               field="dcp_organisation_id")
        if dcp["dcp_status"] != "approved":
            raise InvalidInput(f"{dcp['company_name']} is no longer an approved DCP", field="dcp_id")
        if dcp["id"] == actor["organisation_id"]:
            raise InvalidInput("an organisation does not nominate itself", field="dcp_id")
        if self.ctx.one("select 1 as x from dip_nominations where environment = ? and dip_id = ? and dcp_id = ?",
                        [self.ctx.environment, dip_id, dcp_id]):
            raise Conflict(f"DCP ID {dcp_id} is already nominated for DIP ID {dip_id}", field="dcp_id")
        whitelist = payload.get("whitelist_dcp_domains", False)
        if not isinstance(whitelist, bool):
            raise InvalidInput("whitelist_dcp_domains is true or false", field="whitelist_dcp_domains")
        with self.ctx.store.transaction() as db:
            db["dip_nominations"].insert({"environment": self.ctx.environment, "dip_id": dip_id, "dcp_id": dcp_id,
                                          "dcp_organisation_id": dcp["id"],
                                          "mp_organisation_id": actor["organisation_id"],
                                          "created_at": self.ctx.clock.now_unix()})
            if whitelist:
                for domain in self.organisations.whitelisted(dcp["id"]):
                    db["dip_whitelisted_domains"].upsert({"organisation_id": actor["organisation_id"],
                                                          "domain": domain, "created_at": self.ctx.clock.now_unix()},
                                                         pk=("organisation_id", "domain"))
        self.audit.record(actor["email"], "DCP nominated", actor["organisation_id"], dip_id=dip_id, dcp_id=dcp_id,
                          dcp_organisation=dcp["id"], whitelisted_dcp_domains=whitelist)
        return {"dip_id": dip_id, "dcp_id": dcp_id, "dcp_organisation_id": dcp["id"],
                "dcp_company_name": dcp["company_name"]}

    def nominations(self, actor: dict, dip_id: str) -> list[dict]:
        permissions.require(actor, roles_of(actor), "organisation.view")
        self.dip_ids.get(actor, dip_id)
        rows = self.ctx.store.query("select * from dip_nominations where environment = ? and dip_id = ?",
                                    [self.ctx.environment, dip_id])
        return [{"dip_id": r["dip_id"], "dcp_id": r["dcp_id"], "dcp_organisation_id": r["dcp_organisation_id"],
                 "dcp_company_name": self.organisations.get(r["dcp_organisation_id"])["company_name"]} for r in rows]

    def withdraw(self, actor: dict, dip_id: str, dcp_id: str) -> None:
        permissions.require(actor, roles_of(actor), "dip_ids.manage")
        self.dip_ids.get(actor, dip_id)
        with self.ctx.store.transaction() as db:
            if not self.ctx.one("select 1 as x from dip_nominations where environment = ? and dip_id = ? and "
                                "dcp_id = ?", [self.ctx.environment, dip_id, dcp_id]):
                raise NotFound(f"DCP ID {dcp_id} is not nominated for DIP ID {dip_id}", field="dcp_id")
            db.execute("delete from dip_nominations where environment = ? and dip_id = ? and dcp_id = ?",
                       [self.ctx.environment, dip_id, dcp_id])
        self.audit.record(actor["email"], "DCP nomination withdrawn", actor["organisation_id"], dip_id=dip_id,
                          dcp_id=dcp_id)

    # -- context switching -----------------------------------------------------------------------
    def contexts(self, user: dict) -> list[dict]:
        """The member's own organisation, then every organisation that nominated its organisation as DCP."""
        own = self.organisations.get(user["organisation_id"])
        out = [{"organisation_id": own["id"], "company_name": own["company_name"], "as": "member"}]
        rows = self.ctx.store.query(
            "select distinct mp_organisation_id from dip_nominations where environment = ? and dcp_organisation_id = ?",
            [self.ctx.environment, own["id"]])
        for row in rows:
            served = self.organisations.get(row["mp_organisation_id"])
            out.append({"organisation_id": served["id"], "company_name": served["company_name"], "as": "dcp"})
        return out

    def acting_for(self, user: dict, organisation_id: str | None) -> dict:
        """The user as it acts in the given context: itself, or, for a DCP member, a view of the served
        organisation limited to the DIP IDs nominated for its DCP."""
        if not organisation_id or organisation_id == user["organisation_id"] or user["is_manager"]:
            return user
        rows = self.ctx.store.query(
            "select dip_id from dip_nominations where environment = ? and mp_organisation_id = ? and "
            "dcp_organisation_id = ?", [self.ctx.environment, organisation_id, user["organisation_id"]])
        if not rows:
            raise Forbidden(f"your organisation is not a nominated DIP Connection Provider of {organisation_id}")
        return {**user, "organisation_id": organisation_id, "dcp_context": True,
                "dip_id_scope": json.dumps(sorted({r["dip_id"] for r in rows}))}
