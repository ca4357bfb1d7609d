"""The whole onboarding walked by clicking, as a trainer would show it, on the realistic timing profile with a
manual clock advanced from the console: Atlas registration → vetting → API credentials → client certificate →
DIP sign-in with MFA → members → the five certificate stages (CSR and PFX made with openssl) → DIP ID → webhook →
a message sent with `dip-sandbox client send` shows in Messages. Screenshots go to test-artefacts/."""
import json
import re
import subprocess

import pyotp
import pytest
from playwright.sync_api import expect

from tests.atlas_helpers import FORM, PASSWORD as ATLAS_PASSWORD
from tests.browser import screenshot
from tests.conftest import venv_bin
from tests.dip_helpers import MANAGER_PASSWORD, PASSWORD, invitation_token, manager
from tests.message_helpers import message, onboard
from tests.page_flows import (advance_to_wait, atlas_sign_in, create_dip_id, create_member, fill_registration,
                               first_sign_in_page, invite_organisation, open_atlas_invitation, reload_until,
                               set_atlas_password_and_sign_in, sign_in_page, upload_api_credentials)

COMPANY = FORM["company_name"]
DOMAIN = "sandbox-energy.example"


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=120)


def accept_dip_invitation(page, running, email):
    page.context.clear_cookies()
    page.goto(f"{running.endpoints['web']}/dip/uit/invitations/{invitation_token(running, email)}")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Set password").click()
    return first_sign_in_page(page, running, email, PASSWORD)


def atlas_page(page, web, path):
    """Open an Atlas page, signing in again when the portal session ran out while the clock was advanced."""
    page.goto(f"{web}/atlas/{path}")
    if page.url.endswith("/atlas/sign-in"):
        atlas_sign_in(page, FORM["email"], ATLAS_PASSWORD)
        page.goto(f"{web}/atlas/{path}")


