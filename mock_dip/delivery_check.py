"""What a recipient checks on a delivery from the DIP, and what it answers: the DIP's signature (the four headers,
signed with the DIP's signing certificate) and a StandardResponse with one item per message. Used by
`dip-sandbox client receive` and by the test harness's webhook receiver."""
from __future__ import annotations

import json
import sys
from datetime import datetime
import ssl
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer

from cryptography.hazmat.primitives.serialization import Encoding

from mock_dip import message_signature
from mock_dip.message_signature import SignatureReport
from mock_dip.standard_response import response_item


def check_delivery(url: str, body: bytes, headers, trusted_pem: str | None, now: datetime,
                   skew_seconds: float = 300.0) -> SignatureReport:
    """The signature check of a POST to `url`; with `trusted_pem`, the signing certificate must be that one (the
    DIP's, from `GET /dip/{env}/api/dip-certificates`)."""
    report = message_signature.check("POST", url, body, headers, now_real=now, now_sandbox=now,
                                     skew_seconds=skew_seconds)
    if report.ok and trusted_pem and report.certificate is not None and \
            report.certificate.public_bytes(Encoding.PEM).decode().strip() != trusted_pem.strip():
        report.fail("certificate", "signed with a certificate that is not the DIP's signing certificate")
    return report


def delivered_items(body: bytes) -> list:
    try:
        items = json.loads(body)
    except ValueError:
        return []
    return items if isinstance(items, list) else [items]


def transaction_id(item) -> str | None:
    try:
        return item["payload"]["CommonBlock"]["D0"]["transactionID"]
    except (KeyError, TypeError):
        return None


class WebhookHandler(BaseHTTPRequestHandler):
    """The request handler of a webhook the sandbox ships (the harness's receiver, `client receive`, the
    benchmarks'): quiet, and without Nagle's algorithm, so an answer written as headers then body is not held
    back ~40 ms waiting for the client's delayed ACK."""
    disable_nagle_algorithm = True

    def send_answer(self, status: int, body: bytes) -> None:
        """Write a JSON answer."""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class QuietDisconnects:
    """A webhook server's part that drops a client's disconnect (reset, broken pipe) silently: the DIP closing a
    connection it no longer needs is not an error, and socketserver would print its traceback."""

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class QuietHTTPServer(QuietDisconnects, HTTPServer):
    """One request at a time (`dip-sandbox client receive`: its printed output stays readable)."""


class WebhookServer(QuietDisconnects, ThreadingHTTPServer):
    """A webhook of the sandbox's own (the harness's receiver, the benchmarks', the tests'): `handler` (a
    WebhookHandler) on `host`, over HTTPS with `tls` (a server-side ssl.SSLContext) when given, served at once
    from a daemon thread; `close()` stops it."""
    daemon_threads = True

    def __init__(self, handler: type[BaseHTTPRequestHandler], host: str = "127.0.0.1",
                 tls: ssl.SSLContext | None = None):
        super().__init__((host, 0), handler)
        if tls is not None:
            self.socket = tls.wrap_socket(self.socket, server_side=True)
        self.scheme = "https" if tls is not None else "http"
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.1},
                                       name="webhook", daemon=True)
        self.thread.start()

    def url(self, path: str, host: str | None = None) -> str:
        """The address of `path` on this server; for HTTPS, `localhost` (the name its certificate carries)."""
        shown = host or ("localhost" if self.scheme == "https" else "127.0.0.1")
        return f"{self.scheme}://{shown}:{self.server_address[1]}{path}"

    def close(self) -> None:
        self.shutdown()
        self.server_close()


def _recipient(item) -> str | None:
    try:
        return item["payload"]["CommonBlock"]["A0"]["primaryRecipients"][0]
    except (KeyError, IndexError, TypeError):
        return None


def answer(items: list, report: SignatureReport, now: datetime) -> tuple[int, bytes]:
    """(status, body): 201 with RCP0000 per message when the signature is good, else 400 with RCP9999 — a
    StandardResponse of the official types (the answering recipient as senderID)."""
    code = "RCP0000" if report.ok else "RCP9999"
    stamp = now.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    body = {"messageArray": [response_item(code, report.message, stamp=stamp, sender_id=_recipient(item),
                                           transactionID=transaction_id(item)) for item in (items or [{}])],
            "timestamp": stamp}
    return (201 if report.ok else 400), json.dumps(body).encode()
