"""Driving the DIP portal API of a running sandbox as its users do, TOTP codes computed from the secret."""
from __future__ import annotations

import re

import pyotp
import requests

from tests.api_client import JsonClient

PASSWORD = "correct-horse-battery-9"
MANAGER_PASSWORD = "manager-password-1"


class DipPortal(JsonClient):
    def __init__(self, running, environment: str = "uit"):
        super().__init__(f"{running.endpoints['web']}/dip/{environment}/api")
        self.running = running
        self.environment = environment

    def first_sign_in(self, email: str, password: str = PASSWORD) -> str:
        """Enrolment and Terms of Use; returns the TOTP secret."""
        step = self.ok("POST", "/sessions", json={"email": email, "password": password})
        assert step["status"] == "mfa_enrolment_required"
        secret = step["mfa"]["secret"]
        step = self.ok("POST", "/sessions", json={"challenge": step["challenge"], "totp": pyotp.TOTP(secret).now()})
        assert step["status"] == "terms_of_use_required" and "Terms of Use" in step["terms_of_use"]
        signed = self.ok("POST", "/sessions", 201, json={"challenge": step["challenge"], "accept_terms_of_use": True})
        self.session.headers["Authorization"] = f"Bearer {signed['token']}"
        return secret

    def sign_in(self, email: str, secret: str, password: str = PASSWORD) -> dict:
        signed = self.ok("POST", "/sessions", 201, json={"email": email, "password": password,
                                                         "totp": pyotp.TOTP(secret).now()})
        self.session.headers["Authorization"] = f"Bearer {signed['token']}"
        return signed


def manager(running, environment="uit") -> DipPortal:
    portal = DipPortal(running, environment)
    portal.secret = portal.first_sign_in("dip.manager@dip-sandbox.example", MANAGER_PASSWORD)
    return portal


def invite(manager_portal: DipPortal, email="pat@super-energy.example") -> dict:
    return manager_portal.ok("POST", "/manager/organisations", 201, json={
        "company_name": "Super Energy Co", "company_number": "09999001",
        "primary_admin": {"first_name": "Pat", "last_name": "Admin", "email": email}})


def invitation_token(running, email) -> str:
    mail = requests.get(running.control + "/mail", params={"to": email}, timeout=10).json()["emails"][-1]
    return re.search(r"/invitations/(\S+)", mail["text"]).group(1)




def onboard_member(running, email: str, environment: str = "uit") -> tuple["DipPortal", str]:
    """Invitation link -> password -> first sign-in; the member's portal client and TOTP secret."""
    portal = DipPortal(running, environment)
    portal.ok("POST", f"/invitations/{invitation_token(running, email)}/accept", json={"password": PASSWORD})
    return portal, portal.first_sign_in(email)


def organisation_with_certificate_admin(running, environment: str = "uit") -> dict:
    """Super Energy Co in `environment`: details verified by its Primary Admin (pat@), a Certificate Admin
    (cert@) and a Message Admin (msg@) signed in."""
    boss = manager(running, environment)
    organisation = boss.ok("POST", "/manager/organisations", 201, json={
        "company_name": "Super Energy Co", "company_number": "09999001",
        "primary_admin": {"first_name": "Pat", "last_name": "Admin", "email": "pat@super-energy.example"}})
    admin, admin_secret = onboard_member(running, "pat@super-energy.example", environment)
    admin.secret = admin_secret
    admin.ok("POST", "/organisation/details", json={"company_name": "Super Energy Co", "company_number": "09999001",
                                                    "description": "Supplier", "request_dcp_status": False})
    people = {"boss": boss, "admin": admin, "organisation": organisation}
    for name, role in (("cert", "MP Certificate Admin"), ("msg", "MP Message Admin")):
        admin.ok("POST", "/members", 201, json={"first_name": name.title(), "last_name": "Member", "roles": [role],
                                                "email": f"{name}@super-energy.example"})
        people[name], people[name].secret = onboard_member(running, f"{name}@super-energy.example", environment)
    return people


def atlas_account(running, company: str = "Super Energy Co") -> dict:
    """A complete Atlas account (vetted, credentials bound, client certificate) from the control API."""
    response = requests.post(running.control + "/atlas/accounts", json={"company_name": company}, timeout=60)
    assert response.status_code == 201, response.text
    return response.json()


def add_txt(running, name: str, value: str, **extra) -> dict:
    response = requests.post(running.control + "/dns/records", json={"name": name, "type": "TXT", "value": value,
                                                                      **extra}, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()
