"""DIP portal identity, per environment: invitation -> password -> sign-in with email + password + TOTP
(RFC 6238, pyotp) on every sign-in, MFA enrolment (secret, otpauth:// URI, QR code as SVG via segno) and the
Terms of Use on the first one; sessions usable as a cookie or a bearer token; lockout after repeated failures;
expired and offboarded members cannot sign in or use a token.

A TOTP code is computed by the person's authenticator from its own clock, so it is accepted when valid for
real time or for sandbox time (one 30-second step either side), like the other client-clock values.
"""
from __future__ import annotations

import base64
import io
import json
from datetime import timedelta
from typing import Callable

from mock_dip.audit import Audit
from mock_dip.context import DipContext
from sandbox.kernel.clock import from_unix, iso, iso_unix, real_now
from sandbox.kernel.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound, Unauthorized
from sandbox.kernel.passwords import hash_password, password_matches, password_problem
from sandbox.kernel.session_tokens import SessionTokens

SESSION_LIFETIME = timedelta(hours=12)
CHALLENGE_LIFETIME = timedelta(minutes=10)
ISSUER = "Elexon DIP (sandbox)"
TERMS_OF_USE = ("Terms of Use of the Data Integration Platform (sandbox copy): use the DIP only for the purposes "
                "of the MHHS Programme, keep your credentials and certificates secret, and tell the DIP Manager "
                "at once if you suspect they are compromised.")


class AccountLocked(DomainError):
    status = 423


