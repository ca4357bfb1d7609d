"""The whole role matrix of the DIP portal so far (certificates included): every operation on organisation A's resources tried by every
kind of actor — each role, an expired member, an offboarded member, a member of another organisation, a DCP
member without and with a nomination, a user of the other environment, the DIP Manager — allowed or refused
in every cell."""
import itertools

import pytest
import requests

from mock_dip.permissions import DCP_CONTEXT_OPERATIONS, PERMISSIONS, ROLES
from tests.dip_helpers import PASSWORD, DipPortal, invitation_token, invite, manager

_counter = itertools.count()

# (name, method, path, body factory, permission)
OPERATIONS = [
    ("view organisation", "GET", "/organisation", None, "organisation.view"),
    ("list members", "GET", "/members", None, "members.view"),
    ("create member", "POST", "/members", lambda: {"first_name": "N", "last_name": "M",
                                                  "email": f"n{next(_counter)}@super-energy.example",
                                                  "roles": ["MP Analytics Reader"]}, "members.manage"),
    ("edit member", "PATCH", "/members/{member}", lambda: {"first_name": "Renamed"}, "members.manage"),
    ("extend member", "POST", "/members/{member}/extend", None, "members.manage"),
    ("read audit", "GET", "/audit", None, "audit.view"),
    ("list DIP IDs", "GET", "/dip-ids", None, "organisation.view"),
    ("view DIP ID", "GET", "/dip-ids/{dip_id}", None, "organisation.view"),
    ("edit DIP ID", "PATCH", "/dip-ids/{dip_id}", lambda: {"effective_to": "2031-01-01"}, "dip_ids.manage"),
    ("create DIP ID", "POST", "/dip-ids", lambda: {"role_code": "SUP", "mpid": f"Z{next(_counter):03d}"[:4],
                                                   "effective_from": "2026-12-01"}, "dip_ids.manage"),
    ("show API keys", "GET", "/dip-ids/{dip_id}/api-keys", None, "api_keys.manage"),
    ("regenerate API key", "POST", "/dip-ids/{dip_id}/api-keys/secondary/regenerate", None, "api_keys.manage"),
    ("list nominations", "GET", "/dip-ids/{dip_id}/nominations", None, "organisation.view"),
    ("certificate stages", "GET", "/certificates/stages", None, "certificates.view"),
    ("list certificates", "GET", "/certificates", None, "certificates.view"),
    ("list certificate domains", "GET", "/certificates/domains", None, "certificates.view"),
    ("saved API credentials", "GET", "/certificates/api-credentials", None, "certificates.view"),
    ("confirm GlobalSign registration", "POST", "/certificates/registration/confirm", None, "certificates.manage"),
]
DETAILS = {"description": "Matrix", "request_dcp_status": False}


def onboard(running, email, environment="uit") -> tuple[DipPortal, str]:
    portal = DipPortal(running, environment)
    portal.ok("POST", f"/invitations/{invitation_token(running, email)}/accept", json={"password": PASSWORD})
    return portal, portal.first_sign_in(email)


def advance(running, seconds):
    requests.post(running.control + "/clock/advance", json={"seconds": seconds}, timeout=30)


