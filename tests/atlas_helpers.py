"""Driving the Atlas portal API of a running sandbox as a client would."""
from __future__ import annotations

import re

import requests

from tests.api_client import JsonClient

FORM = {"first_name": "Ann", "last_name": "Admin", "job_title": "Certificate Admin",
        "contact_phone": "+44 20 7946 0958", "email": "ann@sandbox-energy.example",
        "company_name": "Sandbox Energy Supply Limited", "website": "https://www.sandbox-energy.example",
        "address_line_1": "1 Sandbox Way", "city": "Manchester", "postal_code": "M1 1AA", "country": "GB",
        "not_a_robot": True}
PASSWORD = "correct-horse-battery-9"


class Portal(JsonClient):
    def __init__(self, running):
        super().__init__(running.endpoints["web"] + "/atlas/api")
        self.running = running
        self.control = running.control

    def advance(self, seconds) -> dict:
        return requests.post(self.control + "/clock/advance", json={"seconds": seconds}, timeout=30).json()

    def mail(self, to: str | None = None, subject: str | None = None) -> list[dict]:
        params = {k: v for k, v in (("to", to), ("subject", subject)) if v}
        return requests.get(self.control + "/mail", params=params, timeout=10).json()["emails"]

    def tile(self, tile_id: str) -> dict:
        return next(t for t in self.ok("GET", "/dashboard")["tiles"] if t["id"] == tile_id)

    def register(self, **changes) -> str:
        return self.ok("POST", "/registrations", 201, json={**FORM, **changes})["account_id"]

    def invitation_token(self, email: str) -> str:
        invitation = self.mail(email, "New User Registration")[-1]
        return re.search(r"/atlas/invitations/(\S+)", invitation["text"]).group(1)

    def reset_code(self, email: str) -> str:
        email_text = self.mail(email, "Password Reset Code")[-1]["text"]
        return re.search(r"code is: (\d+)", email_text).group(1)

    def sign_in(self, email: str, password: str = PASSWORD) -> None:
        token = self.ok("POST", "/sessions", 201, json={"email": email, "password": password})["token"]
        self.session.headers["Authorization"] = f"Bearer {token}"

    def onboard_user(self, email: str, wait=0) -> None:
        """Invitation -> reset code -> password -> signed in (waits advanced as given)."""
        self.advance(wait)
        self.ok("POST", f"/invitations/{self.invitation_token(email)}/accept")
        self.advance(wait)
        self.ok("POST", "/password", json={"email": email, "code": self.reset_code(email), "password": PASSWORD})
        self.sign_in(email)
