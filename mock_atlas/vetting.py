"""Identity profiles (IntranetSSL OV) and their vetting, simulated as the guide tells it.

When the `vetting` wait ends, the outcome is the one chosen for the account through the control API, or,
by default (`auto`), what the company register says: the organisation name (O) must be the registered name
(else rejected, with the reason); a registered HQ that does not put GlobalSign through leads to a postal
challenge letter (it "arrives" in the outbox, addressed to the registered address, after the
`postal_challenge_letter` wait); entering its code completes vetting. Otherwise: approved.
"""
from __future__ import annotations

from mock_atlas import emails
from mock_atlas.context import AtlasContext
from sandbox.kernel import form_checks as f
from sandbox.kernel.clock import from_unix, iso, iso_unix
from sandbox.kernel.errors import Conflict, InvalidInput, NotFound
from seed_data.company_register import comparable

JOB_VETTING = "atlas.vetting"
JOB_POSTAL_LETTER = "atlas.postal_letter"
OUTCOMES = ("auto", "approve", "reject", "postal-challenge")
SERVICE_NAME = "IntranetSSL OV"


class Vetting:
    def __init__(self, ctx: AtlasContext):
        self.ctx = ctx
        ctx.scheduler.register(JOB_VETTING, self._decide)
        ctx.scheduler.register(JOB_POSTAL_LETTER, self._letter)

    # -- identity profiles -----------------------------------------------------------------------
    def profiles(self, account_id: str) -> list[dict]:
        rows = self.ctx.store.query("select * from atlas_identity_profiles where account_id = ? "
                                    "order by submitted_at, id", [account_id])
        return [self.describe(r) for r in rows]

    def profile(self, account_id: str, profile_id: str) -> dict:
        row = self.ctx.one("select * from atlas_identity_profiles where id = ? and account_id = ?",
                           [profile_id, account_id])
        if row is None:
            raise NotFound(f"no identity profile {profile_id!r} in this account", field="profile_id")
        return row

    @staticmethod
    def describe(row: dict) -> dict:
        return {"id": row["id"], "type": SERVICE_NAME, "profile_name": row["profile_name"],
                "organization": row["organization"], "locality": row["locality"], "state": row["state"],
                "country": row["country"], "status": row["status"],
                "submitted_at": iso(from_unix(row["submitted_at"])),
                "vetting_due_at": iso(from_unix(row["vetting_due_at"])) if row["status"] == "pending_vetting" else None,
                "decided_at": iso_unix(row["decided_at"]),
                "reason": row["reason"],
                "postal_challenge": ("letter_sent" if row["postal_sent_at"] else "letter_on_its_way")
                if row["status"] == "postal_challenge" else None}

    def active_profile(self, account_id: str) -> dict | None:
        return self.ctx.one("select * from atlas_identity_profiles where account_id = ? and status = 'active'",
                            [account_id])

    def require_vetted(self, account_id: str) -> dict:
        profile = self.active_profile(account_id)
        if profile is None:
            raise Conflict("vetting is not complete: wait for the verification email before this step",
                           field="identity_profile")
        return profile

    def request_profile(self, account_id: str, payload) -> dict:
        payload = f.form(payload)
        ctx = self.ctx
        account = ctx.one("select * from atlas_accounts where id = ?", [account_id])
        if not account["identity_tile_ready"]:
            raise Conflict("the 'Request Identity Profile' tile is not ready yet: accept the quotation and wait "
                           "for the tile to turn mustard", field="identity_profile")
        current = ctx.one("select status from atlas_identity_profiles where account_id = ? and status in "
                          "('pending_vetting', 'postal_challenge', 'active')", [account_id])
        if current is not None:
            raise Conflict(f"an identity profile is already {current['status'].replace('_', ' ')}",
                           field="identity_profile")
        errors = f.FormErrors()
        values = {"profile_name": f.text(payload, "profile_name", errors),
                  "organization": f.text(payload, "organization", errors),
                  "locality": f.text(payload, "locality", errors),
                  "state": f.text(payload, "state", errors, required=False),
                  "country": f.country(payload, "country", errors)}
        errors.raise_if_any("identity profile")
        due = ctx.due("vetting")
        profile_id = "IDP-" + ctx.random.hex(4, upper=True)
        with ctx.store.transaction() as db:
            db["atlas_identity_profiles"].insert({
                "id": profile_id, "account_id": account_id, **values, "status": "pending_vetting",
                "submitted_at": ctx.clock.now_unix(), "vetting_due_at": due.timestamp(), "decided_at": None,
                "reason": None, "postal_code": None, "postal_sent_at": None})
            ctx.scheduler.schedule(JOB_VETTING, due, {"account_id": account_id, "profile_id": profile_id})
        return self.describe(self.profile(account_id, profile_id))

    # -- the verdict -----------------------------------------------------------------------------
    def set_outcome(self, account_id: str, outcome: str, reason: str | None = None) -> dict:
        if outcome not in OUTCOMES:
            raise InvalidInput(f"outcome must be one of {', '.join(OUTCOMES)}", field="outcome")
        with self.ctx.store.transaction() as db:
            db["atlas_accounts"].update(account_id, {"vetting_outcome": outcome, "vetting_reason": reason})
        return {"account_id": account_id, "vetting_outcome": outcome, "reason": reason}

    def _verdict(self, account: dict, profile: dict) -> tuple[str, str | None]:
        chosen = account["vetting_outcome"] or "auto"
        if chosen == "approve":
            return "approve", None
        if chosen == "reject":
            return "reject", account["vetting_reason"] or "rejected by the sandbox operator"
        if chosen == "postal-challenge":
            return "postal-challenge", None
        if comparable(profile["organization"]) != comparable(account["registered_name"]):
            return "reject", (f"the Organisation Name (O) {profile['organization']!r} is not the registered company "
                              f"name {account['registered_name']!r}")
        if not account["hq_puts_through"]:
            return "postal-challenge", None
        return "approve", None

    def _decide(self, payload: dict) -> None:
        ctx = self.ctx
        profile = ctx.one("select * from atlas_identity_profiles where id = ?", [payload["profile_id"]])
        if profile is None or profile["status"] != "pending_vetting":
            return
        account = ctx.one("select * from atlas_accounts where id = ?", [payload["account_id"]])
        verdict, reason = self._verdict(account, profile)
        if verdict == "approve":
            self._approve(account, profile)
        elif verdict == "reject":
            with ctx.store.transaction() as db:
                db["atlas_identity_profiles"].update(profile["id"], {"status": "rejected", "reason": reason,
                                                                     "decided_at": ctx.clock.now_unix()})
            self._tell(account, emails.REJECTED_SUBJECT, emails.rejected(account["company_name"], reason))
        else:
            code = ctx.random.digits(8)
            with ctx.store.transaction() as db:
                db["atlas_identity_profiles"].update(profile["id"], {"status": "postal_challenge", "postal_code": code})
                ctx.scheduler.schedule(JOB_POSTAL_LETTER, ctx.due("postal_challenge_letter"),
                                       {"account_id": account["id"], "profile_id": profile["id"]})

    def _approve(self, account: dict, profile: dict) -> None:
        ctx = self.ctx
        with ctx.store.transaction() as db:
            db["atlas_identity_profiles"].update(profile["id"], {"status": "active", "decided_at": ctx.clock.now_unix(),
                                                                 "reason": None})
            db["atlas_accounts"].update(account["id"], {"status": "vetted"})
        self._tell(account, emails.VERIFIED_SUBJECT, emails.verified(account["company_name"], ctx.links.portal()))

    def _tell(self, account: dict, subject: str, text: str) -> None:
        for user in self.ctx.store.query("select email from atlas_users where account_id = ? and status != 'removed'",
                                         [account["id"]]):
            self.ctx.outbox.send(user["email"], subject, text, sender=emails.NOREPLY)

    def _letter(self, payload: dict) -> None:
        ctx = self.ctx
        profile = ctx.one("select * from atlas_identity_profiles where id = ?", [payload["profile_id"]])
        if profile is None or profile["status"] != "postal_challenge":
            return
        account = ctx.one("select * from atlas_accounts where id = ?", [payload["account_id"]])
        contact = ctx.one("select * from atlas_users where account_id = ? and is_primary = 1", [account["id"]])
        name = " ".join(p for p in (contact["first_name"], contact["last_name"]) if p) if contact else "the contact"
        with ctx.store.transaction() as db:
            db["atlas_identity_profiles"].update(profile["id"], {"postal_sent_at": ctx.clock.now_unix()})
        ctx.outbox.send(f"post: {account['registered_address']}", emails.POSTAL_SUBJECT,
                        emails.postal_letter(account["registered_name"], name, account["registered_address"],
                                             profile["postal_code"]), sender="GlobalSign Vetting (by post)")

    def enter_postal_code(self, account_id: str, profile_id: str, payload) -> dict:
        payload = f.form(payload)
        profile = self.profile(account_id, profile_id)
        if profile["status"] != "postal_challenge":
            raise Conflict("this identity profile is not waiting for a postal challenge code", field="code")
        if not profile["postal_sent_at"]:
            raise Conflict("the postal challenge letter has not arrived yet", field="code")
        if str(payload.get("code", "")).strip() != profile["postal_code"]:
            raise InvalidInput("the code does not match the one in the postal challenge letter", field="code")
        account = self.ctx.one("select * from atlas_accounts where id = ?", [account_id])
        self._approve(account, profile)
        return self.describe(self.profile(account_id, profile_id))
