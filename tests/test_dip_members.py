"""Organisation details, whitelisted domains, members and their roles, through the DIP portal API."""
import pytest
import requests

from tests.dip_helpers import DipPortal, invite, manager, onboard_member

PRIMARY = "pat@super-energy.example"


@pytest.fixture
def organisation(dip):
    boss = manager(dip)
    org = invite(boss, PRIMARY)
    admin, _ = onboard_member(dip, PRIMARY)
    return dip, boss, org, admin


def new_member(admin: DipPortal, email: str, roles: list[str]) -> dict:
    return admin.ok("POST", "/members", 201, json={"first_name": "New", "last_name": "Member", "email": email,
                                                   "roles": roles})


def test_company_details_are_verified_once_by_the_primary_admin(organisation):
    dip, boss, org, admin = organisation
    view = admin.ok("GET", "/organisation")
    assert view["whitelisted_domains"] == ["super-energy.example"] and not view["details_verified"]
    assert any("first task" in w for w in view["warnings"])
    bad = admin.call("POST", "/organisation/details", json={"company_name": "Super Energy Co",
                                                            "company_number": "x", "description": "d"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "company_number"
    verified = admin.ok("POST", "/organisation/details", json={
        "company_name": "Super Energy Co", "description": "A supplier", "company_number": "09999001",
        "request_dcp_status": True})
    assert verified["status"] == "active" and verified["dcp_status"] == "requested"
    again = admin.call("POST", "/organisation/details", json={"company_name": "X", "description": "d",
                                                              "company_number": "09999001"})
    assert again.status_code == 409


def test_members_need_a_whitelisted_domain_and_real_roles(organisation):
    dip, boss, org, admin = organisation
    outside = admin.call("POST", "/members", json={"first_name": "A", "last_name": "B", "email": "a@elsewhere.example",
                                                   "roles": ["MP Message Admin"]})
    assert outside.status_code == 422 and "not a whitelisted domain" in outside.json()["error"]["message"]
    assert admin.call("POST", "/members", json={"first_name": "A", "last_name": "B", "email": "a@super-energy.example",
                                                 "roles": []}).json()["error"]["field"] == "roles"
    unknown = admin.call("POST", "/members", json={"first_name": "A", "last_name": "B",
                                                   "email": "a@super-energy.example", "roles": ["MP Boss"]})
    assert unknown.status_code == 422 and "'roles[0]': must be one of \"MP User Admin\"" in unknown.json()["error"]["message"]
    boss.ok("POST", f"/manager/organisations/{org['id']}/domains", 201, json={"domain": "Partner.Example"})
    member = new_member(admin, "Cass@PARTNER.example", ["MP Certificate Admin"])
    assert member["status"] == "invited" and member["dip_ids"] == "all"
    mail = requests.get(dip.control + "/mail", params={"to": "Cass@PARTNER.example"}, timeout=10).json()["emails"]
    assert mail and "/dip/uit/invitations/" in mail[0]["text"]
    assert admin.call("POST", "/members", json={"first_name": "A", "last_name": "B",
                                                "email": "cass@partner.example",
                                                "roles": ["MP Message Admin"]}).status_code == 409
    assert boss.call("DELETE", f"/manager/organisations/{org['id']}/domains/nothere.example").status_code == 404
    assert boss.ok("DELETE", f"/manager/organisations/{org['id']}/domains/partner.example")[
        "whitelisted_domains"] == ["super-energy.example"]


def test_edit_extend_offboard(organisation):
    dip, boss, org, admin = organisation
    member = new_member(admin, "mo@super-energy.example", ["MP Message Admin"])
    edited = admin.ok("PATCH", f"/members/{member['id']}", json={"roles": ["MP Message Admin", "MP Analytics Reader"]})
    assert edited["roles"] == ["MP Message Admin", "MP Analytics Reader"]
    assert admin.call("PATCH", f"/members/{member['id']}", json={"email": "x@y.example"}).status_code == 400
    from sandbox.kernel.clock import parse_iso
    extended = admin.ok("POST", f"/members/{member['id']}/extend")
    gained = parse_iso(extended["expires_at"]) - parse_iso(member["expires_at"])
    assert gained.days == 182
    mo, secret = onboard_member(dip, "mo@super-energy.example")
    assert mo.ok("GET", "/me")["user"]["email"] == "mo@super-energy.example"
    me = admin.ok("GET", "/me")["user"]
    assert admin.call("POST", f"/members/{me['id']}/offboard").status_code == 409
    offboarded = admin.ok("POST", f"/members/{member['id']}/offboard")
    assert offboarded["status"] == "offboarded"
    assert mo.call("GET", "/me").status_code == 401
    assert admin.call("POST", f"/members/{member['id']}/extend").status_code == 409
    assert admin.call("POST", "/members/U0000000000/offboard").status_code == 404


ROLE_CHECKS = [  # (method, path, body, operation allowed for which roles)
    ("GET", "/organisation", None, {"MP User Admin", "MP Certificate Admin", "MP Message Admin", "MP Analytics Reader"}),
    ("GET", "/members", None, {"MP User Admin", "MP Certificate Admin", "MP Message Admin", "MP Analytics Reader"}),
    ("POST", "/members", {"first_name": "Z", "last_name": "Z", "email": "z{n}@super-energy.example",
                          "roles": ["MP Analytics Reader"]}, {"MP User Admin"}),
    ("GET", "/audit", None, {"MP User Admin"}),
]


@pytest.mark.parametrize("role", ["MP User Admin", "MP Certificate Admin", "MP Message Admin", "MP Analytics Reader"])
def test_role_matrix_so_far(organisation, role):
    dip, boss, org, admin = organisation
    email = f"{role.split()[1].lower()}@super-energy.example"
    new_member(admin, email, [role])
    member, _ = onboard_member(dip, email)
    for n, (method, path, body, allowed) in enumerate(ROLE_CHECKS):
        payload = {**body, "email": body["email"].format(n=n)} if body else None
        response = member.call(method, path, json=payload)
        if role in allowed:
            assert response.status_code < 300, (role, path, response.text)
        else:
            assert response.status_code == 403, (role, path, response.text)
            assert "you need the role" in response.json()["error"]["message"]
    assert member.call("GET", "/manager/organisations").status_code == 403
    assert boss.call("GET", "/members").status_code == 403  # the DIP Manager is not a member
