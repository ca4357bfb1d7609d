"""DIP portal sign-in, per environment, through the portal JSON API on real sockets: the DIP Manager invites
an organisation; its Primary Admin sets a password, enrols an authenticator (TOTP computed here from the
enrolment secret), accepts the Terms of Use and signs in; lockout, expiry, environments kept apart."""
import pyotp
import pytest
import requests

from tests.dip_helpers import MANAGER_PASSWORD, PASSWORD, DipPortal, invitation_token, invite, manager


def test_invitation_password_mfa_terms_and_sign_in(dip):
    boss = manager(dip)
    organisation = invite(boss)
    assert organisation["status"] == "invited" and organisation["primary_admin"]["roles"] == ["MP User Admin"]
    token = invitation_token(dip, "pat@super-energy.example")
    admin = DipPortal(dip)
    assert admin.call("POST", "/sessions", json={"email": "pat@super-energy.example", "password": PASSWORD}).json()[
        "error"]["message"].startswith("set your password")
    weak = admin.call("POST", f"/invitations/{token}/accept", json={"password": "short"})
    assert weak.status_code == 422 and weak.json()["error"]["field"] == "password"
    admin.ok("POST", f"/invitations/{token}/accept", json={"password": PASSWORD})
    reused = admin.call("POST", f"/invitations/{token}/accept", json={"password": PASSWORD})
    assert reused.status_code == 409 and "already used" in reused.json()["error"]["message"]

    step = admin.ok("POST", "/sessions", json={"email": "pat@super-energy.example", "password": PASSWORD})
    assert step["mfa"]["otpauth_uri"].startswith("otpauth://totp/")
    assert step["mfa"]["qr_svg"].lstrip().startswith("<?xml") and "<svg" in step["mfa"]["qr_svg"]
    wrong = admin.call("POST", "/sessions", json={"challenge": step["challenge"], "totp": "000000"})
    assert wrong.status_code == 401 and "does not match the enrolment secret" in wrong.json()["error"]["message"]
    secret = admin.first_sign_in("pat@super-energy.example")
    me = admin.ok("GET", "/me")
    assert me["user"]["mfa_enrolled"] and me["organisation"]["company_name"] == "Super Energy Co"

    # every later sign-in needs all three factors
    fresh = DipPortal(dip)
    no_code = fresh.call("POST", "/sessions", json={"email": "pat@super-energy.example", "password": PASSWORD})
    assert no_code.status_code == 401 and "authenticator" in no_code.json()["error"]["message"]
    fresh.sign_in("pat@super-energy.example", secret)
    assert fresh.ok("GET", "/me")["user"]["email"] == "pat@super-energy.example"
    assert fresh.call("DELETE", "/sessions").status_code == 204
    assert fresh.call("GET", "/me").status_code == 401

    entries = boss.ok("GET", "/manager/audit")["entries"]
    assert {"organisation invited", "MFA enrolled", "Terms of Use accepted", "signed in"} <= {e["action"] for e in entries}
    own = admin.ok("GET", "/audit")["entries"]
    assert own and all(e["organisation_id"] == organisation["id"] for e in own)


def test_lockout_after_repeated_failures(start_sandbox):
    running = start_sandbox(profile="instant", dip_manager_password=MANAGER_PASSWORD, dip_lockout_attempts=3,
                            clock_mode="manual")
    boss = DipPortal(running)
    for _ in range(3):
        assert boss.call("POST", "/sessions", json={"email": "dip.manager@dip-sandbox.example",
                                                    "password": "wrong-password-1"}).status_code == 401
    locked = boss.call("POST", "/sessions", json={"email": "dip.manager@dip-sandbox.example",
                                                  "password": MANAGER_PASSWORD})
    assert locked.status_code == 423 and "locked until" in locked.json()["error"]["message"]
    requests.post(running.control + "/clock/advance", json={"seconds": "15m"}, timeout=10)
    assert boss.ok("POST", "/sessions", json={"email": "dip.manager@dip-sandbox.example",
                                              "password": MANAGER_PASSWORD})["status"] == "mfa_enrolment_required"


