"""Payment method (Invoice: nothing is paid) and the £0 quotation; accepting it opens, after the
`identity_profile_tile` wait, the "Request Identity Profile" tile."""
from __future__ import annotations

from mock_atlas import emails
from mock_atlas.context import AtlasContext
from sandbox.kernel import form_checks as f
from sandbox.kernel.clock import from_unix, iso, iso_unix
from sandbox.kernel.errors import Conflict, InvalidInput

JOB_QUOTATION_READY = "atlas.quotation_ready"
JOB_IDENTITY_TILE = "atlas.identity_profile_tile"
PAYMENT_METHODS = ("invoice",)


class Quotation:
    def __init__(self, ctx: AtlasContext):
        self.ctx = ctx
        ctx.scheduler.register(JOB_QUOTATION_READY, self._ready)
        ctx.scheduler.register(JOB_IDENTITY_TILE, self._tile)

    def account(self, account_id: str) -> dict:
        return self.ctx.one("select * from atlas_accounts where id = ?", [account_id])

    def set_payment_method(self, account_id: str, payload) -> dict:
        payload = f.form(payload)
        method = str(payload.get("method", "")).strip().lower()
        if method not in PAYMENT_METHODS:
            raise InvalidInput("method must be 'invoice': the MHHS service is invoiced at £0, no payment is taken",
                               field="method")
        account = self.account(account_id)
        if account["payment_method"]:
            raise Conflict("the payment method is already set", field="method")
        ctx = self.ctx
        due = ctx.due("quotation_ready")
        with ctx.store.transaction() as db:
            db["atlas_accounts"].update(account_id, {"payment_method": method, "quotation_status": "pending",
                                                     "quotation_ready_at": due.timestamp()})
            ctx.scheduler.schedule(JOB_QUOTATION_READY, due, {"account_id": account_id})
        return {"payment_method": method, "quotation_ready_at": iso(due)}

    def _ready(self, payload: dict) -> None:
        ctx = self.ctx
        account = self.account(payload["account_id"])
        with ctx.store.transaction() as db:
            db["atlas_accounts"].update(account["id"], {"quotation_status": "ready"})
        for user in ctx.store.query("select email from atlas_users where account_id = ? and status != 'removed'",
                                    [account["id"]]):
            ctx.outbox.send(user["email"], emails.QUOTATION_SUBJECT,
                            emails.quotation(account["company_name"], ctx.links.portal()), sender=emails.NOREPLY_QUOTES)

    def describe(self, account_id: str) -> dict:
        account = self.account(account_id)
        return {"status": account["quotation_status"], "amount": "£0.00", "currency": "GBP",
                "items": [{"description": "IntranetSSL OV - MHHS Programme PKI", "price": "£0.00"}],
                "payment_method": account["payment_method"],
                "ready_at": iso_unix(account["quotation_ready_at"]),
                "accepted_at": iso(from_unix(account["quotation_accepted_at"]))
                if account["quotation_accepted_at"] else None}

    def accept(self, account_id: str, payload) -> dict:
        payload = f.form(payload)
        account = self.account(account_id)
        status = account["quotation_status"]
        if status == "none":
            raise Conflict("set a payment method first (Invoice): the quotation follows it", field="quotation")
        if status == "pending":
            raise Conflict("the quotation is not ready yet: it is due at "
                           f"{iso(from_unix(account['quotation_ready_at']))} (sandbox time)", field="quotation")
        if status == "accepted":
            raise Conflict("the quotation is already accepted", field="quotation")
        errors = f.FormErrors()
        f.ticked(payload, "accept_quotation", errors, "tick the box to accept the quotation")
        f.ticked(payload, "accept_msa", errors, "tick the box to accept the Master Services Agreement")
        errors.raise_if_any("quotation")
        ctx = self.ctx
        due = ctx.due("identity_profile_tile")
        with ctx.store.transaction() as db:
            db["atlas_accounts"].update(account_id, {"quotation_status": "accepted",
                                                     "quotation_accepted_at": ctx.clock.now_unix()})
            ctx.scheduler.schedule(JOB_IDENTITY_TILE, due, {"account_id": account_id})
        return {**self.describe(account_id), "identity_profile_tile_at": iso(due)}

    def _tile(self, payload: dict) -> None:
        with self.ctx.store.transaction() as db:
            db["atlas_accounts"].update(payload["account_id"], {"identity_tile_ready": 1})
