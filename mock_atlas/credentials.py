"""API credentials (key 16 hex, secret 40 hex, the secret shown once and kept hashed), their binding to the
MHHS hierarchy after the `credentials_binding` wait, and "Generate mTLS Certificates -> Directly via the API"."""
from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from mock_atlas import emails
from mock_atlas.context import AtlasContext
from mock_atlas.vetting import SERVICE_NAME, Vetting
from mock_ca.errors import CsrProblem
from sandbox.kernel import form_checks as f
from sandbox.kernel.clock import from_unix, iso, iso_unix
from sandbox.kernel.errors import Conflict, InvalidInput, NotFound

JOB_BINDING = "atlas.credentials_binding"
METHODS = ("view_and_copy", "encrypted_file")


def _secret_hash(salt: str, secret: str) -> str:
    return hmac.new(bytes.fromhex(salt), secret.encode(), hashlib.sha256).hexdigest()


class Credentials:
    def __init__(self, ctx: AtlasContext, vetting: Vetting):
        self.ctx = ctx
        self.vetting = vetting
        ctx.scheduler.register(JOB_BINDING, self._bind)

    def services(self, account_id: str) -> list[dict]:
        profile = self.vetting.active_profile(account_id)
        pending = self.ctx.one("select id from atlas_identity_profiles where account_id = ? order by submitted_at "
                               "desc limit 1", [account_id])
        if profile is None and pending is None:
            return []
        return [{"id": (profile or pending)["id"], "name": SERVICE_NAME,
                 "status": "ACTIVE" if profile else "INACTIVE"}]

    @staticmethod
    def describe(row: dict) -> dict:
        return {"api_key": row["api_key"], "familiar_name": row["familiar_name"], "method": row["method"],
                "service_id": row["service_id"], "status": row["status"],
                "created_at": iso(from_unix(row["created_at"])),
                "binding_due_at": iso(from_unix(row["binding_due_at"])) if row["status"] == "pending_binding" else None,
                "bound_at": iso_unix(row["bound_at"]),
                "revoked_at": iso_unix(row["revoked_at"])}

    def list(self, account_id: str) -> list[dict]:
        rows = self.ctx.store.query("select * from atlas_credentials where account_id = ? order by created_at",
                                    [account_id])
        return [self.describe(r) for r in rows]

    def get(self, account_id: str, api_key: str) -> dict:
        row = self.ctx.one("select * from atlas_credentials where api_key = ? and account_id = ?",
                           [str(api_key).lower(), account_id])
        if row is None:
            raise NotFound(f"no API credential {api_key!r} in this account", field="api_key")
        return row

    def generate(self, user: dict, payload) -> dict:
        payload = f.form(payload)
        account_id = user["account_id"]
        profile = self.vetting.require_vetted(account_id)
        errors = f.FormErrors()
        method = str(payload.get("method", "")).strip().lower()
        if method not in METHODS:
            errors.add("method", "choose 'view_and_copy' (the guide's choice) or 'encrypted_file'")
        familiar = f.text(payload, "familiar_name", errors, max_length=100)
        service_id = payload.get("service_id")
        if service_id is None:
            errors.add("service_id", f"link the credential to the ACTIVE {SERVICE_NAME} service ({profile['id']})")
        elif service_id != profile["id"]:
            errors.add("service_id", f"this API credential must be linked to an active service: {profile['id']}")
        public_key = None
        if method == "encrypted_file":
            public_key = self._public_key(payload.get("public_key"), errors)
        errors.raise_if_any("API credential")
        if self.ctx.one("select 1 as x from atlas_credentials where account_id = ? and lower(familiar_name) = lower(?) "
                        "and status != 'revoked'", [account_id, familiar]):
            raise Conflict(f"a credential named {familiar!r} already exists: choose another familiar name",
                           field="familiar_name")
        ctx = self.ctx
        api_key, secret, salt = ctx.random.hex(8), ctx.random.hex(20), ctx.random.hex(16)
        due = ctx.due("credentials_binding")
        with ctx.store.transaction() as db:
            db["atlas_credentials"].insert({
                "api_key": api_key, "account_id": account_id, "familiar_name": familiar, "method": method,
                "service_id": profile["id"], "secret_salt": salt, "secret_hash": _secret_hash(salt, secret),
                "status": "pending_binding", "created_at": ctx.clock.now_unix(), "binding_due_at": due.timestamp(),
                "bound_at": None, "revoked_at": None, "created_by": user["id"]})
            ctx.scheduler.schedule(JOB_BINDING, due, {"account_id": account_id, "api_key": api_key})
        answer = self.describe(self.get(account_id, api_key))
        csv = f"api_key,api_secret\n{api_key},{secret}\n"
        if method == "view_and_copy":
            answer.update(api_secret=secret, csv=csv,
                          warning="The API secret is shown only now. Download the key and secret as .csv: once you "
                                  "leave this page you cannot see the secret again.")
        else:
            ciphertext = public_key.encrypt(csv.encode(), padding.OAEP(mgf=padding.MGF1(hashes.SHA256()),
                                                                       algorithm=hashes.SHA256(), label=None))
            answer.update(encrypted_file_base64=base64.b64encode(ciphertext).decode(),
                          encryption="RSA-OAEP with SHA-256 over the CSV 'api_key,api_secret'")
        return answer

    @staticmethod
    def _public_key(text, errors: f.FormErrors):
        if not isinstance(text, str) or "BEGIN PUBLIC KEY" not in text:
            errors.add("public_key", "give an RSA public key in PEM (-----BEGIN PUBLIC KEY-----)")
            return None
        try:
            key = serialization.load_pem_public_key(text.encode())
        except ValueError:
            errors.add("public_key", "the public key cannot be read")
            return None
        if not isinstance(key, rsa.RSAPublicKey) or key.key_size < 2048:
            errors.add("public_key", "an RSA public key of at least 2048 bits is needed")
            return None
        return key

    def secret_again(self, account_id: str, api_key: str) -> None:
        self.get(account_id, api_key)
        raise Conflict("the API secret was shown only once, when the credential was generated: if it is lost, "
                       "generate a new API credential", field="api_secret")

    def _bind(self, payload: dict) -> None:
        ctx = self.ctx
        row = ctx.one("select * from atlas_credentials where api_key = ?", [payload["api_key"]])
        if row is None or row["status"] != "pending_binding":
            return
        with ctx.store.transaction() as db:
            db["atlas_credentials"].update(row["api_key"], {"status": "bound", "bound_at": ctx.clock.now_unix()})
        creator = ctx.one("select email from atlas_users where id = ?", [row["created_by"]])
        if creator:
            ctx.outbox.send(creator["email"], emails.SERVICE_READY_SUBJECT,
                            emails.service_ready(row["familiar_name"], row["api_key"]), sender=emails.REPRESENTATIVE)

    def revoke(self, account_id: str, api_key: str) -> dict:
        row = self.get(account_id, api_key)
        if row["status"] == "revoked":
            raise Conflict("this API credential is already revoked", field="api_key")
        with self.ctx.store.transaction() as db:
            db["atlas_credentials"].update(row["api_key"], {"status": "revoked",
                                                            "revoked_at": self.ctx.clock.now_unix()})
        return self.describe(self.get(account_id, api_key))

    def check_secret(self, api_key: str, secret: str) -> dict | None:
        """The credential for this key and secret (any status), or None."""
        row = self.ctx.one("select * from atlas_credentials where api_key = ?", [str(api_key).lower()])
        if row is None or not hmac.compare_digest(row["secret_hash"], _secret_hash(row["secret_salt"], str(secret))):
            return None
        return row

    @staticmethod
    def require_bound(row: dict, error: type = Conflict) -> None:
        if row["status"] == "revoked":
            raise error("this API credential is revoked: generate a new one", field="api_key")
        if row["status"] == "pending_binding":
            raise error("binding of these API credentials to the MHHS Programme PKI hierarchy is not complete: "
                           "wait for GlobalSign's confirmation email that the service can now be used "
                           f"(due {iso(from_unix(row['binding_due_at']))} sandbox time)", field="api_key")

    # -- Generate mTLS Certificates -> Directly via the API -------------------------------------------
    def generate_client_certificate(self, user: dict, payload) -> dict:
        payload = f.form(payload)
        account_id = user["account_id"]
        self.vetting.require_vetted(account_id)
        chosen = payload.get("familiar_name") or payload.get("api_key")
        if not chosen:
            raise InvalidInput("choose the API credentials by their familiar name", field="familiar_name")
        row = self.ctx.one("select * from atlas_credentials where account_id = ? and (lower(familiar_name) = lower(?) "
                           "or api_key = lower(?)) order by status = 'revoked', created_at desc limit 1",
                           [account_id, chosen, chosen])
        if row is None:
            raise NotFound(f"no API credentials named {chosen!r}", field="familiar_name")
        if row["status"] == "revoked":
            raise Conflict("these API credentials are revoked: generate new ones", field="familiar_name")
        csr = payload.get("csr")
        if not isinstance(csr, str):
            raise InvalidInput("paste the CSR (PEM, -----BEGIN CERTIFICATE REQUEST-----)", field="csr")

        def binding(db, issued) -> None:  # in the CA's transaction: the certificate is bound, or not issued
            db["atlas_client_certificates"].insert({"serial": issued.serial, "account_id": account_id,
                                                    "api_key": row["api_key"], "created_at": self.ctx.clock.now_unix()})
        try:
            issued = self.ctx.cas.issue("atlas-client", csr, also=binding)
        except CsrProblem as problem:
            if problem.code == "key_size":
                raise CsrProblem("the CSR's key must be RSA 4096 (the screen says 2048, but the MHHS service "
                                 "requires 4096): make it with openssl req -new -newkey rsa:4096 -nodes -keyout "
                                 "apicert.key -out apicert.csr -subj \"/CN=onboarding_key\"",
                                 field="csr", code="key_size") from None
            raise
        answer = {"serial_number": issued.serial, "certificate": issued.pem, "api_key": row["api_key"],
                  "familiar_name": row["familiar_name"],
                  "not_after": iso(from_unix(issued.not_after)),
                  "next_step": "Copy the certificate into a .cer file and merge it with its key into a password-less "
                               "PFX: openssl pkcs12 -export -out apicert.pfx -inkey apicert.key -in apicert.cer "
                               "-password pass:"}
        if row["status"] == "pending_binding":
            # The guide's warning: made before binding, it logs in, but certificate requests are refused.
            answer["warning"] = ("binding of these API credentials to the MHHS Programme PKI hierarchy is not complete: "
                                 "certificate requests made with them will be refused until GlobalSign's confirmation "
                                 "email that the service can now be used")
        return answer

    def client_certificates(self, account_id: str) -> list[dict]:
        rows = self.ctx.store.query("select * from atlas_client_certificates where account_id = ? order by created_at",
                                    [account_id])
        out = []
        for row in rows:
            entry = self.ctx.cas.certificate(row["serial"])
            out.append({"serial_number": row["serial"], "api_key": row["api_key"], "status": entry.status,
                        "created_at": iso(from_unix(row["created_at"])), "not_after": iso(from_unix(entry.not_after))})
        return out
