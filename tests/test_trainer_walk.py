"""The trainer's walk (issue 17): the whole guide performed in Chromium by clicking only — the console's pages stand
in for the trainer's other screens (the mailbox, the DNS provider, the clock) — on the realistic timing profile:
Atlas registration to the mTLS certificate (CSR and PFX with the guide's openssl commands), the DIP Manager's
invitation, MFA, members, the five Certificates stages, a DIP ID, Message Channels on the built-in inbox, a test
message sent from the page, promotion to Production, and the DCP path. No CLI, no API call.

Every page on the way is checked at 1280x800 (tests/page_checks.py: no horizontal overflow, no JSON or traceback,
no serious or critical axe-core violation) and its screenshot kept in test-artefacts/screenshots/trainer-*.png
(in the order of the walk: the trainer's quick start in docs/ points at them)."""
import re
import subprocess

import pytest
from playwright.sync_api import expect

from tests.atlas_helpers import FORM, PASSWORD as ATLAS_PASSWORD
from tests.dip_helpers import MANAGER_PASSWORD, PASSWORD
from tests.page_checks import check
from tests.page_flows import create_dip_id, create_member, invite_organisation, upload_api_credentials

COMPANY = FORM["company_name"]
DOMAIN = FORM["email"].rsplit("@", 1)[1]
MANAGER = "dip.manager@dip-sandbox.example"


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=120)


class Trainer:
    """The trainer's browser: the pages, and the console as mailbox, DNS provider and clock."""

    def __init__(self, page, web: str, walk: str):
        self.page, self.web, self.walk, self.shown = page, web, walk, 0
        self.secrets: dict[str, str] = {}  # email -> TOTP secret, as each person's authenticator app keeps it

    def today(self) -> str:
        """The sandbox's date, as the console's banner shows it."""
        self.go("/console/")
        return self.page.locator("#sandbox-now").inner_text()[:10]

    def check(self, name: str) -> None:
        self.shown += 1
        check(self.page, f"trainer-{self.walk}-{self.shown:02d}-{name}")

    def go(self, path: str, name: str | None = None) -> None:
        self.page.goto(self.web + path)
        if name:
            self.check(name)

    def email(self, to: str, subject: str) -> str:
        """Open the newest email to `to` whose subject has `subject` (console Outbox, newest first); its text."""
        self.go("/console/outbox")
        self.page.get_by_label("Recipient").fill(to)
        self.page.get_by_role("button", name="Filter").click()
        self.page.get_by_role("link", name=re.compile(re.escape(subject))).first.click()
        self.check("email")
        return self.page.locator("pre").inner_text()

    def follow(self, to: str, subject: str, link: str) -> None:
        """Click the link of that email whose address contains `link`."""
        self.email(to, subject)
        self.page.locator(f"main a[href*='{link}']").first.click()

    def finish_wait(self, wait: str) -> None:
        """The presenter's control: the named wait ends now (the clock does not move)."""
        self.go("/console/")
        self.page.locator("form.wait").filter(has_text=wait).first.get_by_role(
            "button", name=re.compile("^Finish the wait")).click()
        expect(self.page.locator(".flash.ok")).to_contain_text("ended now")

    def advance(self, label: str) -> None:
        self.go("/console/")
        self.page.get_by_role("button", name=label).click()
        expect(self.page.locator(".flash.ok")).to_contain_text("Sandbox time is now")

    def sign_out(self) -> None:
        self.page.context.clear_cookies()

    def dip_sign_in(self, email: str, password: str, environment: str = "uit", first: bool = False) -> str | None:
        """Sign in to a DIP portal; the first time, enrol the authenticator app (its key read off the page, as the
        app scans it) and accept the Terms of Use. The TOTP secret, for the next sign-ins."""
        import pyotp
        self.go(f"/dip/{environment}/sign-in", f"dip-{environment}-sign-in")
        self.page.get_by_label("Email").fill(email)
        self.page.get_by_label("Password").fill(password)
        if not first:
            self.page.get_by_label("Authenticator code").fill(pyotp.TOTP(self.secrets[email]).now())
        self.page.get_by_role("button", name="Sign in").click()
        if first:
            self.check("mfa-enrolment")
            secret = self.page.locator("#totp-secret").inner_text()
            self.page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
            self.page.get_by_role("button", name="Verify").click()
            self.check("terms-of-use")
            self.page.get_by_label("I accept the Terms of Use").check()
            self.page.get_by_role("button", name="Continue").click()
            self.secrets[email] = secret
        self.page.wait_for_url(re.compile(rf".*/dip/{environment}/home$"))
        return self.secrets.get(email)

    def accept_dip_invitation(self, email: str, environment: str = "uit") -> None:
        self.sign_out()
        self.follow(email, "Invitation to the Data Integration Platform", f"/dip/{environment}/invitations/")
        self.check("dip-invitation")
        self.page.get_by_label("Password").fill(PASSWORD)
        self.page.get_by_role("button", name="Set password").click()
        self.dip_sign_in(email, PASSWORD, environment, first=True)


