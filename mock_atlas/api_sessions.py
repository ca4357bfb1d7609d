"""HVCA login: API key + secret + the Atlas client certificate issued for those credentials on the TLS
connection. The access token is opaque and kept hashed. It lasts 10 minutes of *real* time: a token is the
client's, not part of the journey the sandbox clock simulates, so a test that advances the clock past a wait
keeps its token (design.md, "Two kinds of time"). `expire_all` ends every token now, on purpose."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from mock_atlas.context import AtlasContext
from mock_atlas.credentials import Credentials
from sandbox.kernel.clock import real_now
from sandbox.kernel.errors import InvalidInput, Unauthorized
from sandbox.kernel.session_tokens import token_hash

TOKEN_LIFETIME = timedelta(minutes=10)


@dataclass(frozen=True)
class ApiSession:
    account_id: str
    api_key: str


class ApiSessions:
    def __init__(self, ctx: AtlasContext, credentials: Credentials):
        self.ctx = ctx
        self.credentials = credentials

    def login(self, payload, client_serial: str | None) -> str:
        if not isinstance(payload, dict) or set(payload) - {"api_key", "api_secret"} or \
                not isinstance(payload.get("api_key"), str) or not isinstance(payload.get("api_secret"), str):
            raise InvalidInput("Invalid login request")
        row = self.credentials.check_secret(payload["api_key"], payload["api_secret"])
        if row is None:
            raise Unauthorized("Unauthorized", details={"reason": "credentials"})
        if row["status"] == "revoked":
            raise Unauthorized("Unauthorized: these API credentials are revoked", details={"reason": "revoked"})
        bound = client_serial and self.ctx.one(
            "select 1 as x from atlas_client_certificates where serial = ? and api_key = ?",
            [client_serial, row["api_key"]])
        if not bound:
            raise Unauthorized("Unauthorized: the client certificate on this connection was not issued for these "
                               "API credentials (use the mTLS certificate generated with them in the Atlas portal)",
                               details={"reason": "certificate"})
        token = self.ctx.random.token(32)
        now = real_now().timestamp()
        with self.ctx.store.transaction() as db:
            db["atlas_api_tokens"].insert({"token_hash": token_hash(token), "api_key": row["api_key"],
                                           "account_id": row["account_id"], "created_at": now,
                                           "expires_at": now + TOKEN_LIFETIME.total_seconds()})
            db.execute("delete from atlas_api_tokens where expires_at < ?", [now - 86400])
        return token

    def authenticate(self, authorization: str | None, client_serial: str | None) -> ApiSession:
        if not authorization or not authorization.startswith("Bearer "):
            raise Unauthorized("Unauthorized: send 'Authorization: Bearer <access_token>' from POST /v2/login")
        row = self.ctx.one(
            "select t.api_key, t.account_id, t.expires_at, c.status, "
            "exists(select 1 from atlas_client_certificates x where x.serial = ? and x.account_id = t.account_id) "
            "as same_account from atlas_api_tokens t left join atlas_credentials c on c.api_key = t.api_key "
            "where t.token_hash = ?", [client_serial or "", token_hash(authorization[7:].strip())])
        if row is None or row["expires_at"] <= real_now().timestamp():
            raise Unauthorized("Unauthorized: the access token is unknown or expired (tokens last 10 minutes): "
                               "log in again")
        if row["status"] in (None, "revoked"):
            raise Unauthorized("Unauthorized: these API credentials are revoked")
        if not row["same_account"]:
            raise Unauthorized("Unauthorized: the client certificate on this connection belongs to another account")
        return ApiSession(row["account_id"], row["api_key"])

    def expire_all(self) -> int:
        """Every HVCA access token ends now (clients must log in again); how many were still valid."""
        with self.ctx.store.transaction() as db:
            live = db.execute("select count(*) from atlas_api_tokens where expires_at > ?",
                              [real_now().timestamp()]).fetchone()[0]
            db.execute("delete from atlas_api_tokens")
        return live