@pytest.fixture(scope="module")
def world(tmp_path_factory, ca_dir):
    from tests.conftest import Running, make_settings
    from tests.dip_helpers import MANAGER_PASSWORD
    running = Running(make_settings(tmp_path_factory.mktemp("matrix"), ca_dir, profile="instant",
                                    dip_manager_password=MANAGER_PASSWORD, clock_mode="manual"))
    boss = manager(running)
    org_a = invite(boss, "pat@super-energy.example")
    admin, admin_secret = onboard(running, "pat@super-energy.example")
    admin.ok("POST", "/organisation/details", json={**DETAILS, "company_name": "Super Energy Co",
                                                    "company_number": "09999001"})
    admin.ok("POST", "/members", 201, json={"first_name": "E", "last_name": "X", "email": "old@super-energy.example",
                                            "roles": list(ROLES)})
    expired, expired_secret = onboard(running, "old@super-energy.example")
    advance(running, 150 * 86400)
    secrets = {"pat@super-energy.example": admin_secret}
    admin.sign_in("pat@super-energy.example", admin_secret)
    boss.sign_in("dip.manager@dip-sandbox.example", boss.secret, MANAGER_PASSWORD)
    for role in ROLES:
        email = f"{role.split()[1].lower()}@super-energy.example"
        admin.ok("POST", "/members", 201, json={"first_name": "R", "last_name": "M", "email": email, "roles": [role]})
    for email in ("gone@super-energy.example", "every@super-energy.example"):
        admin.ok("POST", "/members", 201, json={"first_name": "O", "last_name": "B", "email": email,
                                                "roles": list(ROLES)})
    for email in [f"{r.split()[1].lower()}@super-energy.example" for r in ROLES] + ["gone@super-energy.example",
                                                                                      "every@super-energy.example"]:
        secrets[email] = onboard(running, email)[1]
    members = admin.ok("GET", "/members")["members"]
    gone_id = next(m["id"] for m in members if m["email"] == "gone@super-energy.example")
    target_member = next(m["id"] for m in members if m["email"] == "analytics@super-energy.example")
    message_admin = DipPortal(running)
    message_admin.sign_in("message@super-energy.example", secrets["message@super-energy.example"])
    dip_id = message_admin.ok("POST", "/dip-ids", 201, json={"role_code": "SUP", "mpid": "SUPE",
                                                            "effective_from": "2026-12-01"})["dip_id"]

    org_b = boss.ok("POST", "/manager/organisations", 201, json={
        "company_name": "Big Energy Company", "company_number": "09999102",
        "primary_admin": {"first_name": "B", "last_name": "E", "email": "bea@big-energy.example"}})
    b_admin, _ = onboard(running, "bea@big-energy.example")
    b_admin.ok("POST", "/organisation/details", json={**DETAILS, "company_name": "Big Energy Company",
                                                      "company_number": "09999102"})
    b_admin.ok("POST", "/members", 201, json={"first_name": "A", "last_name": "R", "email": "all@big-energy.example",
                                              "roles": list(ROLES)})
    secrets["all@big-energy.example"] = onboard(running, "all@big-energy.example")[1]

    org_c = boss.ok("POST", "/manager/organisations", 201, json={
        "company_name": "Fabrikam Connection Provider Ltd", "company_number": "09999004",
        "primary_admin": {"first_name": "D", "last_name": "C", "email": "dee@fabrikam.example"}})
    c_admin, _ = onboard(running, "dee@fabrikam.example")
    c_admin.ok("POST", "/organisation/details", json={"company_name": "Fabrikam Connection Provider Ltd",
                                                      "description": "DCP", "company_number": "09999004",
                                                      "request_dcp_status": True})
    boss.ok("POST", f"/manager/organisations/{org_c['id']}/dcp-status", json={"decision": "approve"})
    c_admin.ok("POST", "/members", 201, json={"first_name": "D", "last_name": "M", "email": "dan@fabrikam.example",
                                              "roles": list(ROLES)})
    secrets["dan@fabrikam.example"] = onboard(running, "dan@fabrikam.example")[1]
    dan = DipPortal(running)
    dan.sign_in("dan@fabrikam.example", secrets["dan@fabrikam.example"])
    dcp_id = dan.ok("POST", "/dcp-ids", 201)["dcp_id"]
    message_admin.ok("POST", f"/dip-ids/{dip_id}/nominations", 201, json={"dcp_id": dcp_id})

    admin.ok("POST", f"/members/{gone_id}/offboard")
    advance(running, 40 * 86400)  # the first member's six months are over; everyone signs in again
    boss.sign_in("dip.manager@dip-sandbox.example", boss.secret, MANAGER_PASSWORD)
    prod_boss = manager(running, "prod")
    yield {"running": running, "secrets": secrets, "org_a": org_a, "org_b": org_b, "dip_id": dip_id,
           "member": target_member, "boss": boss, "prod_boss": prod_boss, "expired_secret": expired_secret}
    running.stop()


def signed_in(world, email) -> DipPortal:
    portal = DipPortal(world["running"])
    portal.sign_in(email, world["secrets"][email])
    return portal


def attempt(world, portal: DipPortal, operation, headers=None):
    name, method, path, body, _ = operation
    url = path.format(member=world["member"], dip_id=world["dip_id"])
    return portal.call(method, url, json=body() if body else None, headers=headers or {})


