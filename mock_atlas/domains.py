"""Domains (domain claims): the same objects for the Atlas portal's Domains page and the HVCA API.

A claim has a 32-hex DNS verification code (DVC) to publish as a TXT record whose name is the domain (or an
authorization domain above it) and whose value is the bare token; it must be asserted (verified) within 30
days, else it must be reasserted (a new token). A verified domain stays verified for 395 days.
"""
from __future__ import annotations

import json
from datetime import timedelta

from mock_atlas.context import AtlasContext
from mock_atlas.vetting import Vetting
from sandbox.clock import from_unix, iso
from sandbox.dns_lookup import DnsLookupFailed
from sandbox.dns_zones import normalise_name
from sandbox.errors import Conflict, DomainError, InvalidInput, NotFound

ASSERT_WITHIN = timedelta(days=30)
VERIFIED_FOR = timedelta(days=395)


class ClaimExpired(DomainError):
    status = 424


class Domains:
    def __init__(self, ctx: AtlasContext, vetting: Vetting):
        self.ctx = ctx
        self.vetting = vetting

    @staticmethod
    def describe(row: dict) -> dict:
        return {"id": row["id"], "domain": row["domain"] + ".", "status": row["status"],
                "created_at": int(row["created_at"]), "assert_by": int(row["assert_by"]),
                "expires_at": int(row["expires_at"] or 0), "verify_before": iso(from_unix(row["assert_by"])),
                "expiration_date": iso(from_unix(row["expires_at"])) if row["expires_at"] else None,
                "last_verification_method": row["last_method"], "log": json.loads(row["log"])}

    def _log(self, row: dict, status: str, description: str) -> str:
        entries = json.loads(row["log"]) if row.get("log") else []
        entries.append({"status": status, "description": description, "timestamp": int(self.ctx.clock.now_unix())})
        return json.dumps(entries)

    def get(self, account_id: str, claim_id: str) -> dict:
        row = self.ctx.one("select * from atlas_domains where id = ? and account_id = ?",
                           [str(claim_id).upper(), account_id])
        if row is None:
            raise NotFound(f"no domain claim {claim_id!r} in this account", field="id")
        return row

    def list(self, account_id: str, status: str | None = None) -> list[dict]:
        sql, params = "select * from atlas_domains where account_id = ?", [account_id]
        if status:
            if status not in ("PENDING", "VERIFIED"):
                raise InvalidInput("status is PENDING or VERIFIED", field="status")
            sql += " and status = ?"
            params.append(status)
        return [self.describe(r) for r in self.ctx.store.query(sql + " order by created_at, id", params)]

    def claim(self, account_id: str, domain: str) -> dict:
        self.vetting.require_vetted(account_id)
        name = normalise_name(domain, "domain")
        if "." not in name:
            raise InvalidInput(f"{domain!r} is not a registrable domain (e.g. example.com)", field="domain")
        if self.ctx.one("select 1 as x from atlas_domains where account_id = ? and domain = ?", [account_id, name]):
            raise Conflict(f"{name} is already claimed by this account", field="domain")
        ctx = self.ctx
        now = ctx.clock.now_unix()
        row = {"id": ctx.random.hex(16, upper=True), "account_id": account_id, "domain": name,
               "token": ctx.random.hex(16), "status": "PENDING", "created_at": now,
               "assert_by": now + ASSERT_WITHIN.total_seconds(), "verified_at": None, "expires_at": 0,
               "last_method": None, "log": "[]"}
        row["log"] = self._log(row, "INFO", f"domain claim created for {name}")
        with ctx.store.transaction() as db:
            db["atlas_domains"].insert(row)
        return {**self.describe(row), "token": row["token"]}

    def token(self, account_id: str, claim_id: str) -> str:
        return self.get(account_id, claim_id)["token"]

    def reassert(self, account_id: str, claim_id: str) -> dict:
        """Reset DVC: a new token and a new assert-by date; the domain must be verified again."""
        row = self.get(account_id, claim_id)
        now = self.ctx.clock.now_unix()
        changes = {"token": self.ctx.random.hex(16), "assert_by": now + ASSERT_WITHIN.total_seconds(),
                   "status": "PENDING", "verified_at": None, "expires_at": 0,
                   "log": self._log(row, "INFO", "DNS verification code reset")}
        with self.ctx.store.transaction() as db:
            db["atlas_domains"].update(row["id"], changes)
        return {**self.describe({**row, **changes}), "token": changes["token"]}

    def delete(self, account_id: str, claim_id: str) -> None:
        row = self.get(account_id, claim_id)
        with self.ctx.store.transaction() as db:
            db.execute("delete from atlas_domains where id = ?", [row["id"]])

    def verify_dns(self, account_id: str, claim_id: str, authorization_domain: str | None = None) -> dict:
        """Look for the token in TXT records now: VERIFIED, or an error naming what was found."""
        ctx = self.ctx
        row = self.get(account_id, claim_id)
        if row["status"] == "VERIFIED":
            return {**self.describe(row), "result": "already_verified"}
        now = ctx.clock.now_unix()
        if now > row["assert_by"]:
            raise ClaimExpired("the claim was not verified before its assert-by date: reassert it (Reset DVC) "
                               "for a new token", field="id")
        name = row["domain"]
        if authorization_domain:
            auth = normalise_name(authorization_domain, "authorization_domain")
            if not (name == auth or name.endswith("." + auth)):
                raise InvalidInput(f"the authorization domain {auth} is not {name} or a domain above it",
                                   field="authorization_domain")
            name = auth
        try:
            values = ctx.txt_lookup.txt_values(name)
        except DnsLookupFailed as failure:
            outcome, description = "dns_failure", f"DNS lookup failed: {failure}"
        else:
            if row["token"] in [v.strip() for v in values]:
                changes = {"status": "VERIFIED", "verified_at": now, "expires_at": now + VERIFIED_FOR.total_seconds(),
                           "last_method": "DNS", "log": self._log(row, "SUCCESS", f"TXT record found at {name}")}
                with ctx.store.transaction() as db:
                    db["atlas_domains"].update(row["id"], changes)
                return {**self.describe({**row, **changes}), "result": "verified"}
            if not values:
                outcome, description = "no_record", f"no TXT record at {name} (yet): add one whose value is the token"
            else:
                outcome, description = "wrong_value", (f"TXT record(s) at {name} hold {', '.join(map(repr, values))}, "
                                                       "not the token")
        changes = {"last_method": "DNS", "log": self._log(row, "ERROR", description)}
        with ctx.store.transaction() as db:
            db["atlas_domains"].update(row["id"], changes)
        return {**self.describe({**row, **changes}), "result": outcome, "reason": description}
