"""Domains (domain claims): the same objects for the Atlas portal's Domains page and the HVCA API.

A claim has a 32-hex DNS verification code (DVC) to publish as a TXT record whose name is the domain (or an
authorization domain above it) and whose value is the bare token; it must be asserted (verified) within 30
days, else it must be reasserted (a new token). A verified domain stays verified for 395 days.
"""
from __future__ import annotations

import json
from datetime import timedelta
from functools import lru_cache

from publicsuffixlist import PublicSuffixList

from mock_atlas.context import AtlasContext
from mock_atlas.vetting import Vetting
from sandbox.kernel.clock import from_unix, iso, iso_unix
from sandbox.kernel.dns_lookup import DnsLookupFailed
from sandbox.kernel.dns_zones import normalise_name
from sandbox.kernel.errors import Conflict, DomainError, InvalidInput, NotFound

ASSERT_WITHIN = timedelta(days=30)
VERIFIED_FOR = timedelta(days=395)
JOB_RECHECK = "atlas.dns_recheck"
RECHECK_EVERY = timedelta(minutes=5)
RECHECK_ATTEMPTS = 12
EMAIL_BOXES = ("admin", "administrator", "webmaster", "hostmaster", "postmaster")
HTTP_PATH = "/.well-known/pki-validation/gsdv.txt"


class ClaimExpired(DomainError):
    status = 424


@lru_cache(maxsize=1)
def _public_suffixes() -> PublicSuffixList:
    return PublicSuffixList()  # the list the package ships: no download


def authorization_domains_of(domain: str) -> list[str]:
    """`domain` and each parent down to its registrable domain (Public Suffix List), most specific first."""
    registrable = _public_suffixes().privatesuffix(domain) or domain
    names = [domain]
    while names[-1] != registrable and "." in names[-1]:
        names.append(names[-1].split(".", 1)[1])
    return names


