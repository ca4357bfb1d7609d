"""Steps people take on the pages, shared by the browser tests: signing in to the DIP portal (first time with
MFA enrolment, later with a code), waiting for an email, reloading until a background wait has run."""
from __future__ import annotations

import re
import time

import pyotp
import requests
from playwright.sync_api import expect

from tests.dip_helpers import PASSWORD


def sign_in_page(page, running, email, secret, environment="uit", password=PASSWORD):
    page.goto(f"{running.endpoints['web']}/dip/{environment}/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_label("Authenticator code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/home$"))


def first_sign_in_page(page, running, email, password):
    """A first sign-in through the pages: the key is read off the enrolment page as an app would scan it."""
    page.goto(f"{running.endpoints['web']}/dip/uit/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Verify").click()
    page.get_by_label("I accept the Terms of Use").check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r".*/home$"))
    return secret


def wait_for_mail(running, to: str, subject: str, timeout: float = 10.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        emails = requests.get(running.control + "/mail", params={"to": to, "subject": subject}, timeout=10).json()
        if emails["emails"]:
            return emails["emails"][-1]
        assert time.monotonic() < deadline, f"no email {subject!r} to {to}"
        time.sleep(0.1)


def reload_until(page, text: str, timeout: float = 10.0) -> None:
    """The instant profile's waits run on the scheduler's thread: reload until the page shows their effect."""
    deadline = time.monotonic() + timeout
    while text not in page.content():
        assert time.monotonic() < deadline, f"{text!r} never appeared"
        time.sleep(0.1)
        page.reload()


def fill_registration(page, web: str, form: dict) -> None:
    """The Atlas registration page, every field but "I'm not a robot"."""
    page.goto(f"{web}/atlas/register")
    for name in ("first_name", "last_name", "job_title", "contact_phone", "email", "company_name", "website",
                 "address_line_1", "city", "postal_code"):
        page.locator(f"#{name}").fill(form[name])


def advance_to_wait(page, web: str, wait: str) -> None:
    """The trainer's move: on the console's journey map, advance the clock to the named wait."""
    page.goto(f"{web}/console/")
    page.locator("form.wait").filter(has_text=wait).first.get_by_role("button",
                                                                      name="Advance the clock to it").click()
    expect(page.get_by_role("status").first).to_contain_text("waiting step(s) completed")


def open_atlas_invitation(page, running, email: str) -> None:
    """The 'New User Registration' email's link, then Accept invitation."""
    invitation = wait_for_mail(running, email, "New User Registration")
    page.goto(re.search(r"https?://\S+/atlas/invitations/\S+", invitation["text"]).group(0))
    page.get_by_role("button", name="Accept invitation").click()


def atlas_sign_in(page, email: str, password: str) -> None:
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def set_atlas_password_and_sign_in(page, running, email: str, password: str) -> None:
    """The code of the 'Password Reset Code' email on the password page, then the first sign-in."""
    code = re.search(r"code is: (\d+)", wait_for_mail(running, email, "Password Reset Code")["text"]).group(1)
    page.goto(f"{running.endpoints['web']}/atlas/password")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password reset code (from the email)").fill(code)
    page.get_by_label("New password").fill(password)
    page.get_by_role("button", name="Set password").click()
    atlas_sign_in(page, email, password)


def create_member(page, first: str, last: str, email: str, role: str) -> None:
    """Members tab, Create member: one role; the page confirms the invitation email."""
    form = page.get_by_role("form", name="Create member")
    form.get_by_label("First name").fill(first)
    form.get_by_label("Last name").fill(last)
    form.get_by_label("Email").fill(email)
    form.get_by_label(role).check()
    form.get_by_role("button", name="Create member").click()
    expect(page.get_by_role("status").first).to_contain_text(f"an invitation email was sent to {email}")


def create_dip_id(page, role: str, mpid: str, effective_from: str) -> str:
    """Market Participant Organisation, DIP IDs tab, Create DIP ID; the new DIP ID (its page opens)."""
    create = page.get_by_role("form", name="Create DIP ID")
    create.get_by_label("DIP role code").select_option(role)
    create.get_by_label("MPID (4 characters)").fill(mpid)
    create.get_by_label("Effective from").fill(effective_from)
    create.get_by_role("button", name="Create DIP ID").click()
    return new_dip_id(page)


def new_dip_id(page) -> str:
    """The DIP ID whose page has opened (waits for it)."""
    heading = page.get_by_role("heading", name=re.compile(r"DIP ID \d{10}")).first
    return re.search(r"DIP ID (\d{10})", heading.inner_text()).group(1)


def invite_organisation(page, company: str, number: str, first: str, last: str, email: str) -> None:
    """The DIP Manager console's Invite an organisation (the page must be open)."""
    form = page.get_by_role("form", name="Invite an organisation")
    for label, value in (("Company name", company), ("Company number", number), ("Primary Admin first name", first),
                         ("Primary Admin last name", last), ("Primary Admin email", email)):
        form.get_by_label(label).fill(value)
    form.get_by_role("button", name="Invite").click()


def upload_api_credentials(page, api_key: str, api_secret: str, pfx) -> None:
    """Certificates tab, stage 1 Next, then stage 2: the Atlas API key and secret and the password-less PFX,
    Validate and Save (the page must be open)."""
    page.get_by_role("button", name="Next").click()
    page.get_by_label("API Key").fill(api_key)
    page.get_by_label("API Secret").fill(api_secret)
    page.get_by_label("PFX certificate (password-less)").set_input_files(str(pfx))
    page.get_by_role("button", name="Validate").click()
    page.get_by_role("button", name="Save").click()
