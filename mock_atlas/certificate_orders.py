"""Certificates through the HVCA operations: request (policy, quota, verified domain claims), fetch (202
until the optional issuance delay has passed), revoke, rekey, counters, quota and stats. The DIP's
certificate wizard calls these same operations."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import timedelta

from cryptography import x509

from mock_atlas.context import AtlasContext
from mock_atlas.credentials import Credentials
from mock_atlas.certificate_request_checks import KEY_USAGE_FLAGS, CertificateOrder, check_order, check_rekey
from mock_atlas.validation_policy import SECONDS_MAX
from mock_ca.keys import parse_serial, serial_hex
from mock_ca.registry import REVOCATION_REASONS
from sandbox.kernel.clock import from_unix
from sandbox.kernel.errors import Conflict, DomainError, InvalidInput, NotFound


class QuotaReached(DomainError):
    status = 402


class InProgress(Exception):
    """The certificate is not issued yet (HVCA answers 202)."""


@dataclass(frozen=True)
class Page:
    items: list
    total: int
    page: int
    per_page: int


MAX_PAGE = 10 ** 9
LAST_UNIX = 253402300799  # 9999-12-31T23:59:59Z: the last second a timestamp of this API can name


def paginate(args) -> tuple[int, int]:
    try:
        page, per_page = int(args.get("page", 1)), int(args.get("per_page", 100))
    except (TypeError, ValueError):
        raise InvalidInput("page and per_page are whole numbers", field="page") from None
    if not 1 <= page <= MAX_PAGE or not 1 <= per_page <= 1000:
        raise InvalidInput(f"page is 1 to {MAX_PAGE} and per_page is 1 to 1000", field="per_page")
    return page, per_page


def unix_seconds(value, field: str) -> int:
    """A timestamp the API accepts: whole Unix seconds from 1970 to 9999."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{field} is Unix seconds (a whole number)", field=field) from None
    if isinstance(value, bool) or not 0 <= number <= LAST_UNIX:
        raise InvalidInput(f"{field} is Unix seconds from 0 to {LAST_UNIX}", field=field)
    return number


def _key_usage_of(cert: x509.Certificate) -> dict:
    """The KeyUsage flags of an issued certificate (a rekey keeps them)."""
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    only = ("encipher_only", "decipher_only")  # readable only with key_agreement, which the policy never sets
    return {flag: False if flag in only else getattr(usage, flag) for flag in KEY_USAGE_FLAGS.values()}


