"""What goes wrong, per organisation, one click each on the console (issue 17, "what makes it a delight"): the
guide's consequence happens for real — a rejected vetting, an expired member access refused at sign-in, a revoked
certificate refused by the DIP message API, credentials back to unbound. In Chromium and through real sockets."""
import pyotp
import requests
from playwright.sync_api import expect

from tests.atlas_helpers import FORM, Portal
from tests.dip_helpers import DipPortal
from tests.message_helpers import dip_client, message, onboard
from tests.test_atlas_journey import ready_for_identity_profile


def test_dip_mishaps_are_real(start_sandbox, page, tmp_path):
    running = start_sandbox(profile="instant")
    web = running.endpoints["web"]
    organisation = onboard(running, company_name="Mishap Energy")
    receiver = onboard(running, company_name="Mishap Receiver", dip_ids=[{"role_code": "ADS"}])
    member = organisation["members"][0]
    secret = DipPortal(running).first_sign_in(member["email"], member["password"])
    client = dip_client(running, organisation, tmp_path / "client")
    accepted = client.post("/dip-channel/IF-041", [message(organisation, [receiver["dip_ids"][0]["dip_id"]])])
    assert accepted.status_code == 201, accepted.text

    page.goto(web + "/console/what-goes-wrong")
    card = page.get_by_role("region", name="What goes wrong for Mishap Energy uit")
    card.get_by_label("Member", exact=True).select_option(label=member["email"])
    card.get_by_role("button", name="Member access expired: Mishap Energy").click()
    expect(page.locator(".flash.ok")).to_contain_text("Member access expired: The member's access ended")
    refused = DipPortal(running).call("POST", "/sessions", json={"email": member["email"], "password": member["password"],
                                                                 "totp": pyotp.TOTP(secret).now()})
    assert refused.status_code == 401 and "expired" in refused.json()["error"]["message"]

    card = page.get_by_role("region", name="What goes wrong for Mishap Energy uit")
    card.get_by_role("button", name="Certificate revoked: Mishap Energy").click()
    expect(page.locator(".flash.ok")).to_contain_text("Certificate revoked")
    after = client.post("/dip-channel/IF-041", [message(organisation, [receiver["dip_ids"][0]["dip_id"]])])
    assert after.status_code in (401, 403) and "revoked" in after.text.lower(), after.text


def test_atlas_mishaps_are_real(start_sandbox, page):
    running = start_sandbox(profile="instant")
    web = running.endpoints["web"]
    portal = Portal(running)
    ready_for_identity_profile(portal)
    page.goto(web + "/console/what-goes-wrong")
    card = page.get_by_role("region", name=f"What goes wrong for {FORM['company_name']}")
    card.get_by_role("button", name=f"Vetting rejected: {FORM['company_name']}").click()
    expect(page.locator(".flash.ok")).to_contain_text("GlobalSign rejects the identity profile")
    portal.ok("POST", "/identity-profiles", 201, json={"profile_name": "MHHS", "locality": "Manchester",
                                                       "organization": FORM["company_name"],
                                                       "country": "United Kingdom"})
    portal.advance(0)
    profile = portal.ok("GET", "/identity-profiles")["identity_profiles"][0]
    assert profile["status"] == "rejected", profile

    # binding takes time in the training profile: the credentials stay unbound until its wait ends
    running = start_sandbox(profile="training", clock_mode="manual")
    web = running.endpoints["web"]
    vetted = requests.post(running.control + "/atlas/accounts", json={"company_name": "Bound Energy"},
                           timeout=60).json()
    page.goto(web + "/console/what-goes-wrong")
    page.get_by_role("button", name="Credentials used before binding: Bound Energy").click()
    expect(page.locator(".flash.ok")).to_contain_text("not bound to the MHHS Programme PKI yet")
    bound = Portal(running)
    bound.sign_in(vetted["email"], vetted["password"])
    assert [c["status"] for c in bound.ok("GET", "/api-credentials")["api_credentials"]] == ["pending_binding"]
    again = page.get_by_role("button", name="Vetting rejected: Bound Energy")
    again.click()
    expect(page.locator(".flash.error")).to_contain_text("vetted already")