@pytest.mark.long
def test_the_whole_onboarding_by_clicking(start_sandbox, page, tmp_path):
    running = start_sandbox(profile="realistic", clock_mode="manual", dip_manager_password=MANAGER_PASSWORD)
    web = running.endpoints["web"]

    # -- A. the GlobalSign Atlas account --------------------------------------------------------------
    fill_registration(page, web, FORM)
    page.get_by_label("I'm not a robot").check()
    page.get_by_role("button", name="Register").click()
    advance_to_wait(page, web, "registration emails")
    open_atlas_invitation(page, running, FORM["email"])
    advance_to_wait(page, web, "password reset")
    set_atlas_password_and_sign_in(page, running, FORM["email"], ATLAS_PASSWORD)
    page.get_by_role("button", name="Use Invoice").click()
    advance_to_wait(page, web, "quotation ready")
    atlas_page(page, web, "quotation")
    page.get_by_label("I accept the quotation").check()
    page.get_by_label("I accept the Master Services Agreement").check()
    page.get_by_role("button", name="Use this payment method").click()
    advance_to_wait(page, web, "identity profile tile")
    atlas_page(page, web, "identity-profiles")
    page.get_by_label("Profile name").fill("Sandbox profile")
    page.get_by_label(re.compile("^Organisation name")).fill(COMPANY)
    page.get_by_label("Locality (town)").fill(FORM["city"])
    page.get_by_role("button", name="Submit for vetting").click()
    expect(page.get_by_role("status").first).to_contain_text("Identity profile submitted")
    page.goto(f"{web}/console/")
    expect(page.locator("form.wait").first).to_contain_text("vetting completes in 20 h")
    screenshot(page, "walk-console-vetting")
    advance_to_wait(page, web, "vetting")
    atlas_page(page, web, "api-credentials")
    page.get_by_label("View and Copy").check()
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Next").click()  # the one active service
    page.get_by_label("Familiar name").fill("dip-uit")
    page.get_by_role("button", name="Generate").click()
    api_key, api_secret = page.locator("#api-key").inner_text(), page.locator("#api-secret").inner_text()
    advance_to_wait(page, web, "credentials binding")
    openssl("req", "-new", "-newkey", "rsa:4096", "-nodes", "-keyout", "apicert.key", "-out", "apicert.csr",
            "-subj", "/CN=onboarding_key", cwd=tmp_path)
    atlas_page(page, web, "mtls-certificates")
    page.get_by_label("CSR").fill((tmp_path / "apicert.csr").read_text())
    page.get_by_role("button", name="Generate certificate").click()
    (tmp_path / "apicert.cer").write_text(page.locator("#certificate").inner_text())
    openssl("pkcs12", "-export", "-out", "apicert.pfx", "-inkey", "apicert.key", "-in", "apicert.cer",
            "-password", "pass:", cwd=tmp_path)

    # -- B. the DIP: the Manager invites, the Primary Admin verifies and adds members ------------------
    boss = manager(running)
    page.context.clear_cookies()
    sign_in_page(page, running, "dip.manager@dip-sandbox.example", boss.secret, password=MANAGER_PASSWORD)
    page.goto(f"{web}/dip/uit/manager")
    invite_organisation(page, COMPANY, "09999001", "Pat", "Admin", f"pat@{DOMAIN}")
    accept_dip_invitation(page, running, f"pat@{DOMAIN}")
    details = page.get_by_role("form", name="Verify the company details")
    details.get_by_label("Description").fill("Energy supplier")
    details.get_by_role("button", name="Verify details").click()
    expect(page.get_by_role("status").first).to_contain_text("Company details verified")
    page.goto(f"{web}/dip/uit/organisation?tab=members")
    create_member(page, "Cass", "Cert", f"cert@{DOMAIN}", "MP Certificate Admin")
    create_member(page, "Max", "Message", f"msg@{DOMAIN}", "MP Message Admin")
    screenshot(page, "walk-members")

    # -- the Certificate Admin: the five stages --------------------------------------------------------
    cert_secret = accept_dip_invitation(page, running, f"cert@{DOMAIN}")
    page.goto(f"{web}/dip/uit/organisation?tab=certificates")
    upload_api_credentials(page, api_key, api_secret, tmp_path / "apicert.pfx")
    expect(page.get_by_role("status").first).to_contain_text("Onboarding status updated successfully")
    page.get_by_label("Domain used for GlobalSign verification").fill(DOMAIN)
    page.get_by_role("button", name="Submit", exact=True).click()
    token = page.locator("[id^=txt-]").first.inner_text()
    page.goto(f"{web}/console/dns")  # the DNS Admin publishes the record
    page.get_by_label(re.compile("^Name")).fill(DOMAIN)
    page.get_by_label("Value").fill(token)
    page.get_by_role("button", name="Add record").click()
    expect(page.locator(".flash.ok")).to_contain_text(f"TXT record added to {DOMAIN}")
    page.goto(f"{web}/dip/uit/organisation?tab=certificates")
    page.get_by_label("The DNS Admin has added the TXT record").check()
    page.get_by_role("button", name=f"Submit verification of {DOMAIN}.").click()
    # the realistic profile: DNS changes take up to an hour
    expect(page.locator("body")).to_contain_text("not visible yet")
    page.goto(f"{web}/console/")
    for _ in range(2):
        page.get_by_role("button", name="+30 min").click()
        expect(page.locator(".flash.ok")).to_contain_text("Sandbox time is now")
    page.goto(f"{web}/dip/uit/organisation?tab=certificates")
    page.get_by_label("The DNS Admin has added the TXT record").check()
    page.get_by_role("button", name=f"Submit verification of {DOMAIN}.").click()
    expect(page.get_by_role("status").first).to_contain_text("Domain Validation Successful")
    page.get_by_label("Host Name").fill("2059")
    page.get_by_label("Certificate Purpose").select_option("mTLS & Signing")
    page.get_by_role("button", name="Generate Subject Name").click()
    subject_name, dn_and_h = page.locator("#subject-name").inner_text(), page.locator("#dn-and-h").inner_text()
    openssl("req", "-new", "-newkey", "rsa:4096", "-nodes", "-keyout", "mtlscert.key", "-out", "mtlscert.csr",
            "-subj", f"/CN={subject_name}", "-addext", f"subjectAltName = DNS:{dn_and_h}, DNS:{subject_name}",
            cwd=tmp_path)
    page.get_by_label("CSR").fill((tmp_path / "mtlscert.csr").read_text())
    page.get_by_role("button", name="Create Certificate").click()
    expect(page.get_by_role("status").first).to_contain_text("ISSUED")
    download = page.request.get(web + page.locator("a", has_text="Download").first.get_attribute("href"))
    (tmp_path / "mtlscert.cer").write_text(download.text())
    openssl("pkcs12", "-export", "-out", "mtlscert.pfx", "-inkey", "mtlscert.key", "-in", "mtlscert.cer",
            "-password", "pass:", cwd=tmp_path)
    screenshot(page, "walk-certificate-issued")

    # -- the Message Admin: a DIP ID and its webhook; the Certificate Admin shows its API key -----------
    hook = running.handle.webhook_receiver()
    receiver = onboard(running, company_name="Big Energy Company", dip_ids=[{"role_code": "ADS"}],
                       webhooks={"IF-041": hook.url})
    msg_secret = accept_dip_invitation(page, running, f"msg@{DOMAIN}")
    page.goto(f"{web}/dip/uit/organisation?tab=dip-ids")
    dip_id = create_dip_id(page, "SUP", "SNDB", running.sandbox.clock.now().date().isoformat())
    page.goto(f"{web}/dip/uit/channels")
    page.get_by_label(re.compile("^Interface")).select_option("STATUS")
    page.get_by_label("Webhook URL").fill(hook.url + "/status")
    page.get_by_role("button", name="Save webhook").click()
    expect(page.get_by_role("status").first).to_contain_text("Webhook of STATUS set")
    page.context.clear_cookies()
    sign_in_page(page, running, f"cert@{DOMAIN}", cert_secret)
    page.goto(f"{web}/dip/uit/dip-ids/{dip_id}")
    page.get_by_role("button", name="Show API keys").click()
    api_key = page.locator("#key-primary").inner_text()

    # -- a message sent with the CLI shows in Messages -------------------------------------------------
    (tmp_path / "endpoints.json").write_text(json.dumps(running.endpoints))
    sender = {"dip_ids": [{"dip_id": dip_id, "role": "SUP"}]}
    (tmp_path / "m.json").write_text(json.dumps(message(sender, [receiver["dip_ids"][0]["dip_id"]])))
    sent = subprocess.run([venv_bin("dip-sandbox"), "client", "send", "--interface", "IF-041", "--api-key", api_key,
                           "--cert", str(tmp_path / "mtlscert.cer"), "--key", str(tmp_path / "mtlscert.key"),
                           "--endpoints-file", str(tmp_path / "endpoints.json"), str(tmp_path / "m.json")],
                          capture_output=True, text=True, timeout=60)
    assert sent.returncode == 0, sent.stdout + sent.stderr
    hook.wait_for_deliveries(1)
    transaction = json.loads(sent.stdout.split("\n", 1)[1])["messageArray"][0]["transactionID"]
    page.context.clear_cookies()  # the Message Admin reads Messages
    page.goto(f"{web}/dip/uit/sign-in")
    page.get_by_label("Email").fill(f"msg@{DOMAIN}")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Authenticator code").fill(pyotp.TOTP(msg_secret).now())
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation", name="main").get_by_role("link", name="Messages").click()
    reload_until(page, transaction)
    page.get_by_role("link", name=transaction).click()
    expect(page.get_by_role("heading", name="Delivery journal")).to_be_visible()
    screenshot(page, "walk-message-in-messages")
    hook.close()
