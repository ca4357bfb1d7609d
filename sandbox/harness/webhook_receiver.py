"""An HTTPS webhook for tests: serves with a certificate from the sandbox TLS root (which the DIP trusts),
requires the DIP's client certificate, checks the DIP's signature on every delivery (`mock_dip.delivery_check`,
as `dip-sandbox client receive` does) and collects what arrives."""
from __future__ import annotations

import ssl
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from mock_dip.delivery_check import answer, check_delivery, delivered_items
from mock_dip.webhook_server import WebhookHandler, WebhookServer
from sandbox.kernel.clock import real_now


@dataclass
class Delivery:
    """One POST from the DIP: its path, headers, raw body, the messages in it, the signature check and the status
    the receiver answered (only 2xx deliveries count as received messages)."""
    status: int
    path: str
    headers: dict
    body: bytes
    items: list
    signature_valid: bool
    signature_problem: str | None
    client_certificate: dict | None = field(default=None, repr=False)


class WebhookReceiver:
    def __init__(self, certificate_pem: str, key_pem: str, client_ca_pem: str, dip_signing_pem: str | None,
                 host: str = "127.0.0.1"):
        self._files = tempfile.TemporaryDirectory(prefix="dip-webhook-")
        directory = Path(self._files.name)
        (directory / "server.pem").write_text(certificate_pem)
        (directory / "server.key").write_text(key_pem)
        (directory / "dip-cas.pem").write_text(client_ca_pem)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(directory / "server.pem", directory / "server.key")
        context.load_verify_locations(directory / "dip-cas.pem")
        context.verify_mode = ssl.CERT_REQUIRED  # the DIP presents its client certificate
        self.deliveries: list[Delivery] = []
        self.statuses: list[int] = []  # answer these statuses first (e.g. 503 to see a retry), then 201
        self.status_by_path: dict[str, int] = {}  # this status on this path, always (a channel's webhook is down)
        self._arrived = threading.Condition()
        receiver = self

        class Handler(WebhookHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                now = real_now()
                url = f"https://{self.headers.get('Host', '')}{self.path}"
                report = check_delivery(url, body, self.headers, dip_signing_pem, now)
                items = delivered_items(body)
                status, reply = answer(items, report, now)
                with receiver._arrived:
                    if report.ok and self.path in receiver.status_by_path:
                        status = receiver.status_by_path[self.path]
                    elif report.ok and receiver.statuses:
                        status = receiver.statuses.pop(0)
                    receiver.deliveries.append(Delivery(status, self.path, dict(self.headers), body, items, report.ok,
                                                        report.message, self.connection.getpeercert()))
                    receiver._arrived.notify_all()
                self.send_answer(status, reply)

        self._server = WebhookServer(Handler, host, context)
        self.url = self._server.url("/webhook", None if host == "127.0.0.1" else host)

    @property
    def messages(self) -> list:
        """Every message received (in deliveries answered 2xx), in arrival order."""
        with self._arrived:
            return self._accepted()

    def _accepted(self) -> list:
        return [item for delivery in self.deliveries if delivery.status < 300 for item in delivery.items]

    def wait_for(self, count: int = 1, timeout: float = 15.0) -> list:
        """Wait until `count` messages were received; return them (AssertionError after `timeout` seconds)."""
        with self._arrived:
            arrived = self._arrived.wait_for(lambda: len(self._accepted()) >= count, timeout)
            got = self._accepted()
        if not arrived:
            raise AssertionError(f"{len(got)} of {count} messages arrived at {self.url} within {timeout:g} s")
        return got

    def wait_for_deliveries(self, count: int = 1, timeout: float = 15.0) -> list[Delivery]:
        """Wait until `count` POSTs arrived, whatever the receiver answered (e.g. the 503 of `statuses`)."""
        with self._arrived:
            arrived = self._arrived.wait_for(lambda: len(self.deliveries) >= count, timeout)
            got = list(self.deliveries)
        if not arrived:
            raise AssertionError(f"{len(got)} of {count} deliveries arrived at {self.url} within {timeout:g} s")
        return got

    def close(self) -> None:
        self._server.close()
        self._files.cleanup()

    def __enter__(self) -> "WebhookReceiver":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