@pytest.mark.parametrize("role", ROLES)
def test_each_role(world, role):
    portal = signed_in(world, f"{role.split()[1].lower()}@super-energy.example")
    for operation in OPERATIONS:
        response = attempt(world, portal, operation)
        if role in PERMISSIONS[operation[4]]:
            assert response.status_code < 300, (role, operation[0], response.text)
        else:
            assert response.status_code == 403, (role, operation[0], response.text)


def test_expired_offboarded_and_other_environment_users(world):
    expired = DipPortal(world["running"])
    refused = expired.call("POST", "/sessions", json={"email": "old@super-energy.example", "password": PASSWORD,
                                                      "totp": __import__("pyotp").TOTP(world["expired_secret"]).now()})
    assert refused.status_code == 401 and "expired" in refused.json()["error"]["message"]
    gone = DipPortal(world["running"])
    assert gone.call("POST", "/sessions", json={"email": "gone@super-energy.example", "password": PASSWORD,
                                                "totp": "123456"}).status_code == 401
    other_env = DipPortal(world["running"])
    other_env.session.headers.update(world["prod_boss"].session.headers)
    for operation in OPERATIONS:
        assert attempt(world, other_env, operation).status_code == 401, operation[0]


def test_member_of_another_organisation(world):
    portal = signed_in(world, "all@big-energy.example")
    for operation in OPERATIONS:
        response = attempt(world, portal, operation)
        if "{" in operation[2]:
            assert response.status_code == 404, (operation[0], response.text)  # A's resources do not exist for B
        elif operation[0] == "create member":  # in its own organisation, with an address on A's domain
            assert response.status_code == 422 and "Big Energy Company" in response.json()["error"]["message"]
        else:  # its own organisation: nothing of A shows
            assert response.status_code < 300, (operation[0], response.text)
            assert world["dip_id"] not in response.text and "Super Energy" not in response.text


def test_dcp_member_with_and_without_a_nomination(world):
    dan = signed_in(world, "dan@fabrikam.example")
    for_a = {"X-DIP-Context": world["org_a"]["id"]}
    for_b = {"X-DIP-Context": world["org_b"]["id"]}
    for operation in OPERATIONS:
        assert attempt(world, dan, operation, for_b).status_code == 403, operation[0]
        response = attempt(world, dan, operation, for_a)
        if operation[4] in DCP_CONTEXT_OPERATIONS:
            assert response.status_code < 300, (operation[0], response.text)
        else:
            assert response.status_code == 403, (operation[0], response.text)


def test_the_dip_manager_is_not_a_member(world):
    for operation in OPERATIONS:
        response = attempt(world, world["boss"], operation)
        assert response.status_code in (403, 404), (operation[0], response.text)
    journal = requests.get(world["running"].control + "/journal", params={"per_page": 500}, timeout=10).json()
    assert not [e for e in journal["entries"] if e["status"].startswith("5")], "a request got a 5xx"


BODYLESS = {"/dip-ids/<dip_id>/api-keys/<slot>/regenerate", "/members/<user_id>/extend",
            "/members/<user_id>/offboard", "/dcp-ids", "/certificates/registration/confirm",
            "/certificates/api-credentials"}  # these take no body and read none


def _body_routes():
    from flask import Flask
    from mock_dip.portal_api import portal_blueprint
    app = Flask("routes")
    app.register_blueprint(portal_blueprint(), url_prefix="/dip/<environment>/api")
    for rule in app.url_map.iter_rules():
        path = rule.rule.removeprefix("/dip/<environment>/api")
        for method in sorted(rule.methods & {"POST", "PATCH"}):
            if path not in BODYLESS:
                yield method, path


@pytest.mark.parametrize("method, path", sorted(set(_body_routes())))
def test_bad_bodies_on_every_operation_are_clear_4xx(world, method, path):
    every = signed_in(world, "every@super-energy.example")
    portal = world["boss"] if path.startswith("/manager") else every
    url = (path.replace("<token>", "no-such-token").replace("<user_id>", world["member"])
           .replace("<dip_id>", world["dip_id"]).replace("<organisation_id>", world["org_a"]["id"])
           .replace("<dcp_id>", "0000000000").replace("<slot>", "primary").replace("<serial>", "01")
           .replace("<domain>", "super-energy.example"))
    for body in ("{not json", "[1, 2]", '"text"'):
        response = portal.call(method, url, data=body, headers={"Content-Type": "application/json"})
        assert 400 <= response.status_code < 500, (method, url, body, response.status_code, response.text)
        assert response.json()["error"]["message"]
