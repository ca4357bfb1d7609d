"""The sandbox console in a real browser: the journey map of an Atlas account and a DIP organisation with the
wait it is waiting for and the button that advances the clock to it; the clock buttons; the outbox with its
links; the DNS console; the journal with the signature debugger; snapshots and reset. Screenshots go to
test-artefacts/."""
import re

import requests
from playwright.sync_api import expect

from tests.browser import screenshot
from tests.dip_helpers import invite, manager


def test_journey_map_and_advancing_to_the_vetting(dip, page):
    running = dip
    control = running.control
    account = requests.post(control + "/atlas/accounts", json={"company_name": "Super Energy Co"}, timeout=60).json()
    invite(manager(running))
    page.goto(running.endpoints["web"] + "/console/")
    expect(page.get_by_role("heading", name="Journey map")).to_be_visible()
    atlas = page.get_by_role("region", name="Atlas account Super Energy Co")
    expect(atlas).to_contain_text("done")
    organisation = page.get_by_role("region", name="DIP organisation Super Energy Co uit")
    expect(organisation).to_contain_text("has not set a password yet")
    assert "B.4" in organisation.inner_text() and "stage 1 of 5 is next" in organisation.inner_text()
    screenshot(page, "console-journey-map")
    before = page.locator("#sandbox-now").inner_text()
    page.get_by_role("button", name="+24 h").click()
    expect(page.locator(".flash.ok")).to_contain_text("Sandbox time is now")
    assert page.locator("#sandbox-now").inner_text() != before
    assert account["account_id"] in requests.get(control + "/atlas/accounts", timeout=10).text


def test_outbox_dns_journal_and_snapshots(dip, page):
    running = dip
    invite(manager(running))
    web = running.endpoints["web"]
    page.goto(web + "/console/outbox")
    page.get_by_role("link", name=re.compile("Invitation to the Data Integration Platform")).first.click()
    link = page.locator("a[href*='/dip/uit/invitations/']").first
    expect(link).to_be_visible()
    screenshot(page, "console-email")
    link.click()
    expect(page.get_by_role("heading", name="Set your password")).to_be_visible()

    page.goto(web + "/console/dns")
    page.get_by_label("Value").fill("the-token")
    page.get_by_role("button", name="Add record").click()
    assert page.get_by_label(re.compile("^Name")).evaluate("element => element.validity.valueMissing")
    page.get_by_label(re.compile("^Name")).fill("super-energy.example")
    page.get_by_label("Value").fill("the-token")
    page.get_by_role("button", name="Add record").click()
    expect(page.locator(".flash.ok")).to_contain_text("TXT record added to super-energy.example")
    expect(page.locator("table").last).to_contain_text("the-token")
    screenshot(page, "console-dns")
    answer = requests.get(running.control + "/dns/records", timeout=10).json()["records"]
    assert [r["value"] for r in answer] == ["the-token"]

    page.goto(web + "/console/journal?listener=web")
    expect(page.locator("table")).to_contain_text("/dip/uit/api/manager/organisations")
    screenshot(page, "console-journal")

    page.goto(web + "/console/snapshots")
    page.get_by_label("Snapshot name").fill("before-certificates")
    page.get_by_role("button", name="Save snapshot").click()
    expect(page.locator(".flash.ok")).to_contain_text("Snapshot before-certificates saved")
    requests.post(running.control + "/dns/records", json={"name": "later.example", "type": "TXT", "value": "x"},
                  timeout=10)
    page.get_by_role("button", name="Restore").click()
    expect(page.locator(".flash.ok")).to_contain_text("back where it was")
    values = [r["value"] for r in requests.get(running.control + "/dns/records", timeout=10).json()["records"]]
    assert values == ["the-token"]
    screenshot(page, "console-snapshots")

    page.get_by_label("Scenario").select_option("uit-onboarded")
    page.get_by_role("button", name="Load scenario").click()
    expect(page.locator(".flash.ok")).to_contain_text("Scenario uit-onboarded loaded")
    expect(page.locator("main")).to_contain_text("Loaded now: uit-onboarded")
    made = requests.get(running.control + "/scenario", timeout=10).json()
    page.goto(web + "/console/")
    journey = page.locator("main").inner_text()
    assert made["uit"]["participant"]["company_name"] in journey
    assert "1 DIP certificate(s) issued in one call; the five stages were skipped" in journey
    screenshot(page, "console-scenario")


