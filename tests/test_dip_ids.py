"""DIP IDs through the DIP portal API: the role table's rules, effective dates, API keys, member scope."""
import re

import pytest

from tests.dip_helpers import DipPortal, invite, manager, onboard_member

PRIMARY = "pat@super-energy.example"


@pytest.fixture
def team(dip):
    boss = manager(dip)
    invite(boss, PRIMARY)
    admin, _ = onboard_member(dip, PRIMARY)
    for email, roles in (("mia@super-energy.example", ["MP Message Admin"]),
                         ("cai@super-energy.example", ["MP Certificate Admin"])):
        admin.ok("POST", "/members", 201, json={"first_name": "A", "last_name": "B", "email": email, "roles": roles})
    message_admin, _ = onboard_member(dip, "mia@super-energy.example")
    cert_admin, _ = onboard_member(dip, "cai@super-energy.example")
    dip.boss = boss  # the signed-in DIP Manager, for tests that need a second organisation
    return dip, admin, message_admin, cert_admin


SUPPLIER = {"role_code": "SUP", "mpid": "SUPE", "mp_role_code": "X", "effective_from": "2026-12-01"}


def test_create_edit_delete(team):
    dip, admin, mia, cai = team
    created = mia.ok("POST", "/dip-ids", 201, json=SUPPLIER)
    assert re.fullmatch(r"[1-9]\d{9}", created["dip_id"]) and created["mp_role_code"] == "X"
    assert admin.call("POST", "/dip-ids", json=SUPPLIER).status_code == 403  # the table gives DIP IDs to Message Admins
    listed = admin.ok("GET", "/dip-ids")["dip_ids"]
    assert [d["dip_id"] for d in listed] == [created["dip_id"]]
    edited = mia.ok("PATCH", f"/dip-ids/{created['dip_id']}", json={"effective_to": "2027-12-31"})
    assert edited["effective_to"] == "2027-12-31"
    assert mia.call("PATCH", f"/dip-ids/{created['dip_id']}", json={"role_code": "MSS"}).status_code == 400
    detail = admin.ok("GET", f"/dip-ids/{created['dip_id']}")
    assert {m["email"] for m in detail["members"]} == {PRIMARY, "mia@super-energy.example", "cai@super-energy.example"}
    assert mia.call("DELETE", f"/dip-ids/{created['dip_id']}").status_code == 204
    assert mia.call("GET", f"/dip-ids/{created['dip_id']}").status_code == 404


@pytest.mark.parametrize("change, field, text", [
    ({"role_code": "NOPE"}, "role_code", "is not a DIP role code"),
    ({"role_code": "VAS", "mp_role_code": None}, "role_code", "central service"),
    ({"mpid": "TOOLONG"}, "mpid", "4 letters or digits"),
    ({"mpid": "AB"}, "mpid", "4 letters or digits"),
    ({"mp_role_code": "Q"}, "mp_role_code", "the MP role code of SUP is X"),
    ({"role_code": "MDR", "mp_role_code": "X"}, "mp_role_code", "MDR has no MP role code"),
    ({"effective_from": "soon"}, "effective_from", "is not a date"),
    ({"effective_to": "2026-01-01"}, "effective_to", "is before effective_from"),
])
def test_dip_id_rules(team, change, field, text):
    dip, admin, mia, cai = team
    response = mia.call("POST", "/dip-ids", json={**SUPPLIER, **change})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["field"] == field and text in error["errors"][field]


def test_overlapping_effective_dates_are_refused(team):
    dip, admin, mia, cai = team
    mia.ok("POST", "/dip-ids", 201, json={**SUPPLIER, "effective_to": "2027-06-30"})
    overlap = mia.call("POST", "/dip-ids", json={**SUPPLIER, "effective_from": "2027-06-01"})
    assert overlap.status_code == 422 and "overlap" in overlap.json()["error"]["message"]
    mia.ok("POST", "/dip-ids", 201, json={**SUPPLIER, "effective_from": "2027-07-01"})
    mia.ok("POST", "/dip-ids", 201, json={**SUPPLIER, "mpid": "SUPF"})


def test_api_keys_show_and_regenerate(team):
    dip, admin, mia, cai = team
    dip_id = mia.ok("POST", "/dip-ids", 201, json=SUPPLIER)["dip_id"]
    assert mia.call("GET", f"/dip-ids/{dip_id}/api-keys").status_code == 403  # Certificate Admins hold the keys
    keys = cai.ok("GET", f"/dip-ids/{dip_id}/api-keys")
    assert re.fullmatch(r"[0-9a-f]{32}", keys["primary"]) and keys["primary"] != keys["secondary"]
    service = dip.sandbox.dip["uit"].dip_ids
    assert service.by_api_key(keys["primary"])["dip_id"] == dip_id
    renewed = cai.ok("POST", f"/dip-ids/{dip_id}/api-keys/primary/regenerate")
    assert renewed["primary"] != keys["primary"] and renewed["secondary"] == keys["secondary"]
    assert service.by_api_key(keys["primary"]) is None  # the old key stops working at once
    assert dip.sandbox.dip["prod"].dip_ids.by_api_key(renewed["primary"]) is None  # nor in the other environment
    assert cai.call("POST", f"/dip-ids/{dip_id}/api-keys/tertiary/regenerate").status_code == 404


def test_members_scoped_to_some_dip_ids(team):
    dip, admin, mia, cai = team
    first = mia.ok("POST", "/dip-ids", 201, json=SUPPLIER)["dip_id"]
    second = mia.ok("POST", "/dip-ids", 201, json={**SUPPLIER, "mpid": "SUPG"})["dip_id"]
    bad = admin.call("POST", "/members", json={"first_name": "S", "last_name": "C", "email": "sc@super-energy.example",
                                               "roles": ["MP Message Admin"], "dip_ids": ["1234567890"]})
    assert bad.status_code == 422 and "is not a DIP ID of this organisation" in bad.json()["error"]["message"]
    admin.ok("POST", "/members", 201, json={"first_name": "S", "last_name": "C", "email": "sc@super-energy.example",
                                            "roles": ["MP Message Admin"], "dip_ids": [first]})
    scoped, _ = onboard_member(dip, "sc@super-energy.example")
    assert [d["dip_id"] for d in scoped.ok("GET", "/dip-ids")["dip_ids"]] == [first]
    assert scoped.call("DELETE", f"/dip-ids/{second}").status_code == 404
    assert scoped.ok("PATCH", f"/dip-ids/{first}", json={"effective_to": "2030-01-01"})["effective_to"] == "2030-01-01"
    other_org = DipPortal(dip)
    assert other_org.call("GET", f"/dip-ids/{first}").status_code == 401


def test_dip_ids_of_another_organisation_are_invisible(team):
    dip, admin, mia, cai = team
    dip_id = mia.ok("POST", "/dip-ids", 201, json=SUPPLIER)["dip_id"]
    dip.boss.ok("POST", "/manager/organisations", 201, json={
        "company_name": "Big Energy Company", "company_number": "09999005",
        "primary_admin": {"first_name": "B", "last_name": "E", "email": "be@big-energy.example"}})
    other, _ = onboard_member(dip, "be@big-energy.example")
    assert other.ok("GET", "/dip-ids")["dip_ids"] == []
    assert other.call("GET", f"/dip-ids/{dip_id}").status_code == 404
