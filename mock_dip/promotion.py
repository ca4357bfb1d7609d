"""Promotion to Production (onboarding-journey.md part C), a DIP Manager operation of the Production DIP: the
company set-up is extracted from UIT and imported into Production, and its Primary User Admin is invited.

Copied: organisation details, whitelisted domains, DIP IDs (same values, MPIDs and roles; effective-from set by
the DIP Manager), DCP IDs, and nominations whose other party is already in Production (the rest are listed as
waiting and copied when that party is promoted). Not copied: members, webhooks, certificates, API keys (new
ones are generated), the DIP's copy of the Atlas API credentials. Atlas is untouched: one GlobalSign
registration and vetting serve both environments."""
from __future__ import annotations

from datetime import date

from mock_dip.service import Dip
from sandbox.kernel import form_checks as f
from sandbox.kernel.errors import Conflict, Forbidden, InvalidInput

NOT_COPIED = ["members (the Primary User Admin is invited; they add the others)", "webhooks",
              "certificates (new Atlas API credentials, PFX and DIP certificates are made in Production)",
              "API keys (new ones were generated)", "the DIP's copy of the Atlas API credentials"]


def _date(value, field: str) -> str:
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise InvalidInput(f"{field} {value!r} is a date (YYYY-MM-DD)", field=field) from None


def promote(uit: Dip, prod: Dip, manager: dict, payload) -> dict:
    if not manager.get("is_manager"):
        raise Forbidden("only the DIP Manager promotes organisations to Production")
    payload = f.form(payload)
    source = uit.organisations.get(str(payload.get("organisation_id") or ""))
    if source["kind"] != "participant":
        raise InvalidInput("only Market Participant organisations are promoted", field="organisation_id")
    already = prod.ctx.one("select id from dip_organisations where environment = 'prod' and promoted_from = ?",
                           [source["id"]])
    if already:
        raise Conflict(f"{source['company_name']} was already promoted (Production organisation {already['id']})",
                       field="organisation_id")
    if payload.get("effective_from") in (None, ""):
        raise InvalidInput("effective_from is required: the date the DIP IDs take effect in Production",
                           field="effective_from")
    default_from = _date(payload["effective_from"], "effective_from")
    overrides = payload.get("dip_ids") or {}
    if not isinstance(overrides, dict):
        raise InvalidInput("dip_ids maps a DIP ID to its own effective-from date", field="dip_ids")
    dip_ids = uit.ctx.store.query("select * from dip_ids where environment = 'uit' and organisation_id = ? "
                                  "order by created_at, dip_id", [source["id"]])
    for row in dip_ids:
        if prod.ctx.one("select 1 as x from dip_ids where environment = 'prod' and dip_id = ?", [row["dip_id"]]):
            raise Conflict(f"DIP ID {row['dip_id']} already exists in Production", field="dip_ids")
    primary = uit.ctx.one("select * from dip_users where organisation_id = ? and is_primary = 1", [source["id"]])
    admin = payload.get("primary_admin") or (primary and {"first_name": primary["first_name"],
                                                           "last_name": primary["last_name"],
                                                           "email": primary["email"]})
    invited = prod.organisations.invite(manager, {"company_name": source["company_name"],
                                                  "company_number": source["company_number"], "primary_admin": admin})
    target_id = invited["id"]
    ctx = prod.ctx
    now = ctx.clock.now_unix()
    copied_ids, dcp_ids = [], []
    with ctx.store.transaction() as db:
        db["dip_organisations"].update(target_id, {
            "description": source["description"], "dcp_status": source["dcp_status"], "promoted_from": source["id"],
            "details_verified_at": now if source["details_verified_at"] else None,
            "status": "active" if source["details_verified_at"] else "invited"})
        for domain in uit.organisations.whitelisted(source["id"]):
            db["dip_whitelisted_domains"].upsert({"organisation_id": target_id, "domain": domain, "created_at": now},
                                                 pk=("organisation_id", "domain"))
        for row in dip_ids:
            effective_from = _date(overrides.get(row["dip_id"], default_from), f"dip_ids.{row['dip_id']}")
            db["dip_ids"].insert({**row, "environment": "prod", "organisation_id": target_id,
                                  "effective_from": effective_from, "primary_key": ctx.random.hex(16),
                                  "secondary_key": ctx.random.hex(16), "created_at": now})
            copied_ids.append({"dip_id": row["dip_id"], "role_code": row["role_code"], "mpid": row["mpid"],
                               "effective_from": effective_from})
        for row in uit.ctx.store.query("select * from dip_dcp_ids where environment = 'uit' and organisation_id = ?",
                                       [source["id"]]):
            db["dip_dcp_ids"].insert({**row, "environment": "prod", "organisation_id": target_id, "created_at": now})
            dcp_ids.append(row["dcp_id"])
    nominations = _copy_nominations(uit, prod, source["id"], target_id)
    prod.audit.record(manager["email"], "organisation promoted from UIT", target_id, uit_organisation=source["id"],
                      dip_ids=[d["dip_id"] for d in copied_ids])
    return {"organisation": prod.organisations.describe(prod.organisations.get(target_id)),
            "uit_organisation_id": source["id"], "primary_admin": invited["primary_admin"],
            "whitelisted_domains": prod.organisations.whitelisted(target_id), "dip_ids": copied_ids,
            "dcp_ids": dcp_ids, "nominations": nominations, "not_copied": NOT_COPIED}


def _copy_nominations(uit: Dip, prod: Dip, source_id: str, target_id: str) -> dict:
    """UIT nominations in which the promoted organisation takes part, copied where the other party is in
    Production now (this promotion may complete ones that were waiting for it)."""
    rows = uit.ctx.store.query("select * from dip_nominations where environment = 'uit' and (mp_organisation_id = ? "
                               "or dcp_organisation_id = ?)", [source_id, source_id])
    copied, waiting = [], []
    now = prod.ctx.clock.now_unix()
    with prod.ctx.store.transaction() as db:
        for row in rows:
            dip_id = prod.ctx.one("select organisation_id from dip_ids where environment = 'prod' and dip_id = ?",
                                  [row["dip_id"]])
            dcp = prod.ctx.one("select organisation_id from dip_dcp_ids where environment = 'prod' and dcp_id = ?",
                               [row["dcp_id"]])
            entry = {"dip_id": row["dip_id"], "dcp_id": row["dcp_id"]}
            if dip_id is None or dcp is None:
                waiting.append({**entry, "waiting_for": "the DCP" if dcp is None else "the Market Participant"})
                continue
            db["dip_nominations"].upsert({"environment": "prod", "dip_id": row["dip_id"], "dcp_id": row["dcp_id"],
                                          "dcp_organisation_id": dcp["organisation_id"],
                                          "mp_organisation_id": dip_id["organisation_id"], "created_at": now},
                                         pk=("environment", "dip_id", "dcp_id"))
            copied.append(entry)
    return {"copied": copied, "waiting": waiting}
