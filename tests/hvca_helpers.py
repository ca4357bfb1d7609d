"""An HVCA client for tests: mTLS session against the Atlas API listener, plus DIP-certificate requests."""
from __future__ import annotations

import time
from pathlib import Path

import requests

from tests.conftest import make_csr


class Hvca:
    def __init__(self, running, account: dict, directory: Path):
        self.running = running
        self.base = running.endpoints["atlas_api"]
        self.account = account
        directory.mkdir(parents=True, exist_ok=True)
        self.cert_file, self.key_file = directory / f"{account['account_id']}.cer", directory / f"{account['account_id']}.key"
        self.cert_file.write_text(account["client_cert_pem"])
        self.key_file.write_text(account["client_key_pem"])
        self.session = requests.Session()
        self.session.cert = (str(self.cert_file), str(self.key_file))

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        # verify per request: REQUESTS_CA_BUNDLE in the environment would override a session's verify
        return self.session.request(method, self.base + path, timeout=30, verify=self.running.bundle, **kwargs)

    def login(self) -> str:
        response = self.call("POST", "/login", json={"api_key": self.account["api_key"],
                                                     "api_secret": self.account["api_secret"]})
        assert response.status_code == 200, response.text
        token = response.json()["access_token"]
        self.session.headers["Authorization"] = f"Bearer {token}"
        return token

    def verified_domain(self, domain: str) -> str:
        claim = self.call("POST", f"/claims/domains/{domain}")
        assert claim.status_code == 201, claim.text
        requests.post(self.running.control + "/dns/records", json={"name": domain, "type": "TXT",
                                                                    "value": claim.json()["token"]}, timeout=10)
        claim_id = claim.headers["Location"].rsplit("/", 1)[1]
        check = self.call("POST", f"/claims/domains/{claim_id}/dns")
        assert check.status_code == 204, check.text
        return claim_id


def certificate_request(key, host: str = "host1", domain: str = "example.com", *, env: str = "nonprod",
                        ekus=("1.3.6.1.5.5.7.3.2", "1.3.6.1.5.5.7.3.36"), **changes) -> dict:
    common_name = f"energydip-{env}.{host}.{domain}"
    body = {"validity": {"not_before": int(time.time()), "not_after": 0},
            "subject_dn": {"common_name": common_name},
            "san": {"dns_names": [f"{host}.{domain}", common_name]},
            "extended_key_usages": list(ekus),
            "signature": {"algorithm": "RSA", "hash_algorithm": "SHA-256"},
            "public_key": make_csr(key, common_name)}
    body.update(changes)
    return body
