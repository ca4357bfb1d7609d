"""A reference DIP message client: signs by the DIP scheme and posts over mutual TLS. Stand-in for your own
client in examples and tests; the sandbox judges both alike. The sandbox's own test suite sends every message
with it."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import requests

from mock_ca.keys import key_from_pem
from mock_dip import message_signature
from sandbox.kernel.clock import real_now


class DipClient:
    """`certificate_file` and `key_file` are the mTLS certificate and key; the messages are signed with them too
    unless `signing_certificate_file` and `signing_key_file` name a separate Signing certificate. `session` is a
    requests.Session that already presents the certificate, for requests of your own: give those
    `verify=client.ca_bundle` (requests lets a REQUESTS_CA_BUNDLE variable override a session's own `verify`)."""

    def __init__(self, base_url: str, certificate_file: Path, key_file: Path, api_key: str | None, ca_bundle: Path,
                 *, signing_certificate_file: Path | None = None, signing_key_file: Path | None = None):
        self.base_url = base_url.rstrip("/")
        self.certificate_file, self.key_file = Path(certificate_file), Path(key_file)
        self.api_key = api_key
        self.ca_bundle = Path(ca_bundle)
        self.signing_key = key_from_pem(Path(signing_key_file or key_file).read_bytes())
        self.signing_certificate_pem = Path(signing_certificate_file or certificate_file).read_text()
        self.session = requests.Session()
        self.session.cert = (str(self.certificate_file), str(self.key_file))

    def post(self, path: str, payload=None, *, body: bytes | None = None, method: str = "POST",
             api_key: str | None = None, headers: dict | None = None, signed_url: str | None = None,
             signed_at: datetime | None = None) -> requests.Response:
        """POST `payload` (JSON) to `path` (e.g. /dip-channel/IF-041), signed and over mTLS.

        The keywords make the requests a client gets wrong, to see the DIP refuse them: `body` sends these bytes
        instead of the payload's JSON (signed as sent), `method` another method, `api_key` another key, `headers`
        adds or replaces headers (the signature's too), `signed_url` signs another address than the one posted to
        and `signed_at` signs at another moment than now."""
        data = body if body is not None else json.dumps(payload).encode()
        url = self.base_url + path
        signed = message_signature.sign(method, signed_url or url, data, self.signing_key,
                                        self.signing_certificate_pem, signed_at or real_now())
        return self.session.request(method, url, data=data, verify=str(self.ca_bundle), timeout=60, headers={
            "Content-Type": "application/json", "X-API-Key": api_key or self.api_key, **signed, **(headers or {})})

    def send(self, interface: str, messages: list | dict) -> requests.Response:
        """Send one message or a list of them on an interface channel (IF-041, ...)."""
        return self.post(f"/dip-channel/{interface}", messages if isinstance(messages, list) else [messages])

    def close(self) -> None:
        self.session.close()
