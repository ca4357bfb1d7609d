"""DIP Connection Providers: DCP IDs, nominations, DCP domains, and a DCP member acting for a served MP."""
import pytest

from tests.dip_helpers import invite, manager, onboard_member

MP = "pat@super-energy.example"
DCP = "dee@fabrikam.example"
SUPPLIER = {"role_code": "SUP", "mpid": "SUPE", "mp_role_code": "X", "effective_from": "2026-12-01"}


@pytest.fixture
def world(dip):
    boss = manager(dip)
    mp_org = invite(boss, MP)
    dcp_org = boss.ok("POST", "/manager/organisations", 201, json={
        "company_name": "Fabrikam Connection Provider Ltd", "company_number": "09999004",
        "primary_admin": {"first_name": "Dee", "last_name": "Cee", "email": DCP}})
    mp_admin, _ = onboard_member(dip, MP)
    dcp_admin, _ = onboard_member(dip, DCP)
    for admin, email in ((mp_admin, "mia@super-energy.example"), (dcp_admin, "dan@fabrikam.example")):
        admin.ok("POST", "/members", 201, json={"first_name": "M", "last_name": "A", "email": email,
                                                "roles": ["MP Message Admin", "MP Certificate Admin"]})
    mp_msg, _ = onboard_member(dip, "mia@super-energy.example")
    dcp_msg, _ = onboard_member(dip, "dan@fabrikam.example")
    return {"dip": dip, "boss": boss, "mp_org": mp_org, "dcp_org": dcp_org, "mp_admin": mp_admin,
            "dcp_admin": dcp_admin, "mp_msg": mp_msg, "dcp_msg": dcp_msg}


def approve_dcp(w) -> str:
    w["dcp_admin"].ok("POST", "/organisation/details", json={
        "company_name": "Fabrikam Connection Provider Ltd", "description": "DCP", "company_number": "09999004",
        "request_dcp_status": True})
    w["boss"].ok("POST", f"/manager/organisations/{w['dcp_org']['id']}/dcp-status", json={"decision": "approve"})
    return w["dcp_msg"].ok("POST", "/dcp-ids", 201)["dcp_id"]


def test_only_approved_dcps_create_dcp_ids(world):
    refused = world["dcp_msg"].call("POST", "/dcp-ids")
    assert refused.status_code == 403 and "not an approved DIP Connection Provider" in refused.json()["error"]["message"]
    dcp_id = approve_dcp(world)
    assert [d["dcp_id"] for d in world["dcp_msg"].ok("GET", "/dcp-ids")["dcp_ids"]] == [dcp_id]


def test_nomination_context_switch_and_withdrawal(world):
    dcp_id = approve_dcp(world)
    mp_msg, dcp_msg = world["mp_msg"], world["dcp_msg"]
    nominated_id = mp_msg.ok("POST", "/dip-ids", 201, json=SUPPLIER)["dip_id"]
    other_id = mp_msg.ok("POST", "/dip-ids", 201, json={**SUPPLIER, "mpid": "SUPF"})["dip_id"]
    assert mp_msg.call("POST", f"/dip-ids/{nominated_id}/nominations", json={"dcp_id": "1"}).status_code == 422
    wrong_org = mp_msg.call("POST", f"/dip-ids/{nominated_id}/nominations",
                            json={"dcp_id": dcp_id, "dcp_organisation_id": world["mp_org"]["id"]})
    assert wrong_org.status_code == 422
    nomination = mp_msg.ok("POST", f"/dip-ids/{nominated_id}/nominations", 201,
                           json={"dcp_id": dcp_id, "whitelist_dcp_domains": True})
    assert nomination["dcp_organisation_id"] == world["dcp_org"]["id"]
    assert mp_msg.call("POST", f"/dip-ids/{nominated_id}/nominations", json={"dcp_id": dcp_id}).status_code == 409
    assert "fabrikam.example" in world["mp_admin"].ok("GET", "/organisation")["whitelisted_domains"]
    # DCP staff can now be made members of the MP
    world["mp_admin"].ok("POST", "/members", 201, json={"first_name": "D", "last_name": "S",
                                                        "email": "staff@fabrikam.example",
                                                        "roles": ["MP Analytics Reader"]})

    contexts = dcp_msg.ok("GET", "/contexts")["contexts"]
    assert [c["as"] for c in contexts] == ["member", "dcp"] and contexts[1]["organisation_id"] == world["mp_org"]["id"]
    acting = {"X-DIP-Context": world["mp_org"]["id"]}
    visible = dcp_msg.ok("GET", "/dip-ids", headers=acting)["dip_ids"]
    assert [d["dip_id"] for d in visible] == [nominated_id]
    assert dcp_msg.call("GET", f"/dip-ids/{other_id}", headers=acting).status_code == 404
    assert dcp_msg.ok("GET", f"/dip-ids/{nominated_id}/api-keys", headers=acting)["primary"]
    for method, path in (("GET", "/members"), ("GET", "/audit"), ("POST", "/dip-ids"),
                         ("DELETE", f"/dip-ids/{nominated_id}")):
        refused = dcp_msg.call(method, path, headers=acting, json=SUPPLIER if method == "POST" else None)
        assert refused.status_code == 403, (method, path, refused.text)
        assert "DIP Connection Provider" in refused.json()["error"]["message"]
    audit = world["boss"].ok("GET", "/manager/audit")["entries"]
    assert any(e["action"] == "DCP nominated" and e["organisation_id"] == world["mp_org"]["id"] for e in audit)

    # a DCP member of another DCP, or an unrelated organisation, cannot act for the MP
    assert world["mp_msg"].call("GET", "/dip-ids", headers={"X-DIP-Context": world["dcp_org"]["id"]}).status_code == 403

    assert mp_msg.call("DELETE", f"/dip-ids/{nominated_id}/nominations/{dcp_id}").status_code == 204
    assert dcp_msg.call("GET", "/dip-ids", headers=acting).status_code == 403
    assert [c["as"] for c in dcp_msg.ok("GET", "/contexts")["contexts"]] == ["member"]
    assert mp_msg.call("DELETE", f"/dip-ids/{nominated_id}/nominations/{dcp_id}").status_code == 404


def test_dcp_staff_made_members_manage_the_mps_certificates(world):
    """The guide: whitelist the DCP's domains to add DCP users as members who 'create certificates'. Acting for
    the MP through the context switch alone gives no access to its Certificates tab."""
    dcp_id = approve_dcp(world)
    mp_dip_id = world["mp_msg"].ok("POST", "/dip-ids", 201, json=SUPPLIER)["dip_id"]
    world["mp_msg"].ok("POST", f"/dip-ids/{mp_dip_id}/nominations", 201,
                       json={"dcp_id": dcp_id, "whitelist_dcp_domains": True})
    world["mp_admin"].ok("POST", "/organisation/details", json={
        "company_name": "Super Energy Co", "company_number": "09999001", "description": "Supplier"})
    acting = world["dcp_msg"].call("GET", "/certificates/stages", headers={"X-DIP-Context": world["mp_org"]["id"]})
    assert acting.status_code == 403 and "DIP Connection Provider" in acting.json()["error"]["message"]
    world["mp_admin"].ok("POST", "/members", 201, json={"first_name": "S", "last_name": "C", "roles": [
        "MP Certificate Admin"], "email": "certs@fabrikam.example"})
    staff, _ = onboard_member(world["dip"], "certs@fabrikam.example")
    confirmed = staff.ok("POST", "/certificates/registration/confirm")
    assert confirmed["current_stage"] == 2 and confirmed["registration"]["confirmed_by"] == "certs@fabrikam.example"