def test_console_forms_need_the_csrf_token(running):
    forged = requests.post(running.endpoints["web"] + "/console/clock/advance", data={"duration": "3600"}, timeout=10)
    assert forged.status_code == 400 and "The form expired" in forged.text


def test_a_wait_and_the_button_that_advances_the_clock_to_it(start_sandbox, page):
    from tests.atlas_helpers import FORM, Portal
    running = start_sandbox(profile="realistic", clock_mode="manual")
    Portal(running).register()
    page.goto(running.endpoints["web"] + "/console/")
    wait = page.locator("form.wait").first
    assert "registration emails completes in 30 min" in wait.inner_text() and "falls due at" in wait.inner_text()
    screenshot(page, "console-waiting")
    expect(page.locator("table").last).to_contain_text("vetting")  # the timing profile's waits
    assert requests.get(running.control + "/mail", params={"to": FORM["email"]}, timeout=10).json()["emails"] == []
    wait.get_by_role("button", name="Advance the clock to it").click()
    expect(page.locator(".flash.ok")).to_contain_text("1 waiting step(s) completed")
    emails = requests.get(running.control + "/mail", params={"to": FORM["email"]}, timeout=10).json()["emails"]
    assert len(emails) == 2
    assert page.locator("form.wait").filter(has_text="registration emails").count() == 0


def test_counterparts_page_publishes_and_manages_auto_replies(start_sandbox, page, tmp_path):
    from tests.message_helpers import onboard
    running = start_sandbox(profile="instant", clock_mode="manual")
    hook = running.handle.webhook_receiver()
    supplier = onboard(running, company_name="Super Energy Co", webhooks={"*": hook.url})
    dip_id = supplier["dip_ids"][0]["dip_id"]
    page.goto(running.endpoints["web"] + "/console/counterparts")
    expect(page.get_by_role("heading", name="Publish to me")).to_be_visible()
    page.get_by_label("Recipient DIP ID").select_option(dip_id)
    page.get_by_label("Interface", exact=True).select_option("IF-032")
    page.get_by_label(re.compile(r"^Event code \(empty")).fill("MSAppInitialResp")
    page.get_by_role("button", name="Send").click()
    flashed = page.locator(".flash.ok").inner_text()
    assert "IF-032 [MSAppInitialResp] sent by" in flashed and f"to {dip_id}" in flashed
    [delivered] = hook.wait_for_deliveries(1)
    assert b'"interfaceID": "IF-032"' in delivered.body or b'"interfaceID":"IF-032"' in delivered.body
    screenshot(page, "console-counterparts")

    page.get_by_label("Payload").fill("{not json")
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".flash.error")).to_contain_text("the payload is not JSON")

    page.get_by_label("Role", exact=True).select_option("MSS")
    page.get_by_role("button", name="Make (or show) the counterpart").click()
    expect(page.locator(".flash.ok")).to_contain_text("Counterpart DIP ID")
    page.get_by_label("Organisation that answers").select_option("CEN-MSS-UIT")
    page.get_by_label("On receiving").select_option("IF-031")
    page.get_by_label("Answer with (optional)").select_option("IF-032")
    page.get_by_label("After (sandbox seconds)").fill("30")
    page.get_by_role("button", name="Add rule").click()
    assert "Rule 1 added: on IF-031, CEN-MSS-UIT answers after 30 sandbox seconds" in \
        page.locator(".flash.ok").inner_text()
    rules = requests.get(running.control + "/dip/uit/auto-replies", timeout=10).json()["rules"]
    assert [(r["on_interface"], r["reply_interface"], r["after_seconds"]) for r in rules] == [("IF-031", "IF-032", 30)]
    page.get_by_role("button", name="Remove rule 1").click()
    expect(page.locator(".flash.ok")).to_contain_text("Rule removed.")
    assert requests.get(running.control + "/dip/uit/auto-replies", timeout=10).json()["rules"] == []
    hook.close()
