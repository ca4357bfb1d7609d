"""The console's journey map for a trainer (issue 17, item 10 and "Sign in as"): who acts next and where, one click
to become that person, an Atlas account that reads "signed up" once its user set a password, and B.7 done once a
webhook is set and a message was delivered. In Chromium, through the web listener."""
import re

import requests
from playwright.sync_api import expect

from tests.atlas_helpers import Portal
from tests.dip_helpers import DipPortal
from tests.message_helpers import onboard


def test_next_action_and_sign_in_as_from_the_journey_map(start_sandbox, page):
    running = start_sandbox(profile="instant")
    web = running.endpoints["web"]
    organisation = onboard(running, company_name="Journey Energy")
    member = organisation["members"][0]
    dip_id = organisation["dip_ids"][0]["dip_id"]
    page.goto(web + "/console/")
    section = page.get_by_role("region", name="DIP organisation Journey Energy uit")
    assert "first sign-in not finished" in section.text_content()  # no "Sign in as" before MFA enrolment
    assert section.locator(".next-action button").count() == 0
    DipPortal(running).first_sign_in(member["email"], member["password"])

    page.reload()
    section = page.get_by_role("region", name="DIP organisation Journey Energy uit")
    expect(section.locator(".next-action")).to_contain_text(f"MP Message Admin {member['email']} → B.7 Message channels")
    section.get_by_text("sign in as one of them").click()
    code = section.get_by_role("row").filter(has_text=member["email"]).locator("code").inner_text()
    assert re.fullmatch(r"\d{6}", code)
    section.get_by_role("button", name=f"Sign in as {member['email']} at B.7").click()
    page.wait_for_url(re.compile(r".*/dip/uit/channels$"))
    expect(page.locator("header.banner")).to_contain_text(member["email"])
    expect(page.locator(".flash.ok").first).to_contain_text(f"Signed in as {member['email']}")

    # the member points the channels at the sandbox inbox; a counterpart's message is delivered: B.7 is done
    page.get_by_role("button", name=f"Use the sandbox's inbox for every interface of {dip_id}").click()
    requests.post(running.control + "/dip/uit/publish", json={"to": dip_id, "interface": "IF-041"},
                  timeout=30).raise_for_status()

    def b7_done():
        page.goto(web + "/console/")
        row = page.get_by_role("region", name="DIP organisation Journey Energy uit").get_by_role("row").filter(
            has_text="B.7")
        return "done" in row.inner_text()
    for _ in range(50):
        if b7_done():
            break
        page.wait_for_timeout(200)
    assert b7_done(), "B.7 stayed to do after a webhook was set and a message delivered"


def test_an_atlas_account_reads_signed_up_and_says_who_acts_next(start_sandbox, page):
    running = start_sandbox(profile="instant")
    web = running.endpoints["web"]
    portal = Portal(running)
    email = "map.reader@map-energy.example"
    portal.register(email=email, company_name="Map Energy")
    account = page.get_by_role("region", name="Atlas account Map Energy")
    for _ in range(50):  # the registration emails' wait (0 s here) ends on the scheduler's thread, just after
        page.goto(web + "/console/")
        if "(invited)" in account.get_by_role("heading").inner_text():
            break
        page.wait_for_timeout(100)
    expect(account.get_by_role("heading")).to_contain_text("(invited)")
    portal.onboard_user(email)
    page.reload()
    account = page.get_by_role("region", name="Atlas account Map Energy")
    expect(account.get_by_role("heading")).to_contain_text("(signed up)")
    expect(account.locator(".next-action")).to_contain_text(f"{email} → To Do - Set a Payment Method")
    account.get_by_role("button", name=f"Sign in to Atlas as {email}").click()
    page.wait_for_url(re.compile(r".*/atlas/dashboard$"))
    expect(page.locator("header.banner")).to_contain_text(email)


def test_checkpoints_add_one_organisation_ready_for_a_step_beside_the_others(start_sandbox, page):
    running = start_sandbox(profile="instant")
    web = running.endpoints["web"]
    onboard(running, company_name="Already Here Energy")

    def add(checkpoint: str, company: str):
        page.goto(web + "/console/snapshots")
        page.get_by_label("Ready for").select_option(checkpoint)
        page.get_by_label("Company name").fill(company)
        page.get_by_role("button", name="Add the organisation").click()
        return page.locator(".flash.ok").inner_text()

    assert "ready for step B.1 of the guide" in add("b1-invited", "Invited Energy")
    mail = requests.get(running.control + "/mail", params={"to": "pat@invitedenergy.example"}, timeout=10).json()
    assert mail["emails"], "no invitation email"
    assert "ready for step B.5" in add("b5-dip-ids", "Ids Energy")
    assert "ready for step C" in add("c-promotion", "Promotable Energy")

    def step_state(company: str, step: str) -> str:
        page.goto(web + "/console/")
        region = page.get_by_role("region", name=f"DIP organisation {company} uit")
        return region.get_by_role("row").filter(has_text=step).first.inner_text()
    assert "to do" in step_state("Ids Energy", "B.5")
    for _ in range(50):
        if "done" in step_state("Promotable Energy", "B.7"):
            break
        page.wait_for_timeout(200)
    assert "done" in step_state("Promotable Energy", "B.7")
    assert "done" in step_state("Already Here Energy", "B.5")  # the others are as they were
    regions = page.get_by_role("region", name=re.compile(r"^DIP organisation .* uit$"))
    assert regions.count() == 4
    assert "0 webhook(s), 0 message(s) sent, 0 delivered" in step_state("Already Here Energy", "B.7")