class Domains:
    def __init__(self, ctx: AtlasContext, vetting: Vetting, http_port: int | None = None):
        self.ctx = ctx
        self.vetting = vetting
        self.http_port = http_port
        ctx.scheduler.register(JOB_RECHECK, self._recheck)

    @staticmethod
    def describe(row: dict) -> dict:
        return {"id": row["id"], "domain": row["domain"] + ".", "status": row["status"],
                "created_at": int(row["created_at"]), "assert_by": int(row["assert_by"]),
                "expires_at": int(row["expires_at"] or 0), "verify_before": iso(from_unix(row["assert_by"])),
                "expiration_date": iso_unix(row["expires_at"]),
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

    def list(self, account_id: str, status: str | None = None, page: int = 1,
             per_page: int | None = None) -> tuple[list[dict], int]:
        """The account's claims (optionally of one status), a page of them, and how many there are in all."""
        sql, params = "from atlas_domains where account_id = ?", [account_id]
        if status:
            if status not in ("PENDING", "VERIFIED"):
                raise InvalidInput("status is PENDING or VERIFIED", field="status")
            sql += " and status = ?"
            params.append(status)
        total = self.ctx.store.query(f"select count(*) as n {sql}", params)[0]["n"]
        limit = "" if per_page is None else f" limit {int(per_page)} offset {(int(page) - 1) * int(per_page)}"
        rows = self.ctx.store.query(f"select * {sql} order by created_at, id{limit}", params)
        return [self.describe(r) for r in rows], total

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
               "last_method": None, "log": "[]", "check_pending_since": None}
        row["log"] = self._log(row, "INFO", f"domain claim created for {name}")
        with ctx.store.transaction() as db:
            db["atlas_domains"].insert(row)
        return {**self.describe(row), "token": row["token"]}

    def pending_claims(self) -> list[dict]:
        """Every claim of every account still waiting for its DNS record (the console's DNS page: the sandbox as
        each organisation's DNS provider), with the TXT record that would verify it."""
        rows = self.ctx.store.query(
            "select d.id, d.account_id, d.domain, d.token, a.company_name from atlas_domains d join atlas_accounts a "
            "on a.id = d.account_id where d.status = 'PENDING' order by d.created_at, d.id")
        return [{"claim_id": r["id"], "account_id": r["account_id"], "company_name": r["company_name"],
                 "domain": r["domain"], "txt_name": r["domain"], "txt_value": r["token"]} for r in rows]

    def token(self, account_id: str, claim_id: str) -> str:
        return self.get(account_id, claim_id)["token"]

    def reassert(self, account_id: str, claim_id: str) -> dict:
        """Reset DVC: a new token and a new assert-by date; the domain must be verified again."""
        row = self.get(account_id, claim_id)
        now = self.ctx.clock.now_unix()
        changes = {"token": self.ctx.random.hex(16), "assert_by": now + ASSERT_WITHIN.total_seconds(),
                   "status": "PENDING", "verified_at": None, "expires_at": 0, "check_pending_since": None,
                   "log": self._log(row, "INFO", "DNS verification code reset")}
        with self.ctx.store.transaction() as db:
            db["atlas_domains"].update(row["id"], changes)
        return {**self.describe({**row, **changes}), "token": changes["token"]}

    def delete(self, account_id: str, claim_id: str) -> None:
        row = self.get(account_id, claim_id)
        with self.ctx.store.transaction() as db:
            db.execute("delete from atlas_domains where id = ?", [row["id"]])

    def authorization_domains(self, account_id: str, claim_id: str) -> list[str]:
        return authorization_domains_of(self.get(account_id, claim_id)["domain"])

    @staticmethod
    def _where(row: dict, authorization_domain: str | None) -> str:
        """The name a check looks at: the claimed domain, or one of its authorization domains."""
        if not authorization_domain:
            return row["domain"]
        name = normalise_name(authorization_domain, "authorization_domain")
        allowed = authorization_domains_of(row["domain"])
        if name not in allowed:
            raise InvalidInput(f"the authorization domain {name} is not one of {', '.join(allowed)} (the claimed "
                               "domain, or a domain above it down to the registrable domain)",
                               field="authorization_domain")
        return name

    def _lookup(self, row: dict, authorization_domain: str | None) -> tuple[str, str]:
        """('verified' | 'no_record' | 'wrong_value' | 'not_visible' | 'dns_failure', description) from the DNS
        now; 'not_visible' is the sandbox's insight into its own DNS: the record exists but has not propagated."""
        name = self._where(row, authorization_domain)
        try:
            values = self.ctx.txt_lookup.txt_values(name)
        except DnsLookupFailed as failure:
            return "dns_failure", f"DNS lookup failed: {failure}"
        if row["token"] in [v.strip() for v in values]:
            return "verified", f"TXT record found at {name}"
        waiting = self.ctx.txt_lookup.not_yet_visible(name, row["token"])
        if waiting is not None:
            return "not_visible", (f"the TXT record with the token at {name} is not visible yet: the DNS provider "
                                   f"publishes it at {iso(from_unix(waiting.visible_at))} (DNS changes can take up "
                                   "to an hour); check again then")
        if not values:
            return "no_record", f"no TXT record at {name} (yet): add one whose value is the token"
        return "wrong_value", f"TXT record(s) at {name} hold {', '.join(map(repr, values))}, not the token"

    def _check_expiry(self, row: dict) -> None:
        if self.ctx.clock.now_unix() > row["assert_by"]:
            raise ClaimExpired("the claim was not verified before its assert-by date: reassert it (Reset DVC) "
                               "for a new token", field="id")

    def _record(self, row: dict, outcome: str, description: str, method: str) -> dict:
        now = self.ctx.clock.now_unix()
        if outcome == "verified":
            changes = {"status": "VERIFIED", "verified_at": now, "expires_at": now + VERIFIED_FOR.total_seconds(),
                       "last_method": method, "check_pending_since": None, "log": self._log(row, "SUCCESS", description)}
        else:
            changes = {"last_method": method, "log": self._log(row, "ERROR", description)}
        with self.ctx.store.transaction() as db:
            db["atlas_domains"].update(row["id"], changes)
        return {**row, **changes}

    def verify_dns(self, account_id: str, claim_id: str, authorization_domain: str | None = None) -> dict:
        """The portal's Verify Domain: look for the token in TXT records now."""
        row = self.get(account_id, claim_id)
        if row["status"] == "VERIFIED":
            return {**self.describe(row), "result": "already_verified"}
        self._check_expiry(row)
        outcome, description = self._lookup(row, authorization_domain)
        row = self._record(row, outcome, description, "DNS")
        answer = {**self.describe(row), "result": outcome}
        if outcome != "verified":
            answer["reason"] = description
        return answer

    def request_dns_check(self, account_id: str, claim_id: str, authorization_domain: str | None = None) -> str:
        """HVCA `POST .../dns`: 'verified' (204), 'created' (201: a check will retry) or 'pending' (202)."""
        row = self.get(account_id, claim_id)
        if row["status"] == "VERIFIED":
            return "verified"
        self._check_expiry(row)
        outcome, description = self._lookup(row, authorization_domain)
        row = self._record(row, outcome, description, "DNS")
        if outcome == "verified":
            return "verified"
        if row.get("check_pending_since"):
            return "pending"
        with self.ctx.store.transaction() as db:
            db["atlas_domains"].update(row["id"], {"check_pending_since": self.ctx.clock.now_unix()})
            self.ctx.scheduler.schedule(JOB_RECHECK, self.ctx.clock.now() + RECHECK_EVERY,
                                        {"account_id": account_id, "claim_id": row["id"],
                                         "authorization_domain": authorization_domain, "attempt": 1})
        return "created"

    def _recheck(self, payload: dict) -> None:
        row = self.ctx.one("select * from atlas_domains where id = ?", [payload["claim_id"]])
        if row is None or row["status"] == "VERIFIED" or not row["check_pending_since"]:
            return
        outcome, description = self._lookup(row, payload.get("authorization_domain"))
        self._record(row, outcome, description, "DNS")
        if outcome == "verified":
            return
        if payload["attempt"] >= RECHECK_ATTEMPTS or self.ctx.clock.now_unix() > row["assert_by"]:
            with self.ctx.store.transaction() as db:
                db["atlas_domains"].update(row["id"], {"check_pending_since": None})
            return
        self.ctx.scheduler.schedule(JOB_RECHECK, self.ctx.clock.now() + RECHECK_EVERY,
                                    {**payload, "attempt": payload["attempt"] + 1})

    def check_pending(self, account_id: str, claim_id: str) -> bool:
        return bool(self.get(account_id, claim_id)["check_pending_since"])

    # -- email and HTTP checks -------------------------------------------------------------------
    def email_addresses(self, account_id: str, claim_id: str) -> list[str]:
        domain = self.get(account_id, claim_id)["domain"]
        return [f"{box}@{domain}" for box in EMAIL_BOXES]

    def send_verification_email(self, account_id: str, claim_id: str, address) -> None:
        row = self.get(account_id, claim_id)
        self._check_expiry(row)
        if address not in self.email_addresses(account_id, claim_id):
            raise InvalidInput(f"email_address must be one of {', '.join(self.email_addresses(account_id, claim_id))}",
                               field="email_address")
        token = self.ctx.random.token(24)
        with self.ctx.store.transaction() as db:
            db["atlas_email_verifications"].insert({"token": token, "claim_id": row["id"], "address": address,
                                                    "created_at": self.ctx.clock.now_unix(), "used_at": None})
        self.ctx.outbox.send(address, f"GlobalSign domain verification for {row['domain']}",
                             f"Confirm that {row['domain']} may be used for GlobalSign certificates by opening: "
                             f"{self.ctx.links.base}/atlas/domain-verification/{token}\n",
                             sender="noreply@globalsign.com")

    def follow_email_link(self, token: str) -> dict:
        link = self.ctx.one("select * from atlas_email_verifications where token = ?", [token])
        if link is None:
            raise NotFound("this domain verification link is not valid", field="token")
        if link["used_at"]:
            raise Conflict("this domain verification link was already used", field="token")
        row = self.ctx.one("select * from atlas_domains where id = ?", [link["claim_id"]])
        if row is None:
            raise NotFound("the domain claim of this link was deleted", field="token")
        self._check_expiry(row)
        with self.ctx.store.transaction() as db:
            db["atlas_email_verifications"].update(token, {"used_at": self.ctx.clock.now_unix()})
        row = self._record(row, "verified", f"verification email to {link['address']} confirmed", "EMAIL")
        return self.describe(row)

    def http_check(self, account_id: str, claim_id: str, authorization_domain: str | None, scheme) -> str:
        """HTTP check: GET <scheme>://<domain><HTTP_PATH> must hold the token. The host is resolved through the
        sandbox DNS (A record); the port is the `atlas_http_check_port` setting (default 80/443)."""
        row = self.get(account_id, claim_id)
        if row["status"] == "VERIFIED":
            return "verified"
        self._check_expiry(row)
        scheme = scheme or "http"
        if scheme not in ("http", "https"):
            raise InvalidInput("scheme is http or https", field="scheme")
        host = self._where(row, authorization_domain)
        answer = self.ctx.txt_lookup.zones.resolve(host, "A")
        addresses = [r.value for r in answer.records if r.type == "A"]
        if not addresses:
            outcome, description = "no_record", f"{host} has no A record in the sandbox DNS"
        else:
            port = self.http_port or (443 if scheme == "https" else 80)
            url = f"{scheme}://{addresses[0]}:{port}{HTTP_PATH}"
            import requests  # only the HTTP check needs it; kept out of start-up
            try:
                response = requests.get(url, headers={"Host": host}, timeout=5, verify=False, allow_redirects=False)
                found = response.status_code == 200 and row["token"] in response.text
                outcome = "verified" if found else "wrong_value"
                description = f"{url} (Host: {host}) answered {response.status_code}" + ("" if found else
                                                                                        ", without the token")
            except requests.RequestException as exc:
                outcome, description = "no_record", f"{url} (Host: {host}) could not be fetched: {exc}"
        self._record(row, outcome, description, "HTTP")
        return "verified" if outcome == "verified" else "created"
