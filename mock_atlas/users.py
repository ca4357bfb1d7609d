"""Atlas users: invitation -> "Password Reset Code" email -> set password -> sign in; portal sessions;
"Add an Atlas Admin User". Passwords follow sandbox.passwords; session tokens are kept hashed."""
from __future__ import annotations

from datetime import timedelta

from mock_atlas import emails
from mock_atlas.context import AtlasContext
from sandbox.kernel import form_checks as f
from sandbox.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from sandbox.kernel.passwords import hash_password, password_matches, password_problem
from sandbox.kernel.session_tokens import SessionTokens

JOB_RESET_CODE = "atlas.password_reset_code"
SESSION_LIFETIME = timedelta(hours=12)
CODE_LIFETIME = timedelta(hours=24)


class Users:
    def __init__(self, ctx: AtlasContext):
        self.ctx = ctx
        self.sessions = SessionTokens(ctx.store, ctx.random, "atlas_sessions", SESSION_LIFETIME)
        ctx.scheduler.register(JOB_RESET_CODE, self._send_reset_code)

    # -- records ---------------------------------------------------------------------------------
    def create(self, account_id: str, email: str, first_name: str | None, last_name: str | None,
               job_title: str | None = None, phone: str | None = None, primary: bool = False) -> dict:
        row = {"id": "USR-" + self.ctx.random.hex(4, upper=True), "account_id": account_id, "email": email,
               "first_name": first_name, "last_name": last_name, "job_title": job_title, "phone": phone,
               "status": "invited", "password_hash": None, "created_at": self.ctx.clock.now_unix(),
               "is_primary": 1 if primary else 0}
        with self.ctx.store.transaction() as db:
            db["atlas_users"].insert(row)
        return row

    def get(self, user_id: str) -> dict:
        row = self.ctx.one("select * from atlas_users where id = ?", [user_id])
        if row is None:
            raise NotFound(f"no Atlas user {user_id!r}", field="user_id")
        return row

    def find_by_email(self, email: str) -> dict | None:
        return self.ctx.one("select * from atlas_users where lower(email) = lower(?) and status != 'removed'",
                            [email])

    @staticmethod
    def describe(user: dict) -> dict:
        return {"id": user["id"], "email": user["email"], "first_name": user["first_name"],
                "last_name": user["last_name"], "status": user["status"], "primary": bool(user["is_primary"])}

    # -- invitation and password -----------------------------------------------------------------
    def send_invitation(self, user: dict) -> str:
        ctx = self.ctx
        token = ctx.random.token(24)
        account = ctx.one("select company_name from atlas_accounts where id = ?", [user["account_id"]])
        with ctx.store.transaction() as db:
            db["atlas_invitations"].insert({"token": token, "user_id": user["id"], "created_at": ctx.clock.now_unix(),
                                            "sent_at": ctx.clock.now_unix(), "used_at": None})
        ctx.outbox.send(user["email"], emails.INVITATION_SUBJECT,
                        emails.invitation(user["first_name"] or user["email"], account["company_name"],
                                          ctx.links.invitation(token)), sender=emails.NOREPLY)
        return token

    def accept_invitation(self, token: str) -> dict:
        ctx = self.ctx
        with ctx.store.transaction() as db:
            invitation = ctx.one("select * from atlas_invitations where token = ?", [token])
            if invitation is None:
                raise NotFound("this invitation link is not valid: use the link of the latest "
                               "'New User Registration' email", field="token")
            if invitation["used_at"] is not None:
                raise Conflict("this invitation link was already used: sign in, or ask for a new password reset "
                               "code", field="token")
            user = self.get(invitation["user_id"])
            if user["status"] == "removed":
                raise Forbidden("this user was removed from the Atlas account", field="token")
            db["atlas_invitations"].update(token, {"used_at": ctx.clock.now_unix()})
            due = ctx.due("password_reset_email")
            ctx.scheduler.schedule(JOB_RESET_CODE, due, {"account_id": user["account_id"], "user_id": user["id"]})
        return {"email": user["email"], "reset_code_due_at": due.isoformat(),
                "message": "A password reset code is on its way by email."}

    def request_reset_code(self, email: str) -> dict:
        user = self.find_by_email(email or "")
        if user is not None and user["status"] != "invited":
            self.ctx.scheduler.schedule(JOB_RESET_CODE, self.ctx.due("password_reset_email"),
                                        {"account_id": user["account_id"], "user_id": user["id"]})
        return {"message": "If the address belongs to an Atlas user, a password reset code is on its way."}

    def _send_reset_code(self, payload: dict) -> None:
        ctx = self.ctx
        user = self.get(payload["user_id"])
        code = ctx.random.digits(8)
        now = ctx.clock.now_unix()
        with ctx.store.transaction() as db:
            db["atlas_reset_codes"].insert({"id": ctx.random.hex(8), "user_id": user["id"], "code": code,
                                            "created_at": now, "expires_at": now + CODE_LIFETIME.total_seconds(),
                                            "used_at": None})
        ctx.outbox.send(user["email"], emails.RESET_CODE_SUBJECT, emails.reset_code(user["first_name"] or "", code),
                        sender=emails.NOREPLY)

    def set_password(self, payload) -> dict:
        payload = f.form(payload)
        errors = f.FormErrors()
        email = f.email(payload, "email", errors)
        code = f.text(payload, "code", errors, max_length=20)
        password = payload.get("password")
        problem = password_problem(password)
        if problem:
            errors.add("password", problem)
        errors.raise_if_any("password form")
        ctx = self.ctx
        user = self.find_by_email(email)
        with ctx.store.transaction() as db:
            row = user and ctx.one(
                "select * from atlas_reset_codes where user_id = ? and code = ? and used_at is null and expires_at > ?",
                [user["id"], code, ctx.clock.now_unix()])
            if not row:
                raise InvalidInput("the password reset code is wrong, used or expired: use the code of the latest "
                                   "'Password Reset Code - GlobalSign Atlas' email", field="code")
            db["atlas_reset_codes"].update(row["id"], {"used_at": ctx.clock.now_unix()})
            db["atlas_users"].update(user["id"], {"password_hash": hash_password(password),
                                                  "status": "active"})
        return {"message": "Your password is set: you can now sign in.", "email": user["email"]}

    # -- sessions --------------------------------------------------------------------------------
    def sign_in(self, payload) -> dict:
        payload = f.form(payload)
        email, password = payload.get("email"), payload.get("password")
        if not isinstance(email, str) or not isinstance(password, str) or not email or not password:
            raise InvalidInput("email and password are required", field="email" if not email else "password")
        user = self.find_by_email(email)
        if user is not None and user["status"] == "invited":
            raise Unauthorized("this user has no password yet: accept the invitation and set a password with the "
                               "emailed reset code", field="email")
        if user is None or not password_matches(user["password_hash"], password):
            raise Unauthorized("wrong email or password", field="password")
        token = self.sessions.issue(user["id"])
        return {"token": token, "expires_in": int(SESSION_LIFETIME.total_seconds()), "user": self.describe(user)}

    def sign_in_as(self, user_id: str) -> str:
        """The trainer's "Sign in as" (the sandbox console, never a portal): a session token for a user who has set
        a password."""
        user = self.get(user_id)
        if user["status"] != "active":
            raise Conflict(f"{user['email']} has not set a password yet (invitation, then the reset code)",
                           field="user_id")
        return self.sessions.issue(user["id"])

    def authenticate(self, token: str | None) -> dict:
        if not token:
            raise Unauthorized("sign in first: POST /atlas/api/sessions, then send 'Authorization: Bearer <token>'")
        user_id = self.sessions.user_id_of(token)
        if user_id is None:
            raise Unauthorized("the session is unknown or expired: sign in again")
        user = self.get(user_id)
        if user["status"] != "active":
            raise Unauthorized("this user can no longer sign in")
        return user

    def sign_out(self, token: str) -> None:
        self.sessions.revoke(token)

    # -- more admin users ------------------------------------------------------------------------
    def add_admin_user(self, actor: dict, payload) -> dict:
        payload = f.form(payload)
        errors = f.FormErrors()
        email = f.email(payload, "email", errors)
        first = f.text(payload, "first_name", errors, required=False)
        last = f.text(payload, "last_name", errors, required=False)
        errors.raise_if_any("new user form")
        if self.find_by_email(email):
            raise Conflict(f"{email} is already an Atlas user", field="email")
        user = self.create(actor["account_id"], email, first, last)
        self.send_invitation(user)
        return self.describe(user)

    def list(self, account_id: str) -> list[dict]:
        rows = self.ctx.store.query("select * from atlas_users where account_id = ? and status != 'removed' "
                                    "order by created_at, id", [account_id])
        return [self.describe(r) for r in rows]

    def remove(self, actor: dict, user_id: str) -> None:
        user = self.get(user_id)
        if user["account_id"] != actor["account_id"] or user["status"] == "removed":
            raise NotFound(f"no Atlas user {user_id!r} in this account", field="user_id")
        if user["id"] == actor["id"]:
            raise Conflict("you cannot remove yourself: ask another admin user", field="user_id")
        with self.ctx.store.transaction() as db:
            db["atlas_users"].update(user_id, {"status": "removed"})
            self.sessions.revoke_user(user_id)
