"""Sending DIP messages as a client does (signed, over mTLS) and receiving them on an HTTPS webhook that
requires the DIP's client certificate, for the message API tests."""
from __future__ import annotations

import datetime as dt
import itertools
import json
import ssl
import threading
from pathlib import Path

import requests

from mock_ca.keys import key_from_pem
from mock_dip import message_signature
from mock_dip.delivery_check import WebhookHandler, WebhookServer
from seed_data.routing import route

_references = itertools.count(1)


def onboard(running, environment="uit", **payload) -> dict:
    response = requests.post(f"{running.control}/dip/{environment}/organisations", json=payload, timeout=60)
    assert response.status_code == 201, response.text
    return response.json()


def message(sender: dict, recipients: list[str], interface="IF-041", event: str | None = None, **s1_changes) -> dict:
    """A message as a client builds it; `event` defaults to the interface's first event code ([ReadingCOS] for
    IF-041)."""
    if event is None:
        known = route(interface)
        event = "[ReadingCOS]" if interface == "IF-041" or known is None else f"[{known.events[0]}]"
    dip_id = sender["dip_ids"][0]
    reference = f"S-{interface}-0123456789-{dip_id['role']}-20261123-r{next(_references)}"
    s1 = {"environmentTag": "UIT", "subText": None, "senderUniqueReference": reference,
          "senderTimestamp": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00"),
          "senderDIPID": dip_id["dip_id"], "senderRoleID": dip_id["role"], "senderCorrelationID": None,
          "DIPConnectionProviderID": None, **s1_changes}
    return {"payload": {"CommonBlock": {
        "S0": {"interfaceID": interface, "schemaVersion": "011", "eventCode": event}, "S1": s1,
        "A0": {"primaryRecipients": recipients, "secondaryRecipients": [], "always": []}},
        "CustomBlock": {"B900": {"reading": "12345"}}}}


class Client:
    """A participant's message client: its mTLS files, API key and signing key."""

    def __init__(self, running, organisation: dict, directory: Path, environment: str = "uit",
                 signing: dict | None = None):
        self.running = running
        self.base = running.endpoints["dip_api"][environment]
        directory.mkdir(parents=True, exist_ok=True)
        name = organisation["organisation_id"]
        self.cert, self.key = directory / f"{name}.cer", directory / f"{name}.key"
        self.cert.write_text(organisation["certificate_pem"])
        self.key.write_text(organisation["key_pem"])
        signer = signing or organisation
        self.signing_key = key_from_pem(signer["key_pem"])
        self.signing_pem = signer["signing_certificate_pem"]
        self.api_key = organisation["dip_ids"][0]["api_key"] if organisation["dip_ids"] else None
        self.session = requests.Session()

    def post(self, path: str, payload, *, api_key: str | None = None, sign_url: str | None = None,
             headers: dict | None = None, moment: dt.datetime | None = None, method: str = "POST",
             body: bytes | None = None) -> requests.Response:
        data = body if body is not None else json.dumps(payload).encode()
        url = self.base + path
        signed = message_signature.sign(method, sign_url or url, data, self.signing_key, self.signing_pem,
                                        moment or dt.datetime.now(dt.timezone.utc))
        all_headers = {"Content-Type": "application/json", "X-API-Key": api_key or self.api_key, **signed,
                       **(headers or {})}
        return self.session.request(method, url, data=data, headers=all_headers, cert=(str(self.cert), str(self.key)),
                                    verify=self.running.bundle, timeout=30)


class Webhook:
    """An HTTPS webhook served by the test: requires a client certificate from the DIP CA, records every delivery
    (headers and raw body) and answers with the status the test sets."""

    def __init__(self, running, directory: Path):
        cert_pem, key_pem = running.sandbox.cas.server_certificate([])
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "hook.pem").write_text(cert_pem)
        (directory / "hook.key").write_text(key_pem)
        (directory / "dip-cas.pem").write_text("".join(a.pem for a in running.sandbox.cas.chain("dip-issuing")))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(directory / "hook.pem", directory / "hook.key")
        context.load_verify_locations(directory / "dip-cas.pem")
        context.verify_mode = ssl.CERT_REQUIRED
        self.received: list[dict] = []
        self.statuses: list[int] = []
        self.arrived = threading.Condition()
        hook = self

        class Handler(WebhookHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                peer = self.connection.getpeercert()
                with hook.arrived:
                    hook.received.append({"path": self.path, "headers": dict(self.headers), "body": body,
                                          "peer": peer})
                    wanted = self.path.rstrip("/").rsplit("/", 1)[-1]
                    if wanted.isdigit() and len(wanted) == 3:  # .../hook/503 answers 503
                        status = int(wanted)
                    else:
                        status = hook.statuses.pop(0) if hook.statuses else 201
                    hook.arrived.notify_all()
                answer = json.dumps({"messageArray": [], "timestamp": None}).encode()
                self.send_answer(status, answer)

        self.server = WebhookServer(Handler, tls=context)
        self.url = self.server.url("/hook")

    def wait_for(self, count: int, timeout: float = 15.0) -> list[dict]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.received) >= count, timeout=timeout)
        assert len(self.received) >= count, f"{len(self.received)} of {count} deliveries arrived"
        return self.received

    def close(self):
        self.server.close()
