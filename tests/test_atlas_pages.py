"""The Atlas portal's pages in a real browser: the whole account journey by clicking — registration (with a
form error), invitation, password reset code, sign-in, the dashboard tiles, quotation, identity profile and
vetting, API credentials (the secret shown once, the CSV download), the mTLS certificate from an openssl CSR,
domains and users. Screenshots go to test-artefacts/."""
import re
import subprocess

import pytest
from playwright.sync_api import expect

from tests.atlas_helpers import FORM, PASSWORD
from tests.browser import screenshot
from tests.page_flows import (fill_registration, open_atlas_invitation, reload_until,
                               set_atlas_password_and_sign_in)


@pytest.mark.long
def test_the_atlas_journey_by_clicking(start_sandbox, page, tmp_path):
    running = start_sandbox(profile="instant")
    web = running.endpoints["web"]
    fill_registration(page, web, FORM)
    page.get_by_role("button", name="Register").click()
    expect(page.locator(".field-error").first).to_contain_text("tick")  # "I'm not a robot" left unticked
    screenshot(page, "atlas-register-error")
    page.get_by_label("I'm not a robot").check()
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", name="Thank you for registering")).to_be_visible()

    open_atlas_invitation(page, running, FORM["email"])
    set_atlas_password_and_sign_in(page, running, FORM["email"], PASSWORD)
    page.wait_for_url(re.compile(r".*/atlas/dashboard$"))
    expect(page.get_by_role("region", name="To Do - Set a Payment Method")).to_be_visible()
    screenshot(page, "atlas-dashboard")

    page.get_by_role("button", name="Use Invoice").click()
    reload_until(page, "View and Accept Quote</a>")
    page.get_by_role("link", name="View and Accept Quote").click()
    page.get_by_role("button", name="Use this payment method").click()
    expect(page.locator(".field-error").first).to_be_visible()
    page.get_by_label("I accept the quotation").check()
    page.get_by_label("I accept the Master Services Agreement").check()
    page.get_by_role("button", name="Use this payment method").click()
    expect(page.get_by_role("status").first).to_contain_text("Quotation accepted")

    page.get_by_role("navigation", name="main").get_by_role("link", name="Identity Profiles").click()
    page.get_by_label("Profile name").fill("Sandbox profile")
    page.get_by_label(re.compile("^Organisation name")).fill(FORM["company_name"])
    page.get_by_label("Locality (town)").fill(FORM["city"])
    page.get_by_role("button", name="Submit for vetting").click()
    reload_until(page, "<td>active")
    screenshot(page, "atlas-identity-profiles")

    page.get_by_role("navigation", name="main").get_by_role("link", name="API Credentials").click()
    page.get_by_label("View and Copy").check()
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Next").click()  # the one active service
    page.get_by_label("Familiar name").fill("dip-uit")
    page.get_by_role("button", name="Generate").click()
    alert = page.get_by_role("alert", name="New API credentials")
    expect(alert).to_contain_text("shown only now")
    api_secret = page.locator("#api-secret").inner_text()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download as .csv").click()
    csv_file = tmp_path / "credentials.csv"
    download_info.value.save_as(csv_file)
    assert api_secret in csv_file.read_text()
    screenshot(page, "atlas-api-credentials")
    page.reload()
    assert api_secret not in page.content()  # never shown again

    subprocess.run(["openssl", "req", "-new", "-newkey", "rsa:4096", "-nodes", "-keyout", "apicert.key", "-out",
                    "apicert.csr", "-subj", "/CN=onboarding_key"], cwd=tmp_path, check=True, capture_output=True,
                   timeout=120)
    page.get_by_role("navigation", name="main").get_by_role("link", name="Generate mTLS Certificates").click()
    reload_until(page, "dip-uit")
    page.get_by_label("CSR").fill((tmp_path / "apicert.csr").read_text())
    page.get_by_role("button", name="Generate certificate").click()
    assert page.locator("#certificate").inner_text().startswith("-----BEGIN CERTIFICATE-----")
    with page.expect_download() as certificate_download:
        page.get_by_role("link", name="Download apicert.cer").click()
    certificate_download.value.save_as(tmp_path / "apicert.cer")
    assert (tmp_path / "apicert.cer").read_text().strip() == page.locator("#certificate").inner_text().strip()
    screenshot(page, "atlas-mtls-certificate")

    page.get_by_role("navigation", name="main").get_by_role("link", name="Domains").click()
    page.get_by_label("Domain", exact=True).fill("sandbox-energy.example")
    page.get_by_role("button", name="Add domain").click()
    expect(page.locator("table")).to_contain_text("sandbox-energy.example")
    page.get_by_role("button", name="Verify Domain sandbox-energy.example.").click()
    expect(page.get_by_role("status").first).to_contain_text("no_record")
    screenshot(page, "atlas-domains")

    page.get_by_role("navigation", name="main").get_by_role("link", name="Users").click()
    page.get_by_label("Email", exact=True).fill("bob@sandbox-energy.example")
    page.get_by_role("button", name="Add user").click()
    expect(page.get_by_role("status").first).to_contain_text("bob@sandbox-energy.example added")


def test_sign_in_returns_to_the_page_asked_for_and_only_to_this_server(start_sandbox):
    import requests
    from tests.atlas_helpers import Portal
    running = start_sandbox(profile="instant")
    portal = Portal(running)
    portal.register()
    portal.onboard_user(FORM["email"])
    web = running.endpoints["web"]
    browser = requests.Session()
    asked = browser.get(web + "/atlas/dashboard", allow_redirects=False, timeout=10)
    assert asked.status_code == 302 and asked.headers["Location"].endswith("/atlas/sign-in?next=/atlas/dashboard")
    for wanted, lands in (("/atlas/dashboard", "/atlas/dashboard"), ("//evil.example/", "/atlas/dashboard")):
        browser.cookies.clear()
        form = browser.get(web + "/atlas/sign-in", params={"next": wanted}, timeout=10)
        assert 'href="/atlas/register"' in form.text  # a newcomer finds the registration form
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
        signed = browser.post(web + "/atlas/sign-in", params={"next": wanted}, allow_redirects=False, timeout=10,
                              data={"email": FORM["email"], "password": PASSWORD, "csrf_token": csrf})
        assert signed.status_code == 302 and signed.headers["Location"] == lands, signed.headers
