"""The MHHS "Get Started with Atlas" form: an account for the organisation and its first user, and, after
the profile's `registration_emails` wait, the confirmation email and the "New User Registration" invitation."""
from __future__ import annotations

from mock_atlas import emails
from mock_atlas.context import AtlasContext
from mock_atlas.users import Users
from sandbox.kernel import form_checks as f
from sandbox.kernel.errors import Conflict
from seed_data.company_register import find_company

JOB_EMAILS = "atlas.registration_emails"


class Registration:
    def __init__(self, ctx: AtlasContext, users: Users):
        self.ctx = ctx
        self.users = users
        ctx.scheduler.register(JOB_EMAILS, self._send_emails)

    def register(self, payload) -> dict:
        payload = f.form(payload)
        errors = f.FormErrors()
        values = {
            "first_name": f.text(payload, "first_name", errors), "last_name": f.text(payload, "last_name", errors),
            "job_title": f.text(payload, "job_title", errors), "email": f.email(payload, "email", errors),
            "company_name": f.text(payload, "company_name", errors), "website": f.website(payload, "website", errors),
            "address_line_1": f.text(payload, "address_line_1", errors),
            "address_line_2": f.text(payload, "address_line_2", errors, required=False),
            "city": f.text(payload, "city", errors), "postal_code": f.text(payload, "postal_code", errors, max_length=20),
            "country": f.country(payload, "country", errors),
        }
        values["contact_phone"] = f.phone(payload, "contact_phone", errors, values["country"])
        f.ticked(payload, "not_a_robot", errors, "tick \"I'm not a robot\"")
        errors.raise_if_any("registration form")
        if self.users.find_by_email(values["email"]):
            raise Conflict(f"an Atlas account already exists for {values['email']}: accept its invitation, or sign "
                           "in (a colleague can add you as an Atlas Admin User)", field="email")
        company = find_company(values["company_name"])
        address = ", ".join(v for v in (values["address_line_1"], values["address_line_2"], values["city"],
                                        values["postal_code"], values["country"]) if v)
        ctx = self.ctx
        account_id = "ATL-" + ctx.random.hex(4, upper=True)
        now = ctx.clock.now_unix()
        with ctx.store.transaction() as db:
            db["atlas_accounts"].insert({
                "id": account_id, "created_at": now, "company_name": values["company_name"],
                "website": values["website"], "address_line_1": values["address_line_1"],
                "address_line_2": values["address_line_2"], "city": values["city"],
                "postal_code": values["postal_code"], "country": values["country"],
                "registered_name": company.registered_name if company else values["company_name"],
                "company_number": company.company_number if company else None,
                "hq_phone": company.hq_phone if company else values["contact_phone"],
                "registered_address": company.registered_address if company else address,
                "hq_puts_through": 1 if (company is None or company.hq_puts_through) else 0,
                "status": "registered", "payment_method": None, "quotation_status": "none",
                "quotation_ready_at": None, "quotation_accepted_at": None, "identity_tile_ready": 0,
                "vetting_outcome": "auto", "vetting_reason": None,
            })
            user = self.users.create(account_id, values["email"], values["first_name"], values["last_name"],
                                     values["job_title"], values["contact_phone"], primary=True)
            ctx.scheduler.schedule(JOB_EMAILS, ctx.due("registration_emails"),
                                   {"account_id": account_id, "user_id": user["id"]})
        return {"account_id": account_id, "message": "Thank you for your interest in GlobalSign",
                "emails_due_at": ctx.due("registration_emails").isoformat()}

    def _send_emails(self, payload: dict) -> None:
        user = self.users.get(payload["user_id"])
        self.ctx.outbox.send(user["email"], emails.CONFIRMATION_SUBJECT, emails.confirmation(user["first_name"]),
                             sender=emails.NOREPLY)
        self.users.send_invitation(user)
        with self.ctx.store.transaction() as db:
            db["atlas_accounts"].update(payload["account_id"], {"status": "invited"})
