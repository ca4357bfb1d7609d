"""Presenter controls (issue 17, "what makes it a delight"): pages that update themselves when the sandbox changes
(an email lands, a wait ends), but never under a person filling in a form; "finish this wait now" per waiting
item without moving the clock; presenter mode; a skip link. In Chromium, through the web listener."""
import re

import requests
from playwright.sync_api import expect

from tests.atlas_helpers import FORM

BROWSER_WAIT = 10_000  # ms: the pages ask for changes every two seconds


def test_a_page_reloads_itself_when_an_email_lands(start_sandbox, page):
    running = start_sandbox(profile="instant", live_pages=True)
    web = running.endpoints["web"]
    page.goto(web + "/console/outbox")
    expect(page.get_by_text("No emails.")).to_be_visible()
    page.wait_for_timeout(2500)  # the page has its first answer from /_pages/changes
    requests.post(web + "/atlas/api/registrations", json={**FORM, "not_a_robot": True}, timeout=10).raise_for_status()
    expect(page.get_by_role("cell", name=FORM["email"]).first).to_be_visible(timeout=BROWSER_WAIT)


def test_a_page_being_filled_in_is_not_reloaded_but_says_the_sandbox_changed(start_sandbox, page):
    running = start_sandbox(profile="instant", live_pages=True)
    web = running.endpoints["web"]
    page.goto(web + "/console/outbox")
    page.wait_for_timeout(2500)
    page.get_by_label("Recipient").fill("half-typed@")
    requests.post(web + "/atlas/api/registrations", json={**FORM, "not_a_robot": True}, timeout=10).raise_for_status()
    expect(page.locator(".live-notice")).to_be_visible(timeout=BROWSER_WAIT)
    assert page.get_by_label("Recipient").input_value() == "half-typed@"
    expect(page.get_by_text("No emails.")).to_be_visible()  # not reloaded


def test_asking_for_changes_is_not_a_change(start_sandbox):
    running = start_sandbox(live_pages=True)
    web = running.endpoints["web"]
    first = requests.get(web + "/_pages/changes", timeout=10).json()["changes"]
    for _ in range(3):
        requests.get(web + "/console/", timeout=10).raise_for_status()
    assert requests.get(web + "/_pages/changes", timeout=10).json()["changes"] == first
    requests.post(running.control + "/dns/records", json={"name": "live.example", "type": "TXT", "value": "x"},
                  timeout=10).raise_for_status()
    assert requests.get(web + "/_pages/changes", timeout=10).json()["changes"] > first
    off = start_sandbox(live_pages=False)
    page = requests.get(off.endpoints["web"] + "/console/", timeout=10).text
    assert "data-changes" not in page and "live.js" not in page


def test_finish_this_wait_now_ends_one_wait_without_moving_the_clock(start_sandbox, page):
    running = start_sandbox(profile="training", clock_mode="manual")
    web = running.endpoints["web"]
    requests.post(web + "/atlas/api/registrations", json={**FORM, "not_a_robot": True}, timeout=10).raise_for_status()
    before = requests.get(running.control + "/clock", timeout=10).json()["now"]
    page.goto(web + "/console/")
    wait = page.locator("form.wait").filter(has_text="registration emails")
    wait.get_by_role("button", name=re.compile("^Finish the wait registration emails now")).click()
    expect(page.locator(".flash.ok")).to_contain_text("ended now")
    assert requests.get(running.control + "/clock", timeout=10).json()["now"] == before
    emails = requests.get(running.control + "/mail", params={"to": FORM["email"]}, timeout=10).json()["emails"]
    assert emails, "the registration emails were not sent"


def test_presenter_mode_and_the_skip_link(start_sandbox, page):
    running = start_sandbox()
    web = running.endpoints["web"]
    page.goto(web + "/console/")
    normal = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    page.get_by_role("button", name="Presenter mode").click()
    expect(page.locator("body.presenter")).to_have_count(1)
    # waited for: the click's new page may have its class before its stylesheet has been applied
    page.wait_for_function("larger => parseFloat(getComputedStyle(document.body).fontSize) > larger",
                           arg=normal * 1.2, timeout=10_000)
    page.goto(web + "/dip/uit/sign-in")  # the whole browser: the portals too
    expect(page.locator("body.presenter")).to_have_count(1)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to the content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.goto(web + "/console/")
    page.get_by_role("button", name="Presenter mode").click()
    expect(page.locator("body.presenter")).to_have_count(0)


def test_the_dns_page_publishes_a_pending_claim_in_one_click(start_sandbox, page):
    from tests.atlas_helpers import Portal
    running = start_sandbox(profile="instant")
    web = running.endpoints["web"]
    account = requests.post(running.control + "/atlas/accounts", json={"company_name": "Claims Energy"},
                            timeout=60).json()  # vetted, ready for domains
    portal = Portal(running)
    portal.sign_in(account["email"], account["password"])
    claim = portal.ok("POST", "/domains", 201, json={"domain": "claims-energy.example"})
    page.goto(web + "/console/dns")
    row = page.get_by_role("row").filter(has_text="Claims Energy")
    token = row.locator("code").inner_text()
    row.get_by_role("button", name="Publish the TXT record of claims-energy.example").click()
    expect(page.locator(".flash.ok")).to_contain_text("TXT record of claims-energy.example published")
    records = requests.get(running.control + "/dns/records", timeout=10).json()["records"]
    assert {"name": "claims-energy.example", "type": "TXT", "value": token} in [
        {k: r[k] for k in ("name", "type", "value")} for r in records]
    verified = portal.ok("POST", f"/domains/{claim['id']}/verify")
    assert verified["status"] == "VERIFIED", verified
    page.reload()
    expect(page.get_by_text("No domain claim is waiting.")).to_be_visible()
