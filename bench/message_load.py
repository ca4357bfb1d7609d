"""Load for the DIP message API, shared by the throughput benchmark and the durability script: a sandbox in a
child process, two onboarded organisations (sender and receiver), signed mTLS keep-alive senders, and a plain
HTTP webhook that records when each transaction arrives."""
from __future__ import annotations

import datetime as dt
import itertools
import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mock_ca.keys import key_from_pem  # noqa: E402
from mock_dip import message_signature  # noqa: E402
from mock_dip.webhook_server import WebhookHandler, WebhookServer  # noqa: E402

BIN = Path(sys.executable).parent


def serve(data_dir: Path, *extra: str) -> tuple[subprocess.Popen, dict]:
    endpoints_file = data_dir.parent / f"{data_dir.name}.endpoints.json"
    endpoints_file.unlink(missing_ok=True)
    process = subprocess.Popen([str(BIN / "dip-sandbox"), "serve", "--data-dir", str(data_dir), "--ephemeral-ports",
                                "--profile", "instant", "--endpoints-file", str(endpoints_file), *extra],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while not endpoints_file.exists():
        if process.poll() is not None:
            raise RuntimeError("serve exited early")
        time.sleep(0.01)
    return process, json.loads(endpoints_file.read_text())


class Receiver:
    """A webhook on 127.0.0.1 recording the real time each transaction first arrives."""

    def __init__(self):
        self.arrivals: dict[str, float] = {}
        self.lock = threading.Lock()
        receiver = self

        class Handler(WebhookHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                now = time.perf_counter()
                with receiver.lock:
                    for item in json.loads(body):
                        receiver.arrivals.setdefault(item["payload"]["CommonBlock"]["D0"]["transactionID"], now)
                answer = b'{"messageArray": [], "timestamp": null}'
                self.send_answer(201, answer)

        self.server = WebhookServer(Handler)
        self.url = self.server.url("/hook")

    def close(self):
        self.server.close()


def stop(process: subprocess.Popen) -> None:
    """A clean stop of a `serve` child (SIGTERM: it finishes in-flight requests)."""
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def onboard(control: str, receiver_url: str) -> tuple[dict, dict]:
    import requests
    sender = requests.post(control + "/dip/uit/organisations", json={"company_name": "Bench Supply Ltd"},
                           timeout=120).json()
    target = requests.post(control + "/dip/uit/organisations", json={
        "company_name": "Bench Data Ltd", "dip_ids": [{"role_code": "ADS"}], "webhooks": {"IF-041": receiver_url}},
        timeout=120).json()
    return sender, target


class Sender:
    """One keep-alive mTLS connection that signs every request like a real client."""
    counter = itertools.count()

    def __init__(self, base: str, bundle: str, sender: dict, target: dict, files: Path):
        import requests
        files.mkdir(parents=True, exist_ok=True)
        (files / "c.cer").write_text(sender["certificate_pem"])
        (files / "c.key").write_text(sender["key_pem"])
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.cert = (str(files / "c.cer"), str(files / "c.key"))
        self.session.verify = bundle
        self.base = base
        self.key = key_from_pem(sender["key_pem"])
        self.pem = sender["signing_certificate_pem"]
        self.dip_id = sender["dip_ids"][0]
        self.api_key = self.dip_id["api_key"]
        self.recipient = target["dip_ids"][0]["dip_id"]

    def messages(self, count: int) -> list[dict]:
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")
        return [{"payload": {"CommonBlock": {
            "S0": {"interfaceID": "IF-041", "schemaVersion": "011", "eventCode": "[ReadingCOS]"},
            "S1": {"environmentTag": "UIT", "subText": None,
                   "senderUniqueReference": f"S-IF-041-0123456789-SUP-20261123-b{next(self.counter)}",
                   "senderTimestamp": stamp, "senderDIPID": self.dip_id["dip_id"], "senderRoleID": "SUP",
                   "senderCorrelationID": None, "DIPConnectionProviderID": None},
            "A0": {"primaryRecipients": [self.recipient], "secondaryRecipients": [], "always": []}},
            "CustomBlock": {"reading": "1"}}} for _ in range(count)]

    def presign(self, path: str, body: bytes):
        """The signed request, ready for `session.send` (the signature is valid for the DIP's skew, 5 minutes)."""
        import requests
        url = self.base + path
        headers = message_signature.sign("POST", url, body, self.key, self.pem, dt.datetime.now(dt.timezone.utc))
        return self.session.prepare_request(requests.Request("POST", url, data=body, headers={
            **headers, "Content-Type": "application/json", "X-API-Key": self.api_key}))

    def post(self, path: str, payload) -> tuple[int, dict | None]:
        return self.send(self.presign(path, json.dumps(payload).encode()))

    def send(self, prepared) -> tuple[int, dict | None]:
        """Send a request made by `presign`: (status, JSON answer or None)."""
        response = self.session.send(prepared, timeout=30)
        try:
            return response.status_code, response.json()
        except ValueError:
            return response.status_code, None
