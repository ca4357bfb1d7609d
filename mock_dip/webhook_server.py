"""The webhook server the sandbox ships, over HTTP or HTTPS: the harness's receiver, `dip-sandbox client receive`
and the benchmarks' webhooks serve with it (what they check and answer is mock_dip.delivery_check). The DIP
itself never needs it, so a start does not import http.server and ssl for it."""
from __future__ import annotations

import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer


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
