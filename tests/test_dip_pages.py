"""The DIP portal's pages in a real browser (Chromium through Playwright): invitation, password, sign-in with
MFA enrolment (the key read off the page, as an authenticator app would scan it), Terms of Use, home and the
organisation's tabs; CSRF on every form; cookies HttpOnly and SameSite. Screenshots go to test-artefacts/."""
import re

import pyotp
import requests

from tests.browser import screenshot
from tests.dip_helpers import PASSWORD, invitation_token, invite, manager


def test_invitation_to_organisation_pages_in_a_browser(dip, page):
    boss = manager(dip)
    invite(boss)
    base = f"{dip.endpoints['web']}/dip/uit"
    page.goto(f"{base}/invitations/{invitation_token(dip, 'pat@super-energy.example')}")
    assert page.locator("header.banner.uit").is_visible()  # the UIT banner
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
    assert page.locator(".qr svg").is_visible()
    screenshot(page, "dip-mfa-enrolment")
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Verify").click()
    assert page.get_by_role("heading", name="Terms of Use").is_visible()
    page.get_by_label("I accept the Terms of Use").check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r".*/home$"))
    assert "Super Energy Co" in page.content()
    screenshot(page, "dip-home")
    cookie = next(c for c in page.context.cookies() if c["name"] == "dip_session_uit")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"

    page.get_by_role("navigation", name="main").get_by_role("link", name="Market Participant Organisation").click()
    assert page.get_by_role("heading", name="Super Energy Co").is_visible()
    assert "super-energy.example" in page.locator("dl.details").inner_text()
    screenshot(page, "dip-organisation-dip-ids")
    page.get_by_role("link", name="Members").click()
    assert "pat@super-energy.example" in page.locator("table").inner_text()
    screenshot(page, "dip-organisation-members")
    page.get_by_role("link", name="Certificates").click()
    assert "GlobalSign Registration" in page.content()
    screenshot(page, "dip-organisation-certificates")

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r".*/sign-in$"))
    page.goto(f"{base}/home")
    assert page.url.endswith("/sign-in") and "Sign in to continue" in page.content()


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
    assert "wrong email, password or authenticator code" in page.locator(".form-error, .field-error").first.inner_text()
    page.get_by_label("Email").fill("dip.manager@dip-sandbox.example")
    page.get_by_label("Password").fill("manager-password-1")
    page.get_by_label("Authenticator code").fill(pyotp.TOTP(boss.secret).now())
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/home$"))
    assert "You are the DIP Manager" in page.content()
