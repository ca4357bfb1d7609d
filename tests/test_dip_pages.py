"""The DIP portal's pages in a real browser (Chromium through Playwright): invitation, password, sign-in with
MFA enrolment (the key read off the page, as an authenticator app would scan it), Terms of Use, home and the
organisation's tabs; CSRF on every form; cookies HttpOnly and SameSite. Screenshots go to test-artefacts/."""
import re
import time

import pyotp
import pytest
import requests
from playwright.sync_api import expect

from tests.browser import screenshot
from tests.page_flows import first_sign_in_page, new_dip_id, sign_in_page
from tests.dip_helpers import PASSWORD, invitation_token, invite, manager


def test_invitation_to_organisation_pages_in_a_browser(dip, page):
    boss = manager(dip)
    invite(boss)
    base = f"{dip.endpoints['web']}/dip/uit"
    page.goto(f"{base}/invitations/{invitation_token(dip, 'pat@super-energy.example')}")
    expect(page.locator("header.banner.uit")).to_be_visible()  # the UIT banner
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Set password").click()
    assert page.locator(".field-error").is_visible() and "at least" in page.locator(".field-error").inner_text()
    screenshot(page, "dip-invitation-error")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Set password").click()
    page.wait_for_url(re.compile(r".*/sign-in$"))
    assert "Password set for pat@super-energy.example" in page.content()

    page.get_by_label("Email").fill("pat@super-energy.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".qr svg")).to_be_visible()
    screenshot(page, "dip-mfa-enrolment")
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Terms of Use")).to_be_visible()
    page.get_by_label("I accept the Terms of Use").check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r".*/home$"))
    assert "Super Energy Co" in page.content()
    screenshot(page, "dip-home")
    cookie = next(c for c in page.context.cookies() if c["name"] == "dip_session_uit")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"

    page.get_by_role("navigation", name="main").get_by_role("link", name="Market Participant Organisation").click()
    expect(page.get_by_role("heading", name="Super Energy Co")).to_be_visible()
    expect(page.locator("dl.details")).to_contain_text("super-energy.example")
    screenshot(page, "dip-organisation-dip-ids")
    page.get_by_role("link", name="Members").click()
    expect(page.locator("table")).to_contain_text("pat@super-energy.example")
    screenshot(page, "dip-organisation-members")
    page.get_by_role("link", name="Certificates").click()
    expect(page.locator("body")).to_contain_text("GlobalSign Registration")
    screenshot(page, "dip-organisation-certificates")

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r".*/sign-in$"))
    page.goto(f"{base}/organisation")
    assert "/sign-in?next=" in page.url and "Sign in to continue" in page.content()
    page.get_by_label("Email").fill("pat@super-energy.example")  # the sign-in returns to the page asked for
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Authenticator code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/dip/uit/organisation$"))
    expect(page.get_by_role("heading", name="Super Energy Co")).to_be_visible()


def test_forms_need_their_csrf_token(dip):
    forged = requests.post(f"{dip.endpoints['web']}/dip/uit/sign-in", data={"email": "a@b.example", "password": "x"},
                           timeout=10)
    assert forged.status_code == 400 and "The form expired" in forged.text


def test_a_wrong_code_at_sign_in_shows_next_to_the_field(dip, page):
    boss = manager(dip)
    page.goto(f"{dip.endpoints['web']}/dip/uit/sign-in")
    page.get_by_label("Email").fill("dip.manager@dip-sandbox.example")
    page.get_by_label("Password").fill("manager-password-1")
    page.get_by_label("Authenticator code").fill("000000")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".form-error, .field-error").first).to_contain_text(
        "wrong email, password or authenticator code")
    page.get_by_label("Email").fill("dip.manager@dip-sandbox.example")
    page.get_by_label("Password").fill("manager-password-1")
    page.get_by_label("Authenticator code").fill(pyotp.TOTP(boss.secret).now())
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/home$"))
    assert "You are the DIP Manager" in page.content()


