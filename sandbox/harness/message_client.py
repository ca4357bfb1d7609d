"""A reference DIP message client: signs by the DIP scheme and posts over mutual TLS. Stand-in for your own
client in examples and tests; the sandbox judges both alike."""
from __future__ import annotations

import json
from pathlib import Path

import requests

from mock_ca.keys import key_from_pem
from mock_dip import message_signature
from sandbox.kernel.clock import real_now


class DipClient:
    def __init__(self, base_url: str, certificate_file: Path, key_file: Path, api_key: str, ca_bundle: Path):
        self.base_url = base_url.rstrip("/")
        self.certificate_file, self.key_file = Path(certificate_file), Path(key_file)
        self.api_key = api_key
        self.ca_bundle = Path(ca_bundle)
        self._key = key_from_pem(self.key_file.read_bytes())
        self._certificate_pem = self.certificate_file.read_text()
        self.session = requests.Session()

    def post(self, path: str, payload) -> requests.Response:
        """POST `payload` (JSON) to `path` (e.g. /dip-channel/IF-041), signed and over mTLS."""
        body = json.dumps(payload).encode()
        url = self.base_url + path
        headers = {"Content-Type": "application/json", "X-API-Key": self.api_key,
                   **message_signature.sign("POST", url, body, self._key, self._certificate_pem, real_now())}
        return self.session.post(url, data=body, headers=headers, verify=str(self.ca_bundle),
                                 cert=(str(self.certificate_file), str(self.key_file)), timeout=60)

    def send(self, interface: str, messages: list | dict) -> requests.Response:
        """Send one message or a list of them on an interface channel (IF-041, ...)."""
        return self.post(f"/dip-channel/{interface}", messages if isinstance(messages, list) else [messages])

    def close(self) -> None:
        self.session.close()
