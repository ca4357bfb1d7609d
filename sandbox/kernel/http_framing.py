"""Strict HTTP/1.1 framing for every listener, before any app sees a request (cheroot request subclass).

- **Content-Length** must be one run of digits; two different values, or Content-Length together with
  Transfer-Encoding (a request-smuggling shape, RFC 9112 section 6.3), are refused with 400 at once and the
  connection is closed. cheroot alone takes `-1` and waits ~10 s for a body that never comes.
- **The request head** (request line and headers) must arrive within `head_timeout` seconds in all (setting
  `http_head_timeout`, default 10): a client
  that drips it byte by byte is answered 408 and dropped, so a dozen slow clients cannot hold every worker
  thread. cheroot's own timeout restarts on every byte.
- **Header size**: larger heads than `MAX_HEAD_BYTES` get 431 (cheroot says 413).
- Repeated headers that carry a credential or a signature are noted (`DUPLICATE_HEADERS_KEY` in the WSGI
  environ), so each API can refuse them in its own error format instead of silently using the last one.
"""
from __future__ import annotations

import re
import socket
import threading
import time

from cheroot.server import HTTPConnection, HTTPRequest, comma_separated_headers

HEAD_TIMEOUT = 10.0  # the default of the http_head_timeout setting
MAX_HEAD_BYTES = 64 * 1024
DUPLICATE_HEADERS_KEY = "dip_sandbox.duplicate_headers"
_DIGITS = re.compile(rb"[0-9]{1,18}")
_COMMA_SEPARATED = set(comma_separated_headers)


class _RecordingHeaders(dict):
    """cheroot's header dict, remembering which single-valued headers came more than once (and each value)."""

    def __init__(self) -> None:
        super().__init__()
        self.repeated: dict[bytes, list[bytes]] = {}

    def __setitem__(self, key: bytes, value: bytes) -> None:
        if key in self and key not in _COMMA_SEPARATED:
            self.repeated.setdefault(key, [self[key]]).append(value)
        super().__setitem__(key, value)


class _HeadWatchdog:
    """One thread for all listeners: a request head still being read after its deadline has its socket's read side
    shut, which ends the blocked read at once (writing still works, so the client gets its 408)."""

    def __init__(self) -> None:
        self._reading: dict[int, tuple[float, "StrictHttpRequest"]] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def enter(self, request: "StrictHttpRequest") -> None:
        with self._lock:
            self._reading[id(request)] = (time.monotonic() + request.server.head_timeout, request)
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name="http-head-watchdog", daemon=True)
                self._thread.start()

    def leave(self, request: "StrictHttpRequest") -> None:
        with self._lock:
            self._reading.pop(id(request), None)

    def _watch(self) -> None:
        while True:
            time.sleep(0.25)
            now = time.monotonic()
            with self._lock:
                late = [request for deadline, request in self._reading.values() if deadline <= now]
                for request in late:
                    self._reading.pop(id(request), None)
            for request in late:
                request.head_timed_out = True
                try:
                    connection = request.conn.socket
                    # a pyOpenSSL connection: shut the TCP socket under it, not the TLS session
                    getattr(connection, "sock_shutdown", connection.shutdown)(socket.SHUT_RD)
                except OSError:
                    pass


_WATCHDOG = _HeadWatchdog()


class StrictHttpRequest(HTTPRequest):
    head_timed_out = False

    def parse_request(self):
        _WATCHDOG.enter(self)
        try:
            super().parse_request()
        finally:
            _WATCHDOG.leave(self)
        if self.ready and self.head_timed_out:  # the head was complete just as the deadline passed
            self.ready = False

    def read_request_headers(self):
        self.inheaders = _RecordingHeaders()
        if not super().read_request_headers():
            return False
        problem = self._framing_problem()
        if problem:
            self.close_connection = True
            self.simple_response("400 Bad Request", problem)
            return False
        return True

    def _framing_problem(self) -> str | None:
        headers: _RecordingHeaders = self.inheaders
        lengths = headers.repeated.get(b"Content-Length", [headers.get(b"Content-Length")])
        lengths = [value for value in lengths if value is not None]
        if any(not _DIGITS.fullmatch(value.strip()) for value in lengths):
            return ("Content-Length must be a whole number of bytes (0 or more), got "
                    + ", ".join(repr(value.decode("latin-1")) for value in lengths))
        if len({int(value) for value in lengths}) > 1:
            return "two different Content-Length headers: send one"
        if lengths and headers.get(b"Transfer-Encoding"):
            return "Content-Length and Transfer-Encoding together: send one of them"
        return None

    def simple_response(self, status, msg=""):
        status = str(status)
        if self.head_timed_out:
            status, msg = "408 Request Timeout", f"the request head did not arrive within {self.server.head_timeout:g} s"
            self.close_connection = True
        elif status.startswith("413") and "headers" in str(msg):
            status, msg = "431 Request Header Fields Too Large", f"the request head is over {MAX_HEAD_BYTES} bytes"
        return super().simple_response(status, msg)

    def duplicate_headers(self) -> list[str]:
        return sorted(name.decode("latin-1") for name in self.inheaders.repeated)


class StrictHttpConnection(HTTPConnection):
    RequestHandlerClass = StrictHttpRequest


def make_strict(server, head_timeout: float = HEAD_TIMEOUT) -> None:
    """Serve this cheroot server's connections with the strict framing above."""
    server.ConnectionClass = StrictHttpConnection
    server.head_timeout = head_timeout
    server.max_request_header_size = MAX_HEAD_BYTES


# Headers that carry a credential or a signature: sent twice, which one counts is anyone's guess.
CREDENTIAL_HEADERS = ("Authorization", "X-API-Key", "X-DIP-Content-Hash", "X-DIP-Signature-Date", "X-DIP-Signature",
                      "X-DIP-Signature-Certificate", "X-DIP-Context")


def repeated_credentials(environ: dict) -> str | None:
    """Why a request is refused for sending a credential or signature header more than once, or None."""
    repeated = {name.lower() for name in environ.get(DUPLICATE_HEADERS_KEY, ())}
    names = [name for name in CREDENTIAL_HEADERS if name.lower() in repeated]
    if not names:
        return None
    return (f"the {', '.join(names)} header{'s' if len(names) > 1 else ''} came more than once: send each "
            "credential and signature header once")