def test_members_tab_create_extend_offboard(dip, page):
    from tests.dip_helpers import organisation_with_certificate_admin
    people = organisation_with_certificate_admin(dip)
    sign_in_page(page, dip, "pat@super-energy.example", people["admin"].secret)
    page.goto(f"{dip.endpoints['web']}/dip/uit/organisation?tab=members")
    form = page.get_by_role("form", name="Create member")
    form.get_by_label("First name").fill("Nia")
    form.get_by_label("Last name").fill("Message")
    form.get_by_label("Email").fill("nia@elsewhere.example")
    form.get_by_label("MP Message Admin").check()
    form.get_by_role("button", name="Create member").click()
    expect(page.locator(".field-error").first).to_contain_text("is not a whitelisted domain")
    screenshot(page, "dip-members-error")
    form = page.get_by_role("form", name="Create member")
    form.get_by_label("Email").fill("nia@super-energy.example")
    form.get_by_label("MP Message Admin").check()
    form.get_by_role("button", name="Create member").click()
    expect(page.get_by_role("status").first).to_contain_text("an invitation email was sent to nia@super-energy.example")
    row = page.locator("tr", has_text="nia@super-energy.example")
    row.locator("summary", has_text="Edit").click()
    row.get_by_label("First name").fill("Niamh")
    row.get_by_label("MP Analytics Reader").check()
    row.get_by_role("button", name="Save member").click()
    expect(page.get_by_role("status").first).to_contain_text("Member nia@super-energy.example updated")
    updated = page.locator("tr", has_text="nia@super-energy.example").inner_text()
    assert "Niamh" in updated and "MP Analytics Reader" in updated
    page.get_by_role("button", name="Extend nia@super-energy.example").click()
    expect(page.get_by_role("status").first).to_contain_text("extended by 6 months")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Offboard nia@super-energy.example").click()
    expect(page.get_by_role("status").first).to_contain_text("nia@super-energy.example was offboarded")
    screenshot(page, "dip-members")


@pytest.mark.long
def test_the_five_certificate_stages_by_clicking(dip, page, tmp_path):
    import base64
    import subprocess
    from tests.dip_helpers import atlas_account, organisation_with_certificate_admin
    people, atlas = organisation_with_certificate_admin(dip), atlas_account(dip)
    (tmp_path / "atlas.pfx").write_bytes(base64.b64decode(atlas["client_pfx_base64"]))
    sign_in_page(page, dip, "cert@super-energy.example", people["cert"].secret)
    web = dip.endpoints["web"]
    page.goto(f"{web}/dip/uit/organisation?tab=certificates")
    screenshot(page, "dip-certificates-stage-1")
    page.get_by_role("button", name="Next").click()
    page.get_by_label("API Key").fill(atlas["api_key"])
    page.get_by_label("API Secret").fill("not-the-secret")
    page.get_by_label("PFX certificate (password-less)").set_input_files(str(tmp_path / "atlas.pfx"))
    page.get_by_role("button", name="Validate").click()
    expect(page.locator(".field-error").first).to_contain_text("did not accept this API key and secret")
    page.get_by_label("API Secret").fill(atlas["api_secret"])
    page.get_by_label("PFX certificate (password-less)").set_input_files(str(tmp_path / "atlas.pfx"))
    page.get_by_role("button", name="Validate").click()
    expect(page.get_by_role("status").first).to_contain_text("Added successfully")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").first).to_contain_text("Onboarding status updated successfully")
    page.get_by_label("Domain used for GlobalSign verification").fill("super-energy.example")
    page.get_by_role("button", name="Submit", exact=True).click()
    token = page.locator("[id^=txt-]").first.inner_text()
    screenshot(page, "dip-certificates-txt-record")
    page.get_by_role("button", name="Submit verification of super-energy.example.").click()
    expect(page.locator(".field-error, .form-error").first).to_contain_text("tick the box")
    # the DNS Admin adds the record through the sandbox console
    page.goto(f"{web}/console/dns")
    page.get_by_label(re.compile("^Name")).fill("super-energy.example")
    page.get_by_label("Value").fill(token)
    page.get_by_role("button", name="Add record").click()
    expect(page.locator(".flash.ok")).to_contain_text("TXT record added to super-energy.example")
    page.goto(f"{web}/dip/uit/organisation?tab=certificates")
    page.get_by_label("The DNS Admin has added the TXT record").check()
    page.get_by_role("button", name="Submit verification of super-energy.example.").click()
    expect(page.get_by_role("status").first).to_contain_text("Domain Validation Successful")
    assert ".." not in page.get_by_role("status").first.inner_text()

    page.get_by_label("Host Name").fill("2059")
    page.get_by_label("Certificate Purpose").select_option("mTLS & Signing")
    page.get_by_role("button", name="Generate Subject Name").click()
    subject_name = page.locator("#subject-name").inner_text()
    assert subject_name == "energydip-nonprod.2059.super-energy.example"
    dn_and_h = page.locator("#dn-and-h").inner_text()
    copy = page.locator("button.copy[data-copy=subject-name]")
    copy.click()
    expect(copy).to_have_text("Copied")
    subprocess.run(["openssl", "req", "-new", "-newkey", "rsa:4096", "-nodes", "-keyout", "mtlscert.key", "-out",
                    "mtlscert.csr", "-subj", f"/CN={subject_name}", "-addext",
                    f"subjectAltName = DNS:{dn_and_h}, DNS:{subject_name}"], cwd=tmp_path, check=True,
                   capture_output=True, timeout=120)
    page.get_by_label("CSR").fill((tmp_path / "mtlscert.csr").read_text())
    screenshot(page, "dip-certificates-create")
    page.get_by_role("button", name="Create Certificate").click()
    expect(page.get_by_role("status").first).to_contain_text("ISSUED for energydip-nonprod.2059.super-energy.example")
    assert [s["status"] for s in people["cert"].ok("GET", "/certificates/stages")["stages"]] == ["complete"] * 5
    screenshot(page, "dip-certificates-issued")
    download = page.request.get(web + page.locator("a", has_text="Download").first.get_attribute("href"))
    assert download.ok and download.text().startswith("-----BEGIN CERTIFICATE-----")


