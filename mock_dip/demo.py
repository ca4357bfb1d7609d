"""Loading the demo organisations of seed_data into one environment (idempotent: organisations that exist
by name are left as they are)."""
from __future__ import annotations

import json
from importlib import resources

from mock_dip.service import Dip
from sandbox.kernel.passwords import hash_password


def demo_data() -> dict:
    return json.loads(resources.files("seed_data").joinpath("demo_organisations.json").read_text())


def load_demo(dip: Dip) -> dict:
    data = demo_data()
    ctx = dip.ctx
    manager = dip.identity.manager()
    existing = {r["company_name"] for r in ctx.store.query(
        "select company_name from dip_organisations where environment = ?", [ctx.environment])}
    central = []
    for code in data["central_services"]:
        if not ctx.one("select 1 as x from dip_ids d join dip_organisations o on o.id = d.organisation_id where "
                       "d.environment = ? and d.role_code = ? and o.kind = 'central'", [ctx.environment, code]):
            central.append(dip.create_central_dip_id(manager, {"role_code": code, "effective_from": "2025-01-01"}))
    created, dcp_ids = [], {}
    for spec in data["organisations"]:
        if spec["company_name"] in existing:
            continue
        organisation_id = dip.organisations.create(
            spec["company_name"], status="active", company_number=spec["company_number"],
            description="demo organisation", dcp_status="approved" if spec.get("dcp") else "none",
            domains=spec["domains"], verified=True)
        now = ctx.clock.now_unix()
        members = []
        for member in spec["members"]:
            user = dip.identity.create_user(organisation_id, member["email"], member["first_name"],
                                            member["last_name"], member["roles"], primary=member.get("primary", False),
                                            expires_at=now + ctx.profile.wait("member_access").total_seconds())
            with ctx.store.transaction() as db:
                db["dip_users"].update(user["id"], {"status": "active", "password_hash": hash_password(data["password"]),
                                                    "dip_id_scope": "all"})
            members.append({"email": member["email"], "roles": member["roles"]})
        actor = {"email": manager["email"], "organisation_id": organisation_id, "is_manager": 0,
                 "roles": json.dumps(["MP Message Admin"]), "dip_id_scope": "all"}
        dip_ids = [dip.dip_ids.create(actor, entry) for entry in spec["dip_ids"]]
        if spec.get("dcp"):
            dcp_ids[spec["company_name"]] = dip.dcps.create_dcp_id(actor)["dcp_id"]
        created.append({"organisation_id": organisation_id, "company_name": spec["company_name"],
                        "members": members, "dip_ids": [d["dip_id"] for d in dip_ids], "_spec": spec, "_actor": actor})
    for entry in created:
        dcp_name = entry["_spec"].get("nominate_dcp")
        if dcp_name and dcp_name in dcp_ids:
            for dip_id in entry["dip_ids"]:
                dip.dcps.nominate(entry["_actor"], dip_id, {"dcp_id": dcp_ids[dcp_name]})
        entry["nominated_dcp"] = dcp_name if dcp_name in dcp_ids else None
        del entry["_spec"], entry["_actor"]
    for mpan in data.get("mpans", []):  # the MPAN tab has something to look up before the first message
        dip.mpans.seed(mpan["mpan_core"], mpan.get("gsp_group"), mpan.get("note"))
    dip.audit.record(manager["email"], "demo organisations loaded", None, organisations=len(created))
    return {"environment": ctx.environment, "password": data["password"], "organisations": created,
            "central_services": [{"role_code": c["role_code"], "dip_id": c["dip_id"]} for c in central],
            "dcp_ids": dcp_ids}
