"""Load for the HVCA API, shared by the HVCA row of `make bench` and the side-by-side measurement
(`bench/side_by_side.py`): a sandbox in a child process, one account that may issue, keep-alive mTLS sessions
after one login, and the row's two operations — issue-and-fetch, and the bare JSON endpoint of the same stack."""
from __future__ import annotations

import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import rsa

from bench.message_load import serve, stop  # (it puts the project on sys.path, for tests.hvca_helpers)
from tests.hvca_helpers import certificate_request  # noqa: E402


class HvcaLoad:
    def __init__(self, work: Path, clients: int):
        import requests
        work.mkdir(parents=True, exist_ok=True)
        self.process, endpoints = serve(work / "hvca")
        try:
            control, self.bundle = endpoints["control"], endpoints["ca_bundle"]
            account = requests.post(control + "/atlas/accounts", json={}, timeout=120).json()
            requests.post(f"{control}/atlas/accounts/{account['account_id']}/quota", json={"value": 10 ** 6},
                          timeout=10)
            (work / "c.cer").write_text(account["client_cert_pem"])
            (work / "c.key").write_text(account["client_key_pem"])
            self.base = endpoints["atlas_api"]
            self.host = self.base.removesuffix("/v2")
            self.sessions = []
            for _ in range(clients):
                session = requests.Session()
                session.trust_env = False  # no proxy look-ups from the environment on every request
                session.cert = (str(work / "c.cer"), str(work / "c.key"))
                self.sessions.append(session)
            token = self.sessions[0].post(self.base + "/login", json={"api_key": account["api_key"],
                                                                      "api_secret": account["api_secret"]},
                                          verify=self.bundle, timeout=30).json()["access_token"]
            for session in self.sessions:
                session.headers["Authorization"] = f"Bearer {token}"
            claim = self.sessions[0].post(self.base + "/claims/domains/bench.example", verify=self.bundle, timeout=30)
            requests.post(control + "/dns/records", json={"name": "bench.example", "type": "TXT",
                                                          "value": claim.json()["token"]}, timeout=10)
            self.sessions[0].post(self.base + claim.headers["Location"][3:] + "/dns", verify=self.bundle, timeout=30)
            self.bodies = [certificate_request(rsa.generate_private_key(public_exponent=65537, key_size=4096),
                                               f"h{i}", "bench.example") for i in range(clients)]
        except BaseException:
            stop(self.process)
            raise

    def issue_and_fetch(self, index: int) -> None:
        session, body = self.sessions[index], self.bodies[index]
        body["validity"]["not_before"] = int(time.time())
        created = session.post(self.base + "/certificates", json=body, verify=self.bundle, timeout=30)
        assert created.status_code == 201, created.text
        fetched = session.get(self.host + created.headers["Location"], verify=self.bundle, timeout=30)
        assert fetched.status_code == 200, fetched.text

    def bare(self, index: int) -> None:
        answer = self.sessions[index].get(self.host + "/_sandbox/whoami", verify=self.bundle, timeout=30)
        assert answer.status_code == 200, answer.text

    def close(self) -> None:
        stop(self.process)
