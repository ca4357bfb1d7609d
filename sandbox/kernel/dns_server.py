"""The sandbox's DNS server (UDP and TCP on one port), answering from the sandbox zones.

dnslib does the wire format and the socket servers; this module only turns a question into an answer.
"""
from __future__ import annotations

import logging
import socket
import threading
import time
from typing import Callable

from dnslib import AAAA, CNAME, QTYPE, RCODE, RR, TXT, A, DNSRecord
from dnslib.server import DNSServer

from sandbox.kernel.dns_zones import DnsZones

log = logging.getLogger(__name__)

_RDATA = {"A": A, "AAAA": AAAA, "CNAME": CNAME}


def _txt(value: str) -> TXT:
    return TXT([value[i:i + 255] for i in range(0, len(value), 255)] or [""])


class ZoneResolver:
    """dnslib resolver over the sandbox zones; every question is reported to `record` (the journal)."""

    def __init__(self, zones: DnsZones, record: Callable[..., None] | None = None):
        self._zones = zones
        self._record = record

    def resolve(self, request: DNSRecord, handler) -> DNSRecord:
        started = time.perf_counter()
        reply = request.reply()
        reply.header.aa = 1
        qname = str(request.q.qname)
        qtype = QTYPE.get(request.q.qtype, str(request.q.qtype))
        if qtype not in ("TXT", "A", "AAAA", "CNAME", "ANY"):
            rcode = "NOERROR"
        else:
            answer = self._zones.resolve(qname, "TXT" if qtype == "ANY" else qtype)
            rcode = answer.rcode
            for record in answer.records:
                rdata = _txt(record.value) if record.type == "TXT" else _RDATA[record.type](record.value)
                reply.add_answer(RR(record.name + ".", QTYPE.reverse[record.type], rdata=rdata, ttl=record.ttl))
        reply.header.rcode = getattr(RCODE, rcode)
        if self._record is not None:
            try:
                self._record(listener="dns", method=qtype, path=qname, status=rcode,
                             duration_ms=(time.perf_counter() - started) * 1000,
                             client=f"{handler.client_address[0]} ({handler.protocol})")
            except Exception:
                log.exception("journal")
        return reply


class _QuietLogger:
    """dnslib's logger interface; the journal records queries, errors go to Python logging."""

    def log_recv(self, handler, data): pass
    def log_send(self, handler, data): pass
    def log_request(self, handler, request): pass
    def log_reply(self, handler, reply): pass
    def log_truncated(self, handler, reply): pass
    def log_data(self, dnsobj): pass

    def log_error(self, handler, e):
        log.warning("DNS error from %s: %s", handler.client_address, e)


class SandboxDnsServer:
    def __init__(self, resolver: ZoneResolver, host: str, port: int):
        self._resolver = resolver
        self.host = host
        self._servers: list[DNSServer] = []
        self.port = self._bind(port)

    def _bind(self, port: int) -> int:
        attempts = 20 if port == 0 else 1
        for attempt in range(attempts):
            udp = DNSServer(self._resolver, address=self.host, port=port, logger=_QuietLogger())
            actual = udp.server.server_address[1]
            try:
                tcp = DNSServer(self._resolver, address=self.host, port=actual, tcp=True, logger=_QuietLogger())
            except OSError:
                udp.server.server_close()
                if attempt == attempts - 1:
                    raise
                continue
            self._servers = [udp, tcp]
            return actual
        raise OSError("could not bind the DNS server")

    def start(self) -> None:
        # dnslib's start_thread polls for shutdown every 0.5 s; 0.1 s makes a stop (each test fixture's) quicker
        for server in self._servers:
            server.thread = threading.Thread(target=server.server.serve_forever, kwargs={"poll_interval": 0.1},
                                             name="dns", daemon=True)
            server.thread.start()

    def stoppers(self) -> list[Callable[[], None]]:
        """One stop function per socket server, so a caller can stop them in parallel."""
        def stopper(server: DNSServer) -> Callable[[], None]:
            def stop() -> None:
                if getattr(server, "thread", None) is not None:  # shutdown() of one never served would wait forever
                    server.server.shutdown()
                server.server.server_close()
            return stop
        return [stopper(server) for server in self._servers]


def query_txt(host: str, port: int, name: str, timeout: float = 3.0) -> list[str]:
    """Ask a DNS server for the TXT values of `name` (UDP, falling back to TCP when truncated)."""
    question = DNSRecord.question(name, "TXT")
    raw = question.send(host, port, timeout=timeout)
    reply = DNSRecord.parse(raw)
    if reply.header.tc:
        reply = DNSRecord.parse(question.send(host, port, tcp=True, timeout=timeout))
    rcode = RCODE.get(reply.header.rcode)
    if rcode == "NXDOMAIN":
        return []
    if rcode != "NOERROR":
        raise DnsLookupFailed(f"the DNS server {host}:{port} answered {rcode} for {name}")
    values = []
    for rr in reply.rr:
        if rr.rtype == QTYPE.TXT:
            values.append("".join(part.decode(errors="replace") for part in rr.rdata.data))
    return values


class DnsLookupFailed(Exception):
    """The DNS could not answer (SERVFAIL, time-out, unreachable)."""


def lookup_txt_external(resolver: str, name: str) -> list[str]:
    host, _, port = resolver.rpartition(":")
    try:
        return query_txt(host or resolver, int(port or 53), name)
    except (socket.timeout, OSError) as exc:
        raise DnsLookupFailed(f"the DNS resolver {resolver} did not answer for {name}: {exc}") from None