def test_dip_id_keys_channels_messages_and_performance(dip, page, tmp_path):
    import json as json_lib
    import subprocess
    from tests.conftest import venv_bin
    from tests.message_helpers import message, onboard
    hook = dip.handle.webhook_receiver()
    supplier = onboard(dip, company_name="Super Energy Co")
    receiver = onboard(dip, company_name="Big Energy Company", dip_ids=[{"role_code": "ADS"}])
    web = f"{dip.endpoints['web']}/dip/uit"
    first_sign_in_page(page, dip, receiver["members"][0]["email"], receiver["members"][0]["password"])
    target = receiver["dip_ids"][0]["dip_id"]

    page.goto(f"{web}/dip-ids/{target}")
    page.get_by_role("button", name="Show API keys").click()
    assert page.locator("#key-primary").inner_text() == receiver["dip_ids"][0]["api_key"]
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Regenerate the secondary key").click()
    expect(page.locator("#key-secondary")).not_to_have_text(receiver["dip_ids"][0]["secondary_api_key"])
    screenshot(page, "dip-dip-id")
    page.locator("summary", has_text="Edit or delete this DIP ID").click()
    edit = page.get_by_role("form", name="Edit DIP ID")
    edit.get_by_label("Effective to").fill("2031-12-31")
    edit.get_by_role("button", name="Save DIP ID").click()
    expect(page.get_by_role("status").first).to_contain_text(f"DIP ID {target} updated")
    expect(page.locator("dl.details")).to_contain_text("2031-12-31")

    page.get_by_role("navigation", name="main").get_by_role("link", name="Message Channels").click()
    page.get_by_label(re.compile("^Interface")).select_option("IF-041")
    page.get_by_label("Webhook URL").fill(hook.url)
    page.get_by_role("button", name="Save webhook").click()
    expect(page.get_by_role("status").first).to_contain_text("Webhook of IF-041 set")
    screenshot(page, "dip-channels")

    (tmp_path / "c.cer").write_text(supplier["certificate_pem"])
    (tmp_path / "c.key").write_text(supplier["key_pem"])
    (tmp_path / "m.json").write_text(json_lib.dumps(message(supplier, [target])))
    (tmp_path / "endpoints.json").write_text(json_lib.dumps(dip.endpoints))
    sent = subprocess.run([venv_bin("dip-sandbox"), "client", "send", "--interface", "IF-041", "--api-key",
                           supplier["dip_ids"][0]["api_key"], "--cert", str(tmp_path / "c.cer"), "--key",
                           str(tmp_path / "c.key"), "--endpoints-file", str(tmp_path / "endpoints.json"),
                           str(tmp_path / "m.json")], capture_output=True, text=True, timeout=60)
    assert sent.returncode == 0, sent.stdout + sent.stderr
    hook.wait_for_deliveries(1)
    deadline = time.monotonic() + 10  # the worker records the delivery a moment after the webhook has it
    while dip.sandbox.dip["uit"].ctx.one("select state from dip_deliveries", [])["state"] != "Delivered":
        assert time.monotonic() < deadline
        time.sleep(0.02)

    page.get_by_role("navigation", name="main").get_by_role("link", name="Messages").click()
    page.get_by_role("link", name="Received").click()
    page.locator("a", has_text="T-IF-041-").first.click()
    expect(page.get_by_role("heading", name="Delivery journal")).to_be_visible()
    expect(page.locator("section.card h3").first).to_contain_text("Delivered")
    # the receiver report: the harness's webhook answers a StandardResponse item per message, the documented form
    # (a receiver that does not is reported as such: tests/test_dip_receiver_report.py)
    answer = page.locator("section.card tbody tr").first.inner_text()
    assert "a documented StandardResponse" in answer and "not the documented" not in answer
    assert " ms" in answer
    screenshot(page, "dip-message")
    page.get_by_role("navigation", name="main").get_by_role("link", name="Performance").click()
    chart = page.get_by_role("img", name=re.compile("Delivered: 1"))
    expect(chart).to_be_visible()
    screenshot(page, "dip-performance")
    hook.close()


