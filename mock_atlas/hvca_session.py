"""One authenticated HVCA session (an account and the API key that logged in): the operations of the HVCA v2
API. The `/v2` adapter calls them for HTTP clients, and the DIP calls the very same ones with a participant's
credentials (design.md: the DIP talks to Atlas the way the real one does), so every rule applies to both."""
from __future__ import annotations

from dataclasses import dataclass

from mock_atlas.api_sessions import ApiSession
from mock_atlas.certificate_orders import CertificateOrders, Page, paginate
from mock_atlas.context import AtlasContext
from mock_atlas.domains import Domains
from mock_atlas.validation_policy import policy_document

CLAIM_FIELDS = ("id", "status", "domain", "created_at", "expires_at", "assert_by", "log")


def _claim_view(claim: dict) -> dict:
    return {k: v for k, v in claim.items() if k in CLAIM_FIELDS}


@dataclass
class HvcaSession:
    ctx: AtlasContext
    orders: CertificateOrders
    domains: Domains
    session: ApiSession

    @property
    def account_id(self) -> str:
        return self.session.account_id

    # -- certificates --------------------------------------------------------------------------------
    def request_certificate(self, payload) -> str:
        """The serial number of the new certificate (fetch it with `certificate`)."""
        return self.orders.request(self.account_id, self.session.api_key, payload)

    def certificate(self, serial: str) -> dict:
        """{certificate, status, updated_at}; raises certificate_orders.InProgress while Atlas would answer 202."""
        return self.orders.get(self.account_id, serial)

    def revoke(self, serial: str, reason: str = "unspecified", at: int | None = None) -> None:
        self.orders.revoke(self.account_id, serial, reason, at)

    def rekey(self, serial: str, payload) -> str:
        return self.orders.rekey(self.account_id, self.session.api_key, serial, payload)

    def trustchain(self) -> list[str]:
        """The issuing CA's chain, issuing CA first."""
        return [a.pem for a in self.ctx.cas.chain("dip-issuing")]

    def validation_policy(self) -> dict:
        """The MHHS service's policy; `issuer_expiry` is the issuing CA's notAfter."""
        issuer = self.ctx.cas.authority("dip-issuing").cert
        return policy_document(int(issuer.not_valid_after_utc.timestamp()))

    def counter(self, kind: str) -> int:
        return (self.orders.issued_count if kind == "issued" else self.orders.revoked_count)(self.account_id)

    def quota(self) -> int:
        return self.orders.quota_remaining(self.account_id)

    def stats(self, kind: str, args) -> Page:
        return self.orders.stats(self.account_id, kind, args)

    # -- domain claims -------------------------------------------------------------------------------
    def claims(self, args) -> Page:
        page, per_page = paginate(args)
        items, total = self.domains.list(self.account_id, args.get("status"), page, per_page)
        return Page([_claim_view(item) for item in items], total, page, per_page)

    def claim_domain(self, domain: str) -> dict:
        """{id, token, assert_by}: a new claim whose token goes into a TXT record."""
        claim = self.domains.claim(self.account_id, domain)
        return {"id": claim["id"], "token": claim["token"], "assert_by": claim["assert_by"]}

    def claim(self, claim_id: str) -> dict:
        return _claim_view(self.domains.describe(self.domains.get(self.account_id, claim_id)))

    def claim_token(self, claim_id: str) -> str:
        return self.domains.token(self.account_id, claim_id)

    def delete_claim(self, claim_id: str) -> None:
        self.domains.delete(self.account_id, claim_id)

    def authorization_domains(self, claim_id: str) -> list[str]:
        """Where the claim's TXT record may stand: the domain and each parent down to the registrable domain."""
        return self.domains.authorization_domains(self.account_id, claim_id)

    def dns_check(self, claim_id: str, authorization_domain: str | None = None) -> str:
        """'verified' (204), 'created' (201: rechecks follow) or 'pending' (202)."""
        return self.domains.request_dns_check(self.account_id, claim_id, authorization_domain)

    def http_check(self, claim_id: str, authorization_domain: str | None, scheme) -> str:
        return self.domains.http_check(self.account_id, claim_id, authorization_domain, scheme)

    def email_addresses(self, claim_id: str) -> list[str]:
        return self.domains.email_addresses(self.account_id, claim_id)

    def send_verification_email(self, claim_id: str, address) -> None:
        self.domains.send_verification_email(self.account_id, claim_id, address)

    def check_pending(self, claim_id: str) -> bool:
        return self.domains.check_pending(self.account_id, claim_id)

    def reassert(self, claim_id: str) -> dict:
        claim = self.domains.reassert(self.account_id, claim_id)
        return {"id": claim["id"], "token": claim["token"], "assert_by": claim["assert_by"]}