def atlas_journey(t: Trainer, tmp_path) -> tuple[str, str]:
    """Registration to the mTLS certificate and the password-less PFX; the API key and secret."""
    page = t.page
    t.go("/", "start-page")
    page.get_by_role("link", name=re.compile("Atlas")).first.click()
    t.check("atlas-sign-in")
    page.get_by_role("link", name=re.compile("[Rr]egister")).first.click()
    for name in ("first_name", "last_name", "job_title", "contact_phone", "email", "company_name", "website",
                 "address_line_1", "city", "postal_code"):
        page.locator(f"#{name}").fill(FORM[name])
    page.get_by_label("I'm not a robot").check()
    t.check("atlas-registration")
    page.get_by_role("button", name="Register").click()
    t.check("atlas-registered")
    t.finish_wait("registration emails")
    t.follow(FORM["email"], "New User Registration", "/atlas/invitations/")
    page.get_by_role("button", name="Accept invitation").click()
    t.finish_wait("password reset")
    code = re.search(r"code is: (\d+)", t.email(FORM["email"], "Password Reset Code")).group(1)
    t.go("/atlas/password", "atlas-password")
    page.get_by_label("Email", exact=True).fill(FORM["email"])
    page.get_by_label("Password reset code (from the email)").fill(code)
    page.get_by_label("New password").fill(ATLAS_PASSWORD)
    page.get_by_role("button", name="Set password").click()
    page.get_by_label("Email", exact=True).fill(FORM["email"])
    page.get_by_label("Password", exact=True).fill(ATLAS_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    t.check("atlas-dashboard")
    page.get_by_role("button", name="Use Invoice").click()
    t.finish_wait("quotation ready")
    t.go("/atlas/quotation", "atlas-quotation")
    page.get_by_label("I accept the quotation").check()
    page.get_by_label("I accept the Master Services Agreement").check()
    page.get_by_role("button", name="Use this payment method").click()
    t.finish_wait("identity profile tile")
    t.go("/atlas/identity-profiles", "atlas-identity-profiles")
    page.get_by_label("Profile name").fill("Sandbox profile")
    page.get_by_label(re.compile("^Organisation name")).fill(COMPANY)
    page.get_by_label("Locality (town)").fill(FORM["city"])
    page.get_by_role("button", name="Submit for vetting").click()
    t.go("/console/", "console-vetting")
    t.finish_wait("vetting")
    t.go("/atlas/api-credentials", "atlas-api-credentials-method")
    page.get_by_label("View and Copy").check()
    page.get_by_role("button", name="Next").click()
    t.check("atlas-api-credentials-service")
    page.get_by_role("button", name="Next").click()
    t.check("atlas-api-credentials-name")
    page.get_by_label("Familiar name").fill("dip-uit")
    page.get_by_role("button", name="Generate").click()
    t.check("atlas-api-credentials-shown-once")
    api_key, api_secret = page.locator("#api-key").inner_text(), page.locator("#api-secret").inner_text()
    t.finish_wait("credentials binding")
    openssl("req", "-new", "-newkey", "rsa:4096", "-nodes", "-keyout", "apicert.key", "-out", "apicert.csr",
            "-subj", "/CN=onboarding_key", cwd=tmp_path)
    t.go("/atlas/mtls-certificates", "atlas-mtls")
    page.get_by_label("CSR").fill((tmp_path / "apicert.csr").read_text())
    page.get_by_role("button", name="Generate certificate").click()
    t.check("atlas-mtls-issued")
    with page.expect_download() as downloaded:
        page.get_by_role("link", name="Download apicert.cer").click()
    downloaded.value.save_as(tmp_path / "apicert.cer")
    openssl("pkcs12", "-export", "-out", "apicert.pfx", "-inkey", "apicert.key", "-in", "apicert.cer",
            "-password", "pass:", cwd=tmp_path)
    return api_key, api_secret


def dip_set_up(t: Trainer) -> None:
    """The DIP Manager invites the organisation; its Primary Admin verifies the details and adds the members."""
    page = t.page
    t.sign_out()
    t.dip_sign_in(MANAGER, MANAGER_PASSWORD, first=True)
    t.check("dip-manager-home")
    page.get_by_role("navigation", name="main").get_by_role("link", name="Market Participant Organisation").click()
    invite_organisation(page, COMPANY, "09999001", "Pat", "Admin", f"pat@{DOMAIN}")
    t.check("dip-manager-invited")
    t.accept_dip_invitation(f"pat@{DOMAIN}")
    t.check("dip-primary-admin-home")
    details = page.get_by_role("form", name="Verify the company details")
    details.get_by_label("Description").fill("Energy supplier")
    details.get_by_role("button", name="Verify details").click()
    expect(page.get_by_role("status").first).to_contain_text("Company details verified")
    page.get_by_role("navigation", name="main").get_by_role("link", name="Market Participant Organisation").click()
    page.get_by_role("link", name="Members", exact=True).click()
    t.check("dip-members")
    create_member(t.page, "Cass", "Cert", f"cert@{DOMAIN}", "MP Certificate Admin")
    create_member(t.page, "Max", "Message", f"msg@{DOMAIN}", "MP Message Admin")
    t.check("dip-members-added")


def certificates(t: Trainer, api_key: str, api_secret: str, tmp_path) -> None:
    """The Certificate Admin: the five stages; the TXT record published on the console's DNS page."""
    page = t.page
    t.accept_dip_invitation(f"cert@{DOMAIN}")
    page.get_by_role("navigation", name="main").get_by_role("link", name="Market Participant Organisation").click()
    page.get_by_role("link", name="Certificates", exact=True).click()
    t.check("dip-certificates-stage-1")
    upload_api_credentials(page, api_key, api_secret, tmp_path / "apicert.pfx")
    expect(page.get_by_role("status").first).to_contain_text("Onboarding status updated successfully")
    t.check("dip-certificates-stage-3")
    page.get_by_label("Domain used for GlobalSign verification").fill(DOMAIN)
    page.get_by_role("button", name="Submit", exact=True).click()
    t.check("dip-certificates-txt-record")
    t.go("/console/dns", "console-dns")
    page.get_by_role("button", name=f"Publish the TXT record of {DOMAIN}").click()
    expect(page.locator(".flash.ok")).to_contain_text("published")
    t.advance("+30 min")
    t.advance("+30 min")  # the realistic profile: DNS changes take up to an hour
    t.go("/dip/uit/organisation?tab=certificates")
    page.get_by_label("The DNS Admin has added the TXT record").check()
    page.get_by_role("button", name=f"Submit verification of {DOMAIN}.").click()
    expect(page.get_by_role("status").first).to_contain_text("Domain Validation Successful")
    t.check("dip-certificates-stage-5")
    page.get_by_label("Host Name").fill("2059")
    page.get_by_label("Certificate Purpose").select_option("mTLS & Signing")
    page.get_by_role("button", name="Generate Subject Name").click()
    subject, dn_and_h = page.locator("#subject-name").inner_text(), page.locator("#dn-and-h").inner_text()
    openssl("req", "-new", "-newkey", "rsa:4096", "-nodes", "-keyout", "mtlscert.key", "-out", "mtlscert.csr",
            "-subj", f"/CN={subject}", "-addext", f"subjectAltName = DNS:{dn_and_h}, DNS:{subject}", cwd=tmp_path)
    page.get_by_label("CSR").fill((tmp_path / "mtlscert.csr").read_text())
    page.get_by_role("button", name="Create Certificate").click()
    expect(page.get_by_role("status").first).to_contain_text("ISSUED")
    t.check("dip-certificate-issued")
    with page.expect_download() as downloaded:
        page.get_by_role("link", name="Download").first.click()
    downloaded.value.save_as(tmp_path / "mtlscert.cer")
    assert (tmp_path / "mtlscert.cer").read_text().startswith("-----BEGIN CERTIFICATE-----")


def messaging(t: Trainer) -> str:
    """The Message Admin: a DIP ID, its channels on the sandbox inbox, a test message sent from Messages; a
    counterpart's message arrives in the inbox, signed by the DIP. The DIP ID."""
    page = t.page
    t.accept_dip_invitation(f"msg@{DOMAIN}")
    today = t.today()
    t.go("/dip/uit/home")
    page.get_by_role("navigation", name="main").get_by_role("link", name="Market Participant Organisation").click()
    dip_id = create_dip_id(page, "SUP", "SNDB", today)
    t.check("dip-id")
    page.get_by_role("navigation", name="main").get_by_role("link", name="Message Channels").click()
    t.check("dip-channels")
    page.get_by_role("button", name=f"Use the sandbox's inbox for every interface of {dip_id}").click()
    t.check("dip-inbox-empty")
    page.get_by_role("navigation", name="main").get_by_role("link", name="Messages").click()
    page.get_by_role("link", name="Send a test message").click()
    t.check("dip-send-step-1")
    page.get_by_label("Sender DIP ID").select_option(dip_id)
    page.get_by_label("Recipient").select_option("role:ADS")
    page.get_by_role("button", name="Choose the interface").click()
    t.check("dip-send-step-2")
    page.get_by_label(re.compile("^Interface")).select_option("IF-041")
    page.get_by_role("button", name="Fill in the payload").click()
    t.check("dip-send-step-3")
    assert '"interfaceID": "IF-041"' in page.get_by_label("Payload").input_value()
    page.get_by_role("button", name="Send the test message").click()
    expect(page.locator(".flash.ok")).to_contain_text(f"sent from {dip_id}")
    t.check("dip-sent-message")

    t.go("/console/counterparts", "console-counterparts")  # the other side talks back
    page.get_by_label("Recipient DIP ID").select_option(dip_id)
    page.get_by_label("Interface", exact=True).select_option("IF-032")
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".flash.ok")).to_contain_text(f"to {dip_id}")
    t.go(f"/dip/uit/inbox/{dip_id}")
    for _ in range(50):
        if page.get_by_text("Nothing has arrived yet.").count() == 0:
            break
        page.wait_for_timeout(200)
        page.reload()
    row = page.get_by_role("row").nth(1)
    expect(row).to_contain_text("verified")
    assert "not verified" not in row.inner_text()
    t.check("dip-inbox-delivered")
    return dip_id


