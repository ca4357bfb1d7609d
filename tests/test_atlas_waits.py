"""The realistic profile on a manual clock: every step is refused until its wait has passed, then allowed."""
import pytest
import requests

from tests.atlas_helpers import FORM, Portal
from tests.conftest import make_csr

MINUTE, HOUR = 60, 3600


@pytest.fixture
def portal(start_sandbox):
    running = start_sandbox(profile="realistic", clock_mode="manual")
    return Portal(running)


def test_each_step_waits_for_its_time(portal, key_pool):
    email = FORM["email"]
    portal.register()
    portal.advance(30 * MINUTE - 1)
    assert portal.mail(email) == []
    portal.advance(1)
    assert [m["subject"] for m in portal.mail(email)][1] == "New User Registration"

    portal.ok("POST", f"/invitations/{portal.invitation_token(email)}/accept")
    portal.advance(59)
    assert portal.mail(email, "Password Reset Code") == []
    portal.advance(1)
    portal.ok("POST", "/password", json={"email": email, "code": portal.reset_code(email),
                                         "password": "correct-horse-battery-9"})
    portal.sign_in(email)

    portal.ok("POST", "/payment-method", json={"method": "invoice"})
    quotation_tile = portal.tile("quotation")
    assert quotation_tile["state"] == "waiting" and quotation_tile["due_at"]
    portal.advance(24 * HOUR - MINUTE)
    assert portal.call("GET", "/dashboard").status_code == 200  # a sign-in lasts 12 h of real time: a jump keeps it
    assert requests.post(portal.running.control + "/sessions/expire", timeout=10).json()["expired"] >= 1
    expired = portal.call("GET", "/dashboard")
    assert expired.status_code == 401 and "expired" in expired.json()["error"]["message"]
    portal.sign_in(email)
    early = portal.call("POST", "/quotation/accept", json={"accept_quotation": True, "accept_msa": True})
    assert early.status_code == 409 and "not ready yet: it is due at" in early.json()["error"]["message"]
    portal.advance(MINUTE)
    portal.ok("POST", "/quotation/accept", json={"accept_quotation": True, "accept_msa": True})

    profile_form = {"profile_name": "MHHS", "organization": FORM["company_name"], "locality": "Manchester",
                    "country": "GB"}
    portal.advance(19 * MINUTE)
    assert portal.tile("identity_profile")["state"] == "waiting"
    assert portal.call("POST", "/identity-profiles", json=profile_form).status_code == 409
    portal.advance(6 * MINUTE)
    assert portal.tile("identity_profile")["state"] == "to_do"
    profile = portal.ok("POST", "/identity-profiles", 201, json=profile_form)

    vetting_tile = portal.tile("identity_profile")
    assert vetting_tile["state"] == "in_progress" and vetting_tile["due_at"] == profile["vetting_due_at"]
    portal.advance(20 * HOUR - MINUTE)
    portal.sign_in(email)
    assert portal.ok("GET", "/identity-profiles")["identity_profiles"][0]["status"] == "pending_vetting"
    blocked = portal.call("POST", "/api-credentials", json={"method": "view_and_copy", "service_id": profile["id"],
                                                            "familiar_name": "uit"})
    assert blocked.status_code == 409 and "vetting is not complete" in blocked.json()["error"]["message"]
    assert portal.call("POST", "/domains", json={"domain": "example.com"}).status_code == 409
    portal.advance(MINUTE)
    assert portal.ok("GET", "/identity-profiles")["identity_profiles"][0]["status"] == "active"

    creds = portal.ok("POST", "/api-credentials", 201, json={"method": "view_and_copy", "service_id": profile["id"],
                                                             "familiar_name": "uit"})
    assert creds["status"] == "pending_binding"
    csr = make_csr(key_pool.get(), "onboarding_key")
    portal.advance(4 * HOUR - MINUTE)
    early_cert = portal.ok("POST", "/client-certificates", 201, json={"familiar_name": "uit", "csr": csr})
    assert "binding" in early_cert["warning"]  # the guide's warning; HVCA requests are refused until bound
    assert portal.tile("api_credentials")["state"] == "in_progress"
    portal.advance(MINUTE)
    assert portal.mail(email, "can now be used")
    assert "warning" not in portal.ok("POST", "/client-certificates", 201, json={"familiar_name": "uit", "csr": csr})
    assert [t["state"] for t in portal.ok("GET", "/dashboard")["tiles"]] == ["done"] * 5


def test_control_api_completes_a_wait_now_and_chooses_the_outcome(portal):
    account = portal.register()
    control = portal.control
    done = requests.post(f"{control}/atlas/accounts/{account}/complete-now", json={"wait": "registration_emails"},
                         timeout=10).json()
    assert done["jobs_run"] == 1 and portal.mail(FORM["email"], "New User Registration")
    portal.ok("POST", f"/invitations/{portal.invitation_token(FORM['email'])}/accept")
    requests.post(f"{control}/atlas/accounts/{account}/complete-now", json={}, timeout=10)
    portal.ok("POST", "/password", json={"email": FORM["email"], "code": portal.reset_code(FORM["email"]),
                                         "password": "correct-horse-battery-9"})
    portal.sign_in(FORM["email"])
    portal.ok("POST", "/payment-method", json={"method": "invoice"})
    requests.post(f"{control}/atlas/accounts/{account}/complete-now", json={}, timeout=10)
    portal.ok("POST", "/quotation/accept", json={"accept_quotation": True, "accept_msa": True})
    requests.post(f"{control}/atlas/accounts/{account}/complete-now", json={}, timeout=10)
    chosen = requests.post(f"{control}/atlas/accounts/{account}/vetting",
                           json={"outcome": "reject", "reason": "the HQ denied knowing the contact"}, timeout=10)
    assert chosen.status_code == 200
    bad = requests.post(f"{control}/atlas/accounts/{account}/vetting", json={"outcome": "maybe"}, timeout=10)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "outcome"
    portal.ok("POST", "/identity-profiles", 201, json={"profile_name": "p", "organization": FORM["company_name"],
                                                       "locality": "Manchester", "country": "GB"})
    requests.post(f"{control}/atlas/accounts/{account}/complete-now", json={"wait": "vetting"}, timeout=10)
    profile = portal.ok("GET", "/identity-profiles")["identity_profiles"][0]
    assert profile["status"] == "rejected" and profile["reason"] == "the HQ denied knowing the contact"
    listed = requests.get(f"{control}/atlas/accounts", timeout=10).json()["accounts"]
    assert listed[0]["account_id"] == account and listed[0]["vetting_outcome"] == "reject"
    assert {t["id"]: t["state"] for t in listed[0]["tiles"]}["identity_profile"] == "to_do"
    unknown = requests.post(f"{control}/atlas/accounts/ATL-NOPE/complete-now", json={}, timeout=10)
    assert unknown.status_code == 404
