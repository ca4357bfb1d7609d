"""Serving WSGI apps: cheroot (threaded, HTTP/1.1 keep-alive) with pyOpenSSL for TLS.

Why these: cheroot is the production WSGI server of CherryPy, runs many servers in one process and has a
pluggable TLS adapter; pyOpenSSL lets the handshake *accept* any client certificate (a verify callback),
so the app can judge it on the sandbox clock and say what is wrong, which the stdlib `ssl` cannot.
Strict mode rejects absent and unknown-issuer certificates at the handshake instead; it never rejects
one for the wall-clock time (design.md: "Two kinds of time").

The verified chain (leaf first, DER) reaches the app as `environ["dip_sandbox.client_chain"]`.
"""
from __future__ import annotations

import io
import logging
import select
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from cheroot import wsgi
from cheroot.makefile import StreamReader, StreamWriter
from cheroot.ssl.pyopenssl import SSLFileobjectStreamReader, SSLFileobjectStreamWriter, pyOpenSSLAdapter
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from OpenSSL import SSL

from sandbox.kernel.http_framing import DUPLICATE_HEADERS_KEY, HEAD_TIMEOUT, make_strict

log = logging.getLogger(__name__)

CLIENT_CHAIN_KEY = "dip_sandbox.client_chain"
CLIENT_IDENTITY_KEY = "dip_sandbox.client_identity"
JOURNAL_DETAIL_KEY = "dip_sandbox.journal_detail"  # a dict the app leaves for the request's journal entry

# OpenSSL verify errors about time: never a reason to refuse at the handshake (sandbox time decides).
_TIME_ERRORS = {9, 10, 11, 12, 13, 14, 15, 16}  # cert/CRL not yet valid, expired, bad time fields
WRITE_BLOCK = 64 * 1024  # the most one TLS send is handed (it writes up to 16 KB records of it)


@dataclass(frozen=True)
class TlsSettings:
    certificate_file: Path
    key_file: Path
    client_ca_file: Path  # CAs whose names are sent in the CertificateRequest and trusted in strict mode
    strict: bool = False


class _TlsSocketIO(socket.SocketIO):
    """Raw I/O over a pyOpenSSL connection whose socket has a timeout: OpenSSL answers "want read/write"
    where a blocking socket would wait, so wait for the socket here (before any byte is handed over, so a
    buffered reader above never loses data). cheroot's own stream classes only guard readline and recv."""

    def _retry(self, call, *args, reading: bool = True):
        deadline = time.monotonic() + (self._sock.gettimeout() or 30.0)
        while True:
            try:
                return call(*args)
            except SSL.WantReadError:
                ready = select.select([self._sock], [], [], max(0.0, deadline - time.monotonic()))[0]
            except SSL.WantWriteError:
                ready = select.select([], [self._sock], [], max(0.0, deadline - time.monotonic()))[1]
            except (SSL.ZeroReturnError, SSL.SysCallError, SSL.Error) as exc:
                # the peer closed or reset the connection, or the TLS session broke: end of stream for a
                # reader, a broken pipe for a writer (cheroot drops such connections quietly)
                if reading:
                    return 0
                raise BrokenPipeError(32, f"TLS connection closed: {exc}") from None
            if not ready:
                raise socket.timeout("timed out")

    def readinto(self, buffer):
        return self._retry(self._sock.recv_into, buffer)

    def write(self, data):
        return self._retry(self._sock.send, bytes(data), reading=False)


class _TlsStreamReader(SSLFileobjectStreamReader):
    def __init__(self, sock, mode="r", bufsize=io.DEFAULT_BUFFER_SIZE):
        super(StreamReader, self).__init__(_TlsSocketIO(sock, mode), bufsize)  # skip StreamReader's raw I/O
        self.bytes_read = 0


class _TlsStreamWriter(SSLFileobjectStreamWriter):
    def __init__(self, sock, mode="w", bufsize=io.DEFAULT_BUFFER_SIZE):
        super(StreamWriter, self).__init__(_TlsSocketIO(sock, mode), bufsize)  # skip StreamWriter's raw I/O
        self.bytes_written = 0

    def _flush_unlocked(self):
        """cheroot's flush hands the socket a copy of everything still buffered and deletes what was sent from the
        front, once per send; a TLS send takes one record (16 KB), so a large answer was copied over and over
        (a 64 MB body took 45-65 s). Send views of the buffer, a block at a time, and drop what was sent once."""
        self._checkClosed("flush of closed file")
        sent, pending = 0, memoryview(self._write_buf)
        try:
            while sent < len(pending):
                sent += self.raw.write(pending[sent:sent + WRITE_BLOCK])
        finally:
            pending.release()  # a bytearray with a view on it cannot shrink
            del self._write_buf[:sent]