def test_dip_manager_console_details_and_audit(dip, page):
    boss = manager(dip)
    sign_in = f"{dip.endpoints['web']}/dip/uit/sign-in"
    page.goto(sign_in)
    page.get_by_label("Email").fill("dip.manager@dip-sandbox.example")
    page.get_by_label("Password").fill("manager-password-1")
    page.get_by_label("Authenticator code").fill(pyotp.TOTP(boss.secret).now())
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation", name="main").get_by_role("link", name="Market Participant Organisation").click()
    form = page.get_by_role("form", name="Invite an organisation")
    form.get_by_label("Company name").fill("Super Energy Co")
    form.get_by_label("Company number").fill("12")
    form.get_by_label("Primary Admin first name").fill("Pat")
    form.get_by_label("Primary Admin last name").fill("Admin")
    form.get_by_label("Primary Admin email").fill("pat@super-energy.example")
    form.get_by_role("button", name="Invite").click()
    expect(page.locator("#company_number-error")).to_contain_text("8 letters or digits")
    form = page.get_by_role("form", name="Invite an organisation")
    assert form.get_by_label("Primary Admin email").input_value() == "pat@super-energy.example"  # kept
    form.get_by_label("Company number").fill("09999001")
    form.get_by_role("button", name="Invite").click()
    expect(page.get_by_role("status").first).to_contain_text("Super Energy Co invited")
    page.get_by_label("Domain for Super Energy Co").fill("super-energy.co.uk")
    page.get_by_role("button", name="Whitelist").click()
    expect(page.get_by_role("status").first).to_contain_text("super-energy.co.uk")
    screenshot(page, "dip-manager")

    # the Primary Admin verifies the company details on the home page, then reads the audit log
    page.context.clear_cookies()
    admin_page = page
    admin_page.goto(f"{dip.endpoints['web']}/dip/uit/invitations/{invitation_token(dip, 'pat@super-energy.example')}")
    admin_page.get_by_label("Password").fill(PASSWORD)
    admin_page.get_by_role("button", name="Set password").click()
    first_sign_in_page(admin_page, dip, "pat@super-energy.example", PASSWORD)
    details = admin_page.get_by_role("form", name="Verify the company details")
    details.get_by_label("Description").fill("Supplier of sandbox energy")
    details.get_by_role("button", name="Verify details").click()
    expect(admin_page.get_by_role("status").first).to_contain_text("Company details verified")
    admin_page.get_by_role("navigation", name="main").get_by_role("link", name="Audit").click()
    expect(admin_page.locator("table")).to_contain_text("company details verified")
    screenshot(admin_page, "dip-audit")