class CertificateOrders:
    def __init__(self, ctx: AtlasContext, credentials: Credentials, default_quota: int,
                 issuance_delay: timedelta | None):
        self.ctx = ctx
        self.credentials = credentials
        self.default_quota = default_quota
        self.issuance_delay = issuance_delay

    # -- quota and counters ----------------------------------------------------------------------
    def issued_count(self, account_id: str) -> int:
        rows = self.ctx.store.query("select n from atlas_issued_counts where account_id = ?", [account_id])
        return rows[0]["n"] if rows else 0

    def revoked_count(self, account_id: str) -> int:
        return self.ctx.store.query(
            "select count(*) as n from atlas_certificates a join ca_certificates c on c.serial = a.serial "
            "where a.account_id = ? and c.status = 'REVOKED'", [account_id])[0]["n"]

    def quota_remaining(self, account_id: str) -> int:
        row = self.ctx.one("select issuance_quota from atlas_accounts where id = ?", [account_id])
        quota = row["issuance_quota"] if row and row["issuance_quota"] is not None else self.default_quota
        return max(0, quota - self.issued_count(account_id))

    def set_quota(self, account_id: str, value) -> dict:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidInput("the quota is a whole number of certificates, 0 or more", field="value")
        with self.ctx.store.transaction() as db:
            db["atlas_accounts"].update(account_id, {"issuance_quota": value})
        return {"account_id": account_id, "quota": value, "remaining": self.quota_remaining(account_id)}

    # -- issuing ---------------------------------------------------------------------------------
    def _covered(self, account_id: str, names: list[str]) -> None:
        verified = [r["domain"] for r in self.ctx.store.query(
            "select domain from atlas_domains where account_id = ? and status = 'VERIFIED' and expires_at > ?",
            [account_id, self.ctx.clock.now_unix()])]
        for name in names:
            lowered = name.lower().rstrip(".")
            if not any(lowered == d or lowered.endswith("." + d) for d in verified):
                raise InvalidInput(f"san.dns_names: {name!r} is not covered by a verified domain claim of this "
                                   "account: claim the domain and pass its DNS check first", field="san.dns_names")

    def _ready_bound(self, api_key: str) -> None:
        row = self.ctx.one("select * from atlas_credentials where api_key = ?", [api_key])
        self.credentials.require_bound(row, InvalidInput)

    def request(self, account_id: str, api_key: str, payload) -> str:
        if not isinstance(payload, dict):
            raise InvalidInput("the body must be a JSON certificate request")
        self._ready_bound(api_key)
        order = check_order(payload, self.ctx.clock.now())
        return self._issue(account_id, api_key, order, payload)

    def _require_quota(self, account_id: str) -> None:
        if self.quota_remaining(account_id) <= 0:
            raise QuotaReached("Quota Reached: this account may issue no more certificates")

    def _issue(self, account_id: str, api_key: str, order: CertificateOrder, payload: dict) -> str:
        self._require_quota(account_id)  # before the work of issuing
        self._covered(account_id, [*order.dns_names, order.subject.get_attributes_for_oid(
            x509.oid.NameOID.COMMON_NAME)[0].value])
        delay = (self.issuance_delay if self.issuance_delay is not None
                 else self.ctx.profile.wait("certificate_issuance")).total_seconds()
        request = json.dumps(payload)

        def order_row(db, issued) -> None:  # in the CA's own transaction: the order stands or falls with it
            self._require_quota(account_id)  # again under the store's lock: orders sent at once cannot all pass
            now = self.ctx.clock.now_unix()
            self.ctx.store.insert_many(db, "atlas_certificates", [{  # the issuance hot path
                "serial": issued.serial, "account_id": account_id, "api_key": api_key, "profile": order.profile,
                "issued_at": now, "ready_at": now + delay, "not_before": issued.not_before,
                "not_after": issued.not_after, "request": request}])
        return self.ctx.cas.issue(order.profile, order.csr, subject=order.subject, dns_names=order.dns_names,
                                  not_before=order.not_before, not_after=order.not_after, ekus=order.ekus,
                                  key_usage=order.key_usage, also=order_row).serial

    def _own(self, account_id: str, serial_text: str) -> dict:
        serial = parse_serial(serial_text)
        row = serial is not None and self.ctx.one(
            "select * from atlas_certificates where serial = ? and account_id = ?", [serial_hex(serial), account_id])
        if not row:
            raise NotFound("Not found: no certificate with this serial number in this account", field="serial")
        return row

    def get(self, account_id: str, serial_text: str) -> dict:
        row = self._own(account_id, serial_text)
        if row["ready_at"] > self.ctx.clock.now_unix():
            raise InProgress()
        entry = self.ctx.cas.certificate(row["serial"])
        updated = entry.revoked_at if entry.revoked else row["ready_at"]
        return {"certificate": entry.pem.rstrip("\n") + "\n", "status": entry.status, "updated_at": int(updated)}

    def revoke(self, account_id: str, serial_text: str, reason: str = "unspecified", at: int | None = None) -> None:
        row = self._own(account_id, serial_text)
        if not isinstance(reason, str) or reason not in REVOCATION_REASONS:
            raise InvalidInput(f"revocation_reason must be one of {', '.join(REVOCATION_REASONS)}",
                               field="revocation_reason")
        moment = None
        if at is not None:
            if isinstance(at, bool) or not isinstance(at, int):
                raise InvalidInput("revocation_time is Unix seconds", field="revocation_time")
            at = unix_seconds(at, "revocation_time")
            if at > self.ctx.clock.now_unix() + 60:
                raise InvalidInput("revocation_time cannot be in the future", field="revocation_time")
            moment = from_unix(at)
        entry = self.ctx.cas.certificate(row["serial"])
        if entry.revoked:
            raise Conflict(f"certificate {row['serial']} is already revoked", field="serial")
        self.ctx.cas.revoke(row["serial"], reason, moment)

    def rekey(self, account_id: str, api_key: str, serial_text: str, payload) -> str:
        row = self._own(account_id, serial_text)
        self._ready_bound(api_key)
        csr = check_rekey(payload)
        original = json.loads(row["request"])
        entry = self.ctx.cas.certificate(row["serial"])
        cert = entry.certificate
        now = self.ctx.clock.now()
        order = CertificateOrder(row["profile"], csr, cert.subject,
                                 tuple(cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
                                       .value.get_values_for_type(x509.DNSName)),
                                 tuple(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value),
                                 now, from_unix(min(now.timestamp() + (row["not_after"] - row["not_before"]),
                                                    now.timestamp() + SECONDS_MAX)),
                                 _key_usage_of(cert))
        return self._issue(account_id, api_key, order, {**original, "public_key": payload["public_key"]})

    # -- stats -----------------------------------------------------------------------------------
    def stats(self, account_id: str, kind: str, args) -> Page:
        page, per_page = paginate(args)
        now = math.ceil(self.ctx.clock.now_unix())  # Unix seconds: "until now" includes this second
        defaults = {"issued": (0, now), "revoked": (0, now), "expiring": (now, now + 30 * 86400)}
        start = unix_seconds(args.get("from", defaults[kind][0]), "from")
        end = unix_seconds(args.get("to", defaults[kind][1]), "to")
        if end < start:
            raise InvalidInput("to must not be before from", field="to")
        column, serial = {"issued": ("a.issued_at", "a.serial"), "revoked": ("c.revoked_at", "c.serial"),
                          "expiring": ("a.not_after", "a.serial")}[kind]  # each pair is one index's order
        where = f"a.account_id = ? and {column} between ? and ?"
        if kind == "revoked":
            where += " and c.status = 'REVOKED'"
        # revoked: from the revocations' index (CROSS JOIN keeps SQLite's order: the few revoked, then their accounts)
        tables = ("ca_certificates c cross join atlas_certificates a on a.serial = c.serial" if kind == "revoked"
                  else "atlas_certificates a join ca_certificates c on c.serial = a.serial")
        base = f"from {tables} where {where}"
        params = [account_id, start, end]
        total = self.ctx.store.query(f"select count(*) as n {base}", params)[0]["n"]
        rows = self.ctx.store.query(f"select a.serial, a.not_before, a.not_after {base} order by {column}, {serial} "
                                    "limit ? offset ?", params + [per_page, (page - 1) * per_page])
        items = [{"serial_number": r["serial"], "not_before": int(r["not_before"]), "not_after": int(r["not_after"])}
                 for r in rows]
        return Page(items, total, page, per_page)