class ClientCertificateAdapter(pyOpenSSLAdapter):
    def __init__(self, tls: TlsSettings):
        super().__init__(str(tls.certificate_file), str(tls.key_file))
        self._tls = tls

    def makefile(self, sock, mode="r", bufsize=-1):
        if isinstance(sock, SSL.Connection):
            size = io.DEFAULT_BUFFER_SIZE if bufsize < 0 else bufsize
            stream = (_TlsStreamReader if "r" in mode else _TlsStreamWriter)(sock, mode, size)
            stream.ssl_timeout = sock.gettimeout() or 30.0
            return stream
        return super().makefile(sock, mode, bufsize)

    def get_context(self):
        context = SSL.Context(SSL.TLS_SERVER_METHOD)
        context.set_min_proto_version(SSL.TLS1_2_VERSION)
        context.use_privatekey_file(self.private_key)
        context.use_certificate_file(self.certificate)
        context.load_verify_locations(str(self._tls.client_ca_file))
        context.set_session_id(b"dip-sandbox")
        for authority in x509.load_pem_x509_certificates(self._tls.client_ca_file.read_bytes()):
            context.add_client_ca(authority)
        if self._tls.strict:
            context.set_verify(SSL.VERIFY_PEER | SSL.VERIFY_FAIL_IF_NO_PEER_CERT, _ignore_time_errors)
        else:
            context.set_verify(SSL.VERIFY_PEER, _accept_any)
        return context


def _accept_any(connection, certificate, errnum, depth, ok) -> bool:
    return True


def _ignore_time_errors(connection, certificate, errnum, depth, ok) -> bool:
    return bool(ok) or errnum in _TIME_ERRORS


class ClientCertificateGateway(wsgi.Gateway_10):
    """Adds the client's certificate chain (DER, leaf first) to every request's environ."""

    def get_environ(self):
        environ = super().get_environ()
        environ[DUPLICATE_HEADERS_KEY] = self.req.duplicate_headers()
        cached = getattr(self.req.conn, "_dip_sandbox_chain", None)  # one TLS connection, one peer chain
        if cached is not None:
            environ[CLIENT_CHAIN_KEY] = cached
            return environ
        connection = self.req.conn.socket
        chain: list[bytes] = []
        if isinstance(connection, SSL.Connection):
            leaf = connection.get_peer_certificate(as_cryptography=True)
            if leaf is not None:
                chain.append(leaf.public_bytes(Encoding.DER))
                for extra in connection.get_peer_cert_chain(as_cryptography=True) or []:
                    der = extra.public_bytes(Encoding.DER)
                    if der not in chain:
                        chain.append(der)
        environ[CLIENT_CHAIN_KEY] = chain
        self.req.conn._dip_sandbox_chain = chain
        return environ


class HttpListener:
    """One listening address serving one WSGI app, in its own thread."""

    def __init__(self, name: str, app: Callable, host: str, port: int, *, threads: int = 10,
                 tls: TlsSettings | None = None, shutdown_timeout: float = 5.0, head_timeout: float = HEAD_TIMEOUT):
        self.name = name
        self.tls = tls
        self.server = wsgi.Server((host, port), app, numthreads=threads, server_name=f"dip-sandbox-{name}",
                                  shutdown_timeout=shutdown_timeout, accepted_queue_timeout=1)
        # cheroot's selector loop wakes this often to expire idle connections, and a stop waits for it: 0.1 s
        # instead of 0.5 s makes stopping a sandbox (each test fixture does) five times faster.
        self.server.expiration_interval = 0.1
        self.server.gateway = ClientCertificateGateway
        make_strict(self.server, head_timeout)
        if tls is not None:
            self.server.ssl_adapter = ClientCertificateAdapter(tls)
        self.server.prepare()
        self.host, self.port = self.server.bind_addr[0], self.server.bind_addr[1]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        scheme = "https" if self.tls else "http"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}"

    def start(self) -> None:
        self._thread = threading.Thread(target=self.server.serve, name=f"listener-{self.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.server.stop()  # also for one bound but never served: its worker threads start at bind
        if self._thread is not None:
            self._thread.join(timeout=10)


class JournalMiddleware:
    """Records every request of a listener in the journal: method, path, status, duration, client."""

    def __init__(self, app: Callable, listener: str, record: Callable[..., None]):
        self.app = app
        self.listener = listener
        self.record = record

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        status_holder: list[str] = []

        def recording_start_response(status, headers, exc_info=None):
            status_holder.append(status)
            return start_response(status, headers, exc_info)

        try:
            return self.app(environ, recording_start_response)
        finally:
            # WSGI gives the path's bytes as latin-1 text (PEP 3333): as UTF-8 they read as the client sent them
            path = environ.get("PATH_INFO", "").encode("latin-1", "replace").decode("utf-8", "replace")
            if environ.get("QUERY_STRING"):
                path += "?" + environ["QUERY_STRING"]
            client = environ.get("REMOTE_ADDR", "")
            identity = environ.get(CLIENT_IDENTITY_KEY)
            if identity:
                client = f"{client} {identity}"
            try:
                self.record(listener=self.listener, method=environ.get("REQUEST_METHOD", ""), path=path,
                            status=(status_holder[0].split(" ", 1)[0] if status_holder else "-"),
                            duration_ms=(time.perf_counter() - started) * 1000, client=client,
                            detail=environ.get(JOURNAL_DETAIL_KEY))
            except Exception:
                log.exception("journal")