class Identity:
    def __init__(self, ctx: DipContext, audit: Audit):
        self.ctx = ctx
        self.audit = audit
        self.sessions = SessionTokens(ctx.store, ctx.random, "dip_sessions", SESSION_LIFETIME)

    # -- users -----------------------------------------------------------------------------------
    def create_user(self, organisation_id: str | None, email: str, first_name: str | None, last_name: str | None,
                    roles: list[str], *, primary: bool = False, manager: bool = False,
                    expires_at: float | None = None) -> dict:
        ctx = self.ctx
        if self.find(email):
            raise Conflict(f"{email} already has a DIP {ctx.environment_name} account", field="email")
        row = {"id": "U" + ctx.random.hex(5, upper=True), "environment": ctx.environment,
               "organisation_id": organisation_id, "email": email, "first_name": first_name, "last_name": last_name,
               "roles": json.dumps(roles), "is_manager": int(manager), "is_primary": int(primary),
               "status": "invited", "password_hash": None, "totp_secret": None, "mfa_enrolled": 0,
               "tou_accepted_at": None, "failed_attempts": 0, "locked_until": None, "expires_at": expires_at,
               "created_at": ctx.clock.now_unix()}
        with ctx.store.transaction() as db:
            db["dip_users"].insert(row)
        return row

    def find(self, email: str) -> dict | None:
        return self.ctx.one("select * from dip_users where environment = ? and lower(email) = lower(?) "
                            "and status != 'offboarded'", [self.ctx.environment, email or ""])

    def manager(self) -> dict | None:
        """The DIP Manager of this environment (made at first start: `ensure_manager`)."""
        return self.ctx.one("select * from dip_users where environment = ? and is_manager = 1", [self.ctx.environment])

    def active_members(self, organisation_id: str) -> list[dict]:
        """The organisation's users that are not offboarded, by email (what the sandbox's own pages list)."""
        return self.ctx.store.query("select * from dip_users where organisation_id = ? and environment = ? and "
                                    "status != 'offboarded' order by email", [organisation_id, self.ctx.environment])

    def get(self, user_id: str) -> dict:
        row = self.ctx.one("select * from dip_users where id = ? and environment = ?", [user_id, self.ctx.environment])
        if row is None:
            raise NotFound(f"no {self.ctx.environment_name} user {user_id!r}", field="user_id")
        return row

    @staticmethod
    def describe(user: dict) -> dict:
        return {"id": user["id"], "email": user["email"], "first_name": user["first_name"],
                "last_name": user["last_name"], "organisation_id": user["organisation_id"],
                "roles": json.loads(user["roles"]), "dip_manager": bool(user["is_manager"]),
                "primary_admin": bool(user["is_primary"]), "status": user["status"],
                "mfa_enrolled": bool(user["mfa_enrolled"]),
                "expires_at": iso_unix(user["expires_at"])}

    # -- invitation and password -----------------------------------------------------------------
    def invite(self, user: dict, organisation_name: str) -> str:
        ctx = self.ctx
        token = ctx.random.token(24)
        with ctx.store.transaction() as db:
            db["dip_invitations"].insert({"token": token, "user_id": user["id"], "created_at": ctx.clock.now_unix(),
                                          "used_at": None})
        ctx.outbox.send(user["email"], f"Invitation to the Data Integration Platform ({ctx.environment_name})",
                        f"Dear {user['first_name'] or user['email']},\n\nYou have been invited to the DIP "
                        f"{ctx.environment_name} portal for {organisation_name}. Set your password here: "
                        f"{ctx.links.invitation(ctx.environment, token)}\n\nEvery sign-in asks for your email, your "
                        "password and a code from an authenticator app (you will set it up at your first sign-in).\n",
                        sender="noreply@dip-sandbox.example")
        return token

    def accept_invitation(self, token: str, payload: dict) -> dict:
        ctx = self.ctx
        problem = password_problem(payload.get("password"))
        if problem:
            raise InvalidInput(f"the password {problem}", field="password")
        with ctx.store.transaction() as db:
            invitation = ctx.one("select * from dip_invitations where token = ?", [token])
            user = invitation and ctx.one("select * from dip_users where id = ? and environment = ?",
                                          [invitation["user_id"], ctx.environment])
            if not user:
                raise NotFound(f"this invitation link is not valid for DIP {ctx.environment_name}", field="token")
            if invitation["used_at"] is not None:
                raise Conflict("this invitation link was already used: sign in with your password and "
                               "authenticator code", field="token")
            if user["status"] == "offboarded":
                raise Unauthorized("this member was offboarded", field="token")
            db["dip_invitations"].update(token, {"used_at": ctx.clock.now_unix()})
            db["dip_users"].update(user["id"], {"password_hash": hash_password(payload["password"]),
                                                "status": "active"})
        self.audit.record(user["email"], "password set from invitation", user["organisation_id"])
        return {"email": user["email"], "next": "sign in: POST sessions with email and password"}

    # -- sign-in ---------------------------------------------------------------------------------
    def _usable(self, user: dict) -> None:
        now = self.ctx.clock.now_unix()
        if user["status"] == "offboarded":
            raise Unauthorized("this member was offboarded and can no longer sign in")
        if user["expires_at"] and user["expires_at"] <= now:
            raise Unauthorized(f"your access expired on {iso(from_unix(user['expires_at']))}: ask a User Admin of "
                               "your organisation to extend it")

    def _failed(self, user: dict, message: str) -> None:
        attempts = user["failed_attempts"] + 1
        changes = {"failed_attempts": attempts}
        if attempts >= self.ctx.policy.lockout_attempts:
            changes = {"failed_attempts": 0, "locked_until": self.ctx.clock.now_unix()
                       + self.ctx.policy.lockout_minutes * 60}
        with self.ctx.store.transaction() as db:
            db["dip_users"].update(user["id"], changes)
        self.audit.record(user["email"], "sign-in failed", user["organisation_id"], reason=message)
        raise Unauthorized(message)

    def _totp_ok(self, secret: str, code) -> bool:
        import pyotp  # imported on first use: sign-ins need it, start-up does not
        code = str(code or "").strip()
        if not code.isdigit():
            return False
        totp = pyotp.TOTP(secret)
        return any(totp.verify(code, for_time=moment, valid_window=1) for moment in (real_now(), self.ctx.clock.now()))

    def sign_in(self, payload: dict) -> tuple[int, dict]:
        """(status, body): 200 with the next step (MFA enrolment, Terms of Use), or 201 signed in."""
        if payload.get("challenge"):
            return self._continue(payload)
        email, password = payload.get("email"), payload.get("password")
        if not isinstance(email, str) or not isinstance(password, str) or not email or not password:
            raise InvalidInput("email and password are required", field="email" if not email else "password")
        user = self.find(email)
        if user is None:
            raise Unauthorized("wrong email, password or authenticator code")
        if user["locked_until"] and user["locked_until"] > self.ctx.clock.now_unix():
            raise AccountLocked(f"too many failed sign-ins: the account is locked until "
                                f"{iso(from_unix(user['locked_until']))} (sandbox time)")
        if user["status"] == "invited":
            raise Unauthorized("set your password with the invitation link first", field="email")
        if not password_matches(user["password_hash"], password):
            self._failed(user, "wrong email, password or authenticator code")
        self._usable(user)
        if not user["mfa_enrolled"]:
            return 200, self._enrolment(user)
        if not payload.get("totp"):
            raise Unauthorized("enter the 6-digit code from your authenticator app (totp)", field="totp")
        if not self._totp_ok(user["totp_secret"], payload["totp"]):
            self._failed(user, "wrong email, password or authenticator code")
        return self._after_mfa(user)

    def _challenge(self, user: dict, step: str) -> str:
        token = self.ctx.random.token(24)
        now = self.ctx.clock.now_unix()
        with self.ctx.store.transaction() as db:
            db["dip_sign_in_challenges"].insert({"token": token, "user_id": user["id"], "step": step, "created_at": now,
                                                 "expires_at": now + CHALLENGE_LIFETIME.total_seconds()})
        return token

    def _enrolment(self, user: dict) -> dict:
        import pyotp
        import segno  # imported on first use, like pyotp
        secret = user["totp_secret"]
        if not secret:
            secret = base64.b32encode(self.ctx.random.bytes(20)).decode()
            with self.ctx.store.transaction() as db:
                db["dip_users"].update(user["id"], {"totp_secret": secret})
        uri = pyotp.TOTP(secret).provisioning_uri(name=user["email"], issuer_name=ISSUER)
        svg = io.BytesIO()
        segno.make(uri, error="m").save(svg, kind="svg", scale=4)
        return {"status": "mfa_enrolment_required", "challenge": self._challenge(user, "mfa_enrolment"),
                "mfa": {"secret": secret, "otpauth_uri": uri, "qr_svg": svg.getvalue().decode()},
                "next": "scan the QR code (or enter the secret) in an authenticator app, then POST sessions with "
                        "the challenge and a current code (totp)"}

    def _after_mfa(self, user: dict) -> tuple[int, dict]:
        if not user["tou_accepted_at"]:
            return 200, {"status": "terms_of_use_required", "challenge": self._challenge(user, "terms_of_use"),
                         "terms_of_use": TERMS_OF_USE,
                         "next": "POST sessions with the challenge and accept_terms_of_use: true"}
        return 201, self._session(user)

    def _continue(self, payload: dict) -> tuple[int, dict]:
        ctx = self.ctx
        row = ctx.one("select * from dip_sign_in_challenges where token = ?", [str(payload["challenge"])])
        if row is None or row["expires_at"] <= ctx.clock.now_unix():
            raise Unauthorized("the sign-in step is unknown or expired: sign in again with email and password",
                               field="challenge")
        user = self.get(row["user_id"])
        self._usable(user)
        with ctx.store.transaction() as db:
            db.execute("delete from dip_sign_in_challenges where token = ?", [row["token"]])
        if row["step"] == "mfa_enrolment":
            if not self._totp_ok(user["totp_secret"], payload.get("totp")):
                self._failed(user, "the authenticator code does not match the enrolment secret: check the app's "
                                   "clock and try a new code")
            with ctx.store.transaction() as db:
                db["dip_users"].update(user["id"], {"mfa_enrolled": 1, "failed_attempts": 0})
            self.audit.record(user["email"], "MFA enrolled", user["organisation_id"])
            return self._after_mfa(self.get(user["id"]))
        if payload.get("accept_terms_of_use") is not True:
            raise InvalidInput("accept the Terms of Use (accept_terms_of_use: true) to continue",
                               field="accept_terms_of_use")
        with ctx.store.transaction() as db:
            db["dip_users"].update(user["id"], {"tou_accepted_at": ctx.clock.now_unix()})
        self.audit.record(user["email"], "Terms of Use accepted", user["organisation_id"])
        return 201, self._session(self.get(user["id"]))

    def _session(self, user: dict) -> dict:
        token = self.sessions.issue(user["id"])
        with self.ctx.store.transaction() as db:
            db["dip_users"].update(user["id"], {"failed_attempts": 0})
        self.audit.record(user["email"], "signed in", user["organisation_id"])
        return {"status": "signed_in", "token": token, "expires_in": int(SESSION_LIFETIME.total_seconds()),
                "user": self.describe(user)}

    def everyone(self, manager: dict) -> list[dict]:
        """The DIP Manager's Users tab: every member of every organisation of the environment."""
        if not manager.get("is_manager"):
            raise Forbidden("the list of every user is the DIP Manager's")
        rows = self.ctx.store.query(
            "select u.*, o.company_name from dip_users u left join dip_organisations o on o.id = u.organisation_id "
            "where u.environment = ? and u.is_manager = 0 order by o.company_name, u.email", [self.ctx.environment])
        return [{**self.describe(r), "company_name": r["company_name"]} for r in rows]

    def sign_in_as(self, user_id: str) -> dict:
        """The trainer's "Sign in as" (the sandbox console, never a portal): a session for an active member who
        finished the first sign-in (MFA enrolled, Terms of Use accepted), with the code their app shows now."""
        user = self.get(user_id)
        self._usable(user)
        if user["status"] != "active" or not user["mfa_enrolled"] or not user["tou_accepted_at"]:
            raise Conflict(f"{user['email']} has not finished the first sign-in (password, authenticator app, Terms "
                           "of Use): sign in as them on the sign-in page once", field="user_id")
        return {**self._session(user), "totp_now": self.totp_now(user)}

    @staticmethod
    def totp_now(user: dict) -> str | None:
        """The code the member's authenticator app shows now (real time, as the app's clock is)."""
        if not user.get("totp_secret") or not user.get("mfa_enrolled"):
            return None
        import pyotp  # imported on first use, as for the sign-in
        return pyotp.TOTP(user["totp_secret"]).at(real_now())

    def authenticate(self, token: str | None) -> dict:
        if not token:
            raise Unauthorized(f"sign in first: POST /dip/{self.ctx.environment}/api/sessions, then send "
                               "'Authorization: Bearer <token>'")
        user_id = self.sessions.user_id_of(token)
        if user_id is None:
            raise Unauthorized("the session is unknown or expired: sign in again")
        user = self.ctx.one("select * from dip_users where id = ? and environment = ?", [user_id, self.ctx.environment])
        if user is None:
            raise Unauthorized(f"this token is not for DIP {self.ctx.environment_name}")
        self._usable(user)
        return user

    def sign_out(self, token: str | None) -> None:
        self.sessions.revoke(token)

    # -- the DIP Manager -------------------------------------------------------------------------
    def ensure_manager(self, email: str, password_hash: Callable[[], str]) -> dict:
        """The DIP Manager of this environment exists from first start (active; MFA at first sign-in)."""
        existing = self.manager()
        if existing:
            return existing
        user = self.create_user(None, email, "DIP", "Manager", ["DIP Manager"], manager=True)
        with self.ctx.store.transaction() as db:
            db["dip_users"].update(user["id"], {"status": "active", "password_hash": password_hash()})
        return self.get(user["id"])
