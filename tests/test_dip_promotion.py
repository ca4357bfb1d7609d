"""Promotion to Production (part C) by the Production DIP Manager: what is copied, what is not, new API keys,
the Primary User Admin invited, nominations completed once both parties are in Production."""
import requests

from tests.dip_helpers import DipPortal, manager
from tests.message_helpers import onboard


def test_promotion_copies_the_set_up_and_nothing_else(dip, tmp_path):
    running = dip
    supplier = onboard(running, company_name="Super Energy Co", dip_ids=[{"role_code": "SUP"}, {"role_code": "MSS"}],
                       webhooks={"IF-041": "https://hooks.super-energy.example/dip"})
    dcp = onboard(running, company_name="Fabrikam Connection Provider Ltd", dcp=True, dip_ids=[])
    mp_admin = DipPortal(running)
    mp_admin.first_sign_in(supplier["members"][0]["email"], supplier["members"][0]["password"])
    sup_id, mss_id = (d["dip_id"] for d in supplier["dip_ids"])
    mp_admin.ok("POST", f"/dip-ids/{sup_id}/nominations", 201, json={"dcp_id": dcp["dcp_id"]})

    uit_boss = manager(running)
    refused = uit_boss.call("POST", "/manager/promotions", json={"organisation_id": supplier["organisation_id"],
                                                                 "effective_from": "2027-01-01"})
    assert refused.status_code == 404 and "/dip/prod/api/manager/promotions" in refused.json()["error"]["message"]
    boss = manager(running, "prod")
    missing = boss.call("POST", "/manager/promotions", json={"organisation_id": supplier["organisation_id"]})
    assert missing.status_code == 422 and missing.json()["error"]["field"] == "effective_from"
    promoted = boss.ok("POST", "/manager/promotions", 201, json={
        "organisation_id": supplier["organisation_id"], "effective_from": "2027-01-01",
        "dip_ids": {mss_id: "2027-02-01"}})
    assert promoted["organisation"]["environment"] == "prod" and promoted["organisation"]["details_verified"]
    assert promoted["whitelisted_domains"] == [supplier["domain"]]
    assert {(d["dip_id"], d["effective_from"]) for d in promoted["dip_ids"]} == {(sup_id, "2027-01-01"),
                                                                                 (mss_id, "2027-02-01")}
    assert promoted["nominations"] == {"copied": [], "waiting": [{"dip_id": sup_id, "dcp_id": dcp["dcp_id"],
                                                                  "waiting_for": "the DCP"}]}
    again = boss.call("POST", "/manager/promotions", json={"organisation_id": supplier["organisation_id"],
                                                           "effective_from": "2027-01-01"})
    assert again.status_code == 409

    # the Primary User Admin is invited to Production; members, keys, webhooks, certificates are not copied
    admin_email = supplier["members"][0]["email"]
    mails = requests.get(running.control + "/mail", params={"to": admin_email}, timeout=10).json()["emails"]
    assert any("/dip/prod/invitations/" in m["text"] for m in mails)
    prod = running.sandbox.dip["prod"]
    target = promoted["organisation"]["id"]
    users = prod.ctx.store.query("select email, status from dip_users where organisation_id = ?", [target])
    assert users == [{"email": admin_email, "status": "invited"}]
    prod_keys = prod.ctx.one("select primary_key, secondary_key from dip_ids where environment = 'prod' and "
                             "dip_id = ?", [sup_id])
    assert supplier["dip_ids"][0]["api_key"] not in prod_keys.values()
    assert prod.webhooks.for_recipient(sup_id) == []
    assert prod.ctx.one("select count(*) as n from dip_certificates where organisation_id = ?", [target])["n"] == 0
    assert prod.ctx.one("select count(*) as n from dip_atlas_credentials where organisation_id = ?",
                        [target])["n"] == 0

    # promoting the DCP completes the nomination
    dcp_promoted = boss.ok("POST", "/manager/promotions", 201, json={"organisation_id": dcp["organisation_id"],
                                                                     "effective_from": "2027-01-01"})
    assert dcp_promoted["dcp_ids"] == [dcp["dcp_id"]]
    assert dcp_promoted["nominations"]["copied"] == [{"dip_id": sup_id, "dcp_id": dcp["dcp_id"]}]
    assert "members" in " ".join(dcp_promoted["not_copied"])


def test_production_asks_for_new_credentials_not_a_new_registration(shared_running):
    """The promotion guide: no GlobalSign vetting in Production, a new set of API credentials and a new PFX."""
    stages = {}
    for environment in ("uit", "prod"):
        admin = onboard(shared_running, environment, company_name=f"Stage One {environment} Ltd")["members"][0]
        portal = DipPortal(shared_running, environment)
        portal.first_sign_in(admin["email"], admin["password"])
        stages[environment] = portal.ok("GET", "/certificates/stages")["registration"]
    assert "72 hours" in stages["uit"]["advice"] and stages["uit"]["url"].endswith("/atlas/register")
    prod = stages["prod"]
    assert "72 hours" not in prod["advice"] and "no vetting" in prod["advice"]
    assert "new set of API credentials" in prod["advice"] and "new PFX" in prod["advice"]
    assert prod["url"].endswith("/atlas/")
