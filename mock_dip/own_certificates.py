"""The DIP's own certificates in one environment, issued by the DIP CA itself (the DIP does not go through Atlas
for them): the **signing** certificate participants download to verify DIP-signed messages, and the **client**
certificate the DIP presents to HTTPS webhooks. Made on first use (an RSA 4096 key takes a moment) and again
when no longer valid for both clocks, revoked, or gone after a reset. Webhooks check them with their own
(real) clock while the sandbox judges in sandbox time: their validity spans both."""
from __future__ import annotations

import threading

from datetime import timedelta

from cryptography import x509
from cryptography.x509.oid import NameOID

from mock_ca.csr import build_csr
from mock_ca.keys import cert_from_pem, key_from_pem, key_to_pem, parse_serial
from mock_dip.context import DipContext
from sandbox.kernel.clock import iso_unix, real_now
from sandbox.kernel.errors import NotFound

DOMAIN = "dip-sandbox.example"
OWN = {"signing": ("dip-service-signing", "signing"), "client": ("dip-service-client", "webhooks")}  # (profile, host)
VALIDITY = timedelta(days=372)


class OwnCertificates:
    def __init__(self, ctx: DipContext):
        self.ctx = ctx
        self._lock = threading.Lock()  # not the store's: making a key takes a while and need not block the store
        # per purpose, the key of the row last read: every webhook push signs, and a key loaded afresh costs its
        # first signature ~0.8 ms more (RSA 4096)
        self._keys: dict[str, tuple[str, object]] = {}

    def _usable(self, row: dict | None) -> bool:
        if row is None:
            return False
        entry = self.ctx.cas.registry.find(parse_serial(row["serial"]))
        cert = cert_from_pem(row["certificate_pem"])
        return (entry is not None and not entry.revoked and
                all(cert.not_valid_before_utc < moment < cert.not_valid_after_utc
                    for moment in (self.ctx.clock.now(), real_now())))

    def row(self, purpose: str) -> dict:
        if purpose not in OWN:
            raise NotFound(f"the DIP's own certificates are {' and '.join(OWN)}, not {purpose!r}", field="purpose")
        with self._lock:
            row = self.ctx.one("select * from dip_own_certificates where environment = ? and purpose = ?",
                               [self.ctx.environment, purpose])
            if self._usable(row):
                return row
            profile, host = OWN[purpose]
            common_name = f"{self.ctx.certificate_prefix}.{host}.{DOMAIN}"
            key = self.ctx.cas.keys.new_rsa_key(4096)
            csr = build_csr(key, common_name, [f"{host}.{DOMAIN}", common_name])
            now, real = self.ctx.clock.now(), real_now()
            issued = self.ctx.cas.issue(profile, csr, not_before=min(now, real) - timedelta(days=1),
                                        not_after=max(now, real) + VALIDITY)
            row = {"environment": self.ctx.environment, "purpose": purpose, "serial": issued.serial,
                   "certificate_pem": issued.pem, "key_pem": key_to_pem(key), "created_at": self.ctx.clock.now_unix()}
            with self.ctx.store.transaction() as db:
                db["dip_own_certificates"].upsert(row, pk=("environment", "purpose"))
            return row

    def signer(self, purpose: str) -> tuple[dict, object]:
        """The usable row of `purpose` and its private key."""
        row = self.row(purpose)
        pem, key = self._keys.get(purpose, (None, None))
        if pem != row["key_pem"]:
            key = key_from_pem(row["key_pem"])
            self._keys[purpose] = (row["key_pem"], key)
        return row, key

    def describe(self, purpose: str) -> dict:
        row = self.row(purpose)
        cert = x509.load_pem_x509_certificate(row["certificate_pem"].encode())
        return {"purpose": purpose, "serial_number": row["serial"],
                "common_name": cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value,
                "not_before": iso_unix(cert.not_valid_before_utc.timestamp()),
                "not_after": iso_unix(cert.not_valid_after_utc.timestamp()),
                "certificate_pem": row["certificate_pem"],
                "chain_pem": "".join(a.pem for a in self.ctx.cas.chain("dip-issuing")),
                "download": f"{purpose}.cer"}