def test_expired_members_cannot_sign_in_or_use_a_token(dip):
    boss = manager(dip)
    invite(boss)
    admin = DipPortal(dip)
    admin.ok("POST", f"/invitations/{invitation_token(dip, 'pat@super-energy.example')}/accept",
             json={"password": PASSWORD})
    secret = admin.first_sign_in("pat@super-energy.example")
    requests.post(dip.control + "/clock/advance", json={"seconds": 182 * 86400 + 1}, timeout=10)
    expired = admin.call("GET", "/me")
    assert expired.status_code == 401
    again = DipPortal(dip).call("POST", "/sessions", json={"email": "pat@super-energy.example", "password": PASSWORD,
                                                           "totp": pyotp.TOTP(secret).now()})
    assert again.status_code == 401 and "access expired" in again.json()["error"]["message"]


def test_environments_are_separate(dip):
    uit_boss = manager(dip, "uit")
    invite(uit_boss)
    token = invitation_token(dip, "pat@super-energy.example")
    prod = DipPortal(dip, "prod")
    assert prod.call("POST", f"/invitations/{token}/accept", json={"password": PASSWORD}).status_code == 404
    assert prod.call("GET", "/me", headers=dict(uit_boss.session.headers)).status_code == 401
    prod_boss = manager(dip, "prod")
    assert prod_boss.ok("GET", "/manager/organisations")["organisations"] == []
    assert DipPortal(dip, "test").call("GET", "/me").status_code == 404


@pytest.mark.parametrize("body, field", [
    ({"company_number": "09999001", "primary_admin": {"first_name": "a", "last_name": "b", "email": "a@b.example"}},
     "company_name"),
    ({"company_name": "X", "company_number": "12", "primary_admin": {"first_name": "a", "last_name": "b",
                                                                     "email": "a@b.example"}}, "company_number"),
    ({"company_name": "X", "company_number": "09999001"}, "primary_admin"),
    ({"company_name": "X", "company_number": "09999001", "primary_admin": {"first_name": "a", "last_name": "b",
                                                                           "email": "nope"}}, "email"),
])
def test_organisation_invitation_is_checked(dip, body, field):
    boss = manager(dip)
    response = boss.call("POST", "/manager/organisations", json=body)
    assert response.status_code == 422 and response.json()["error"]["field"] == field


def test_only_the_manager_invites_and_the_api_is_documented(dip):
    from sandbox.app import create_web_app
    from tests.openapi_checks import assert_documents_every_route
    boss = manager(dip)
    invite(boss)
    admin = DipPortal(dip)
    admin.ok("POST", f"/invitations/{invitation_token(dip, 'pat@super-energy.example')}/accept",
             json={"password": PASSWORD})
    admin.first_sign_in("pat@super-energy.example")
    refused = admin.call("POST", "/manager/organisations", json={
        "company_name": "Other Co", "company_number": "09999002",
        "primary_admin": {"first_name": "O", "last_name": "A", "email": "o@other.example"}})
    assert refused.status_code == 403 and "DIP Manager" in refused.json()["error"]["message"]
    assert admin.call("GET", "/manager/audit").status_code == 403
    document = boss.ok("GET", "/openapi.json")
    assert_documents_every_route(document, create_web_app(dip.sandbox), "/dip/<environment>/api")


def test_the_session_cookie_works_like_the_bearer_token(dip):
    boss = manager(dip)
    token = boss.session.headers.pop("Authorization")
    assert boss.session.cookies.get("dip_session_uit")  # set at sign-in, scoped to /dip/uit
    assert boss.ok("GET", "/me")["user"]["dip_manager"]
    assert boss.call("DELETE", "/sessions").status_code == 403  # by cookie, and no Origin: maybe forged
    assert boss.call("DELETE", "/sessions", headers={"Referer": dip.endpoints["web"] + "/dip/uit/"}).status_code == 204
    assert boss.call("GET", "/me").status_code == 401
    stale = boss.call("GET", "/me", headers={"Authorization": token})
    assert stale.status_code == 401 and "unknown or expired" in stale.json()["error"]["message"]


def test_a_clock_jump_signs_nobody_out(dip):
    """A sign-in belongs to the person, so it lasts 12 h of real time; the sandbox clock may jump days."""
    boss = manager(dip)
    assert requests.post(dip.control + "/clock/advance", json={"seconds": "72h"}, timeout=30).status_code == 200
    assert boss.ok("GET", "/me")["user"]["dip_manager"]
    assert requests.post(dip.control + "/sessions/expire", timeout=10).json()["expired"] >= 1
    ended = boss.call("GET", "/me")
    assert ended.status_code == 401 and "unknown or expired" in ended.json()["error"]["message"]