def promotion(t: Trainer) -> None:
    """The Production DIP Manager promotes the organisation; its Primary Admin is invited to Production."""
    page = t.page
    t.sign_out()
    t.dip_sign_in(MANAGER, MANAGER_PASSWORD, "prod", first=True)
    page.get_by_role("navigation", name="main").get_by_role("link", name="Market Participant Organisation").click()
    t.check("dip-prod-manager")
    promote = page.get_by_role("form", name="Promote from UIT to Production")
    promote.get_by_label("UIT organisation").select_option(label=COMPANY)
    promote.get_by_label("DIP IDs effective from").fill("2027-01-01")
    promote.get_by_role("button", name="Promote").click()
    expect(page.get_by_role("status").first).to_contain_text(f"{COMPANY} promoted to Production")
    t.check("dip-prod-promoted")
    t.accept_dip_invitation(f"pat@{DOMAIN}", "prod")
    page.get_by_role("navigation", name="main").get_by_role("link", name="Market Participant Organisation").click()
    page.get_by_role("link", name="Certificates", exact=True).click()
    expect(page.locator("main")).to_contain_text("A Certificate Admin completes these stages")
    page.get_by_role("link", name="Members", exact=True).click()  # Pat takes the role in Production too
    page.get_by_text("Edit", exact=True).first.click()
    page.get_by_role("group", name=f"Roles of pat@{DOMAIN}").get_by_label("MP Certificate Admin").check()
    page.get_by_role("button", name="Save member").first.click()
    page.get_by_role("link", name="Certificates", exact=True).click()
    expect(page.locator("main")).to_contain_text("no new GlobalSign registration and no vetting")
    t.check("dip-prod-certificates")