def test_a_dcp_member_switches_context(dip, page):
    from tests.message_helpers import onboard
    supplier = onboard(dip, company_name="Super Energy Co")
    dcp = onboard(dip, company_name="Fabrikam Connection Provider Ltd", dcp=True, dip_ids=[])
    dip.sandbox.dip["uit"].dcps.nominate(
        {"email": "test", "organisation_id": supplier["organisation_id"], "is_manager": 0,
         "roles": '["MP Message Admin"]', "dip_id_scope": "all"},
        supplier["dip_ids"][0]["dip_id"], {"dcp_id": dcp["dcp_id"]})
    first_sign_in_page(page, dip, dcp["members"][0]["email"], dcp["members"][0]["password"])
    page.get_by_label("Acting for").select_option(label="Super Energy Co (as DCP)")
    page.get_by_role("button", name="Switch").click()
    expect(page.locator("body")).to_contain_text("acting as DIP Connection Provider for")
    assert "Super Energy Co" in page.content()
    page.get_by_role("navigation", name="main").get_by_role("link", name="Message Channels").click()
    expect(page.locator("body")).to_contain_text(supplier["dip_ids"][0]["dip_id"])
    screenshot(page, "dip-dcp-context")


def test_promotion_from_the_production_manager_console(dip, page):
    from tests.message_helpers import onboard
    onboard(dip, company_name="Super Energy Co")
    boss = manager(dip, "prod")
    sign_in_page(page, dip, "dip.manager@dip-sandbox.example", boss.secret, "prod", password="manager-password-1")
    page.goto(f"{dip.endpoints['web']}/dip/prod/manager")
    promote = page.get_by_role("form", name="Promote from UIT to Production")
    expect(promote).to_be_visible()
    assert not page.locator("header.banner.uit").count()  # Production: no yellow banner
    promote.get_by_label("UIT organisation").select_option(label="Super Energy Co")
    promote.get_by_label("DIP IDs effective from").fill("2027-01-01")
    promote.get_by_role("button", name="Promote").click()
    expect(page.get_by_role("status").first).to_contain_text("Super Energy Co promoted to Production")
    expect(page.locator("table").first).to_contain_text("Super Energy Co")
    screenshot(page, "dip-prod-manager-promotion")


def test_create_and_delete_a_dip_id_on_the_pages(dip, page):
    from tests.message_helpers import onboard
    organisation = onboard(dip, company_name="Super Energy Co", dip_ids=[])
    first_sign_in_page(page, dip, organisation["members"][0]["email"], organisation["members"][0]["password"])
    page.goto(f"{dip.endpoints['web']}/dip/uit/organisation?tab=dip-ids")
    create = page.get_by_role("form", name="Create DIP ID")
    create.get_by_label("DIP role code").select_option("SUP")
    create.get_by_label("MPID (4 characters)").fill("TOOLONG")
    create.get_by_label("Effective from").fill("2026-12-01")
    create.get_by_role("button", name="Create DIP ID").click()
    expect(page.locator("#mpid-error")).to_be_visible()
    create = page.get_by_role("form", name="Create DIP ID")
    create.get_by_label("MPID (4 characters)").fill("SUPE")
    create.get_by_role("button", name="Create DIP ID").click()
    dip_id = new_dip_id(page)
    page.locator("summary", has_text="Edit or delete this DIP ID").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete DIP ID").click()
    expect(page.get_by_role("status").first).to_contain_text(f"DIP ID {dip_id} deleted")
    assert dip_id not in page.locator("table").inner_text()
