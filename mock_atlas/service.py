"""The Atlas simulation: its parts wired together, and the one-call account for CI and trainers."""
from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import timedelta

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from mock_atlas import dashboard
from mock_atlas.mishaps import AtlasMishaps
from mock_atlas.api_sessions import ApiSessions
from mock_atlas.certificate_orders import CertificateOrders
from mock_atlas.context import AtlasContext
from mock_atlas.credentials import Credentials
from mock_atlas.domains import Domains
from mock_atlas.faults import Faults
from mock_atlas.hvca_session import HvcaSession
from mock_atlas.quotation import Quotation
from mock_atlas.registration import Registration
from mock_atlas.users import Users
from mock_atlas.vetting import Vetting
from mock_ca.csr import build_csr
from mock_ca.pkcs12 import write_pfx
from sandbox.kernel import form_checks
from sandbox.kernel.errors import NotFound
from sandbox.kernel.passwords import hash_password


# The CA whose certificates the Atlas API accepts on the TLS connection, and how it names itself in errors.
CLIENT_CA = "atlas-client-ca"
API_NAME = "the Atlas API"


@dataclass(frozen=True)
class AtlasOptions:
    issuance_quota: int = 1000
    issuance_delay: timedelta | None = None
    fault_rate_429: float = 0.0
    fault_rate_503: float = 0.0
    http_check_port: int | None = None


class Atlas:
    def __init__(self, ctx: AtlasContext, options: AtlasOptions = AtlasOptions()):
        self.ctx = ctx
        self.users = Users(ctx)
        self.registration = Registration(ctx, self.users)
        self.quotation = Quotation(ctx)
        self.vetting = Vetting(ctx)
        self.credentials = Credentials(ctx, self.vetting)
        self.mishaps = AtlasMishaps(ctx, self.vetting, self.credentials)
        self.domains = Domains(ctx, self.vetting, options.http_check_port)
        self.orders = CertificateOrders(ctx, self.credentials, options.issuance_quota, options.issuance_delay)
        self.api_sessions = ApiSessions(ctx, self.credentials)
        self.faults = Faults(ctx, options.fault_rate_429, options.fault_rate_503)

    # -- the HVCA API's sessions -------------------------------------------------------------------
    def hvca(self, authorization: str | None, client_serial: str | None) -> HvcaSession:
        """The session of a bearer token on a connection that presented the client certificate `client_serial`."""
        return HvcaSession(self.ctx, self.orders, self.domains,
                           self.api_sessions.authenticate(authorization, client_serial))

    def hvca_connect(self, api_key: str, api_secret: str, client_certificate: x509.Certificate) -> HvcaSession:
        """What an HVCA client does first: present its Atlas client certificate (judged exactly as the Atlas API
        listener judges it, on the sandbox clock) and log in with API key and secret."""
        identity = self.ctx.cas.judge_client([client_certificate.public_bytes(Encoding.DER)], [CLIENT_CA], API_NAME)
        token = self.api_sessions.login({"api_key": api_key, "api_secret": api_secret}, identity.serial)
        return self.hvca(f"Bearer {token}", identity.serial)

    def account(self, account_id: str) -> dict:
        row = self.ctx.one("select * from atlas_accounts where id = ?", [account_id])
        if row is None:
            raise NotFound(f"no Atlas account {account_id!r}", field="account_id")
        return row

    def describe(self, account_id: str) -> dict:
        row = self.account(account_id)
        return {"account_id": row["id"], "company_name": row["company_name"], "status": row["status"],
                "registered_name": row["registered_name"], "vetting_outcome": row["vetting_outcome"],
                "tiles": dashboard.tiles(self.ctx, account_id), "users": self.users.list(account_id),
                "identity_profiles": self.vetting.profiles(account_id),
                "api_credentials": self.credentials.list(account_id)}

    def accounts(self) -> list[dict]:
        return [self.describe(r["id"]) for r in self.ctx.store.query("select id from atlas_accounts order by created_at")]

    def complete_now(self, account_id: str, kind: str | None = None) -> dict:
        """Every pending wait of the account (or those of one kind) ends now."""
        self.account(account_id)
        ran, failures = 0, []
        while True:
            ids = [job["id"] for job in self.ctx.scheduler.pending_of(f"atlas.{kind}" if kind else "atlas.",
                                                                       account_id=account_id)]
            if not ids:
                break
            ran += self.ctx.scheduler.complete_now(ids, failures)
        return {"account_id": account_id, "jobs_run": ran, "jobs_failed": failures,
                "tiles": dashboard.tiles(self.ctx, account_id)}

    def create_complete_account(self, payload: dict) -> dict:
        """An account that has completed the journey: vetted, credentials bound, a client certificate issued."""
        payload = form_checks.form(payload)
        company = payload.get("company_name") or "Sandbox Energy Supply Limited"
        email = payload.get("email") or f"cert.admin.{self.ctx.random.hex(3)}@example.com"
        form = {"first_name": payload.get("first_name") or "Cert", "last_name": payload.get("last_name") or "Admin",
                "job_title": payload.get("job_title") or "Certificate Admin", "email": email,
                "contact_phone": payload.get("contact_phone") or "+44 20 7946 0000", "company_name": company,
                "website": payload.get("website") or "https://www.example.com",
                "address_line_1": payload.get("address_line_1") or "1 Sandbox Way", "city": payload.get("city") or "London",
                "postal_code": payload.get("postal_code") or "EC1A 1AA", "country": payload.get("country") or "GB",
                "not_a_robot": True}
        account_id = self.registration.register(form)["account_id"]
        self.complete_now(account_id, "registration_emails")
        user = self.users.find_by_email(email)
        with self.ctx.store.transaction() as db:
            db["atlas_users"].update(user["id"], {"status": "active", "password_hash": hash_password(
                payload.get("password") or "sandbox-password-1")})
            db.execute("update atlas_invitations set used_at = ? where user_id = ?",
                       [self.ctx.clock.now_unix(), user["id"]])
        self.quotation.set_payment_method(account_id, {"method": "invoice"})
        self.complete_now(account_id, "quotation_ready")
        self.quotation.accept(account_id, {"accept_quotation": True, "accept_msa": True})
        self.complete_now(account_id, "identity_profile_tile")
        self.vetting.set_outcome(account_id, "approve")
        account = self.account(account_id)
        self.vetting.request_profile(account_id, {"profile_name": "Sandbox profile",
                                                  "organization": account["registered_name"],
                                                  "locality": form["city"], "country": form["country"]})
        self.complete_now(account_id, "vetting")
        service = self.credentials.services(account_id)[0]["id"]
        creds = self.credentials.generate(self.users.get(user["id"]), {
            "method": "view_and_copy", "service_id": service,
            "familiar_name": payload.get("familiar_name") or "sandbox-credentials"})
        self.complete_now(account_id, "credentials_binding")
        key = self.ctx.cas.keys.new_rsa_key(4096)
        csr = build_csr(key, "onboarding_key").public_bytes(Encoding.PEM).decode()
        issued = self.credentials.generate_client_certificate(self.users.get(user["id"]),
                                                              {"familiar_name": creds["familiar_name"], "csr": csr})
        cert = x509.load_pem_x509_certificate(issued["certificate"].encode())
        return {"account_id": account_id, "email": email, "password": payload.get("password") or "sandbox-password-1",
                "api_key": creds["api_key"], "api_secret": creds["api_secret"],
                "client_cert_pem": issued["certificate"],
                "client_key_pem": key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode(),
                "client_pfx_base64": base64.b64encode(write_pfx(key, cert)).decode(),
                "client_cert_serial": issued["serial_number"]}