@pytest.mark.long
def test_the_whole_guide_by_clicking_with_every_page_checked(start_sandbox, page, tmp_path):
    running = start_sandbox(profile="realistic", clock_mode="manual", dip_manager_password=MANAGER_PASSWORD)
    t = Trainer(page, running.endpoints["web"], "guide")
    api_key, api_secret = atlas_journey(t, tmp_path)
    dip_set_up(t)
    certificates(t, api_key, api_secret, tmp_path)
    messaging(t)
    promotion(t)
    assert t.shown >= 40, f"only {t.shown} pages were checked"


@pytest.mark.long
def test_the_dcp_path_by_clicking(start_sandbox, page):
    running = start_sandbox(profile="instant", dip_manager_password=MANAGER_PASSWORD)
    t = Trainer(page, running.endpoints["web"], "dcp")
    pages = t.page
    t.dip_sign_in(MANAGER, MANAGER_PASSWORD, first=True)
    for company, email in (("Fabrikam Connection Provider Ltd", "dee@fabrikam.example"), (COMPANY, f"pat@{DOMAIN}")):
        t.go("/dip/uit/manager")
        invite_organisation(pages, company, "09999002", "Dee", "Cee", email)
    # the DCP's Primary Admin verifies the details, then asks for DCP status on the organisation page
    t.accept_dip_invitation("dee@fabrikam.example")
    details = pages.get_by_role("form", name="Verify the company details")
    details.get_by_label("Description").fill("Connection provider")
    details.get_by_role("button", name="Verify details").click()
    pages.get_by_role("navigation", name="main").get_by_role("link", name="Market Participant Organisation").click()
    pages.get_by_role("link", name="Members", exact=True).click()  # Dee runs the DCP's messaging too
    pages.get_by_text("Edit", exact=True).first.click()
    pages.get_by_role("group", name="Roles of dee@fabrikam.example").get_by_label("MP Message Admin").check()
    pages.get_by_role("button", name="Save member").first.click()
    pages.get_by_role("link", name="DIP IDs", exact=True).click()
    pages.get_by_role("button", name="Request DIP Connection Provider Status").click()
    expect(pages.get_by_role("status").first).to_contain_text("DIP Connection Provider status requested")
    t.check("dcp-requested")
    # the DIP Manager approves
    t.sign_out()
    t.dip_sign_in(MANAGER, MANAGER_PASSWORD)
    t.go("/dip/uit/manager", "dcp-manager-requests")
    pages.get_by_role("button", name=re.compile("^Approve")).first.click()
    expect(pages.get_by_role("status").first).to_contain_text("approved")
    # the DCP creates a DCP ID on its DCP IDs tab
    t.sign_out()
    t.dip_sign_in("dee@fabrikam.example", PASSWORD)
    pages.get_by_role("navigation", name="main").get_by_role("link", name="Market Participant Organisation").click()
    pages.get_by_role("link", name="DCP IDs", exact=True).click()
    pages.get_by_role("button", name="Create DCP ID").click()
    created = pages.get_by_role("status").filter(has_text=re.compile(r"DCP ID \d+ created"))
    dcp_id = re.search(r"DCP ID (\d+) created", created.first.inner_text()).group(1)
    t.check("dcp-ids")
    # the Market Participant creates a DIP ID and nominates the DCP, chosen from a list
    t.accept_dip_invitation(f"pat@{DOMAIN}")
    details = pages.get_by_role("form", name="Verify the company details")
    details.get_by_label("Description").fill("Energy supplier")
    details.get_by_role("button", name="Verify details").click()
    pages.get_by_role("navigation", name="main").get_by_role("link", name="Market Participant Organisation").click()
    pages.get_by_role("link", name="Members", exact=True).click()
    create_member(t.page, "Max", "Message", f"msg@{DOMAIN}", "MP Message Admin")
    t.accept_dip_invitation(f"msg@{DOMAIN}")
    today = t.today()
    t.go("/dip/uit/home")
    pages.get_by_role("navigation", name="main").get_by_role("link", name="Market Participant Organisation").click()
    dip_id = create_dip_id(pages, "SUP", "SNDB", today)
    pages.get_by_label("DIP Connection Provider and the DCP ID it shared").select_option(dcp_id)
    pages.get_by_role("button", name="Nominate").click()
    expect(pages.get_by_role("status").first).to_contain_text(f"DCP ID {dcp_id} nominated for DIP ID {dip_id}")
    t.check("dcp-nominated")
    # the DCP's member acts for the Market Participant: only what it may open is offered
    t.sign_out()
    t.dip_sign_in("dee@fabrikam.example", PASSWORD)
    pages.get_by_label("Acting for").select_option(label=f"{COMPANY} (as DCP)")
    pages.get_by_role("button", name="Switch").click()
    expect(pages.locator("main")).to_contain_text("acting as DIP Connection Provider for")
    t.check("dcp-context")
    pages.get_by_role("navigation", name="main").get_by_role("link", name="Market Participant Organisation").click()
    expect(pages.get_by_role("navigation", name="organisation").get_by_role("link")).to_have_count(1)
    t.check("dcp-context-organisation")
    pages.get_by_role("navigation", name="main").get_by_role("link", name="Message Channels").click()
    expect(pages.locator("main")).to_contain_text(dip_id)
    t.check("dcp-context-channels")
