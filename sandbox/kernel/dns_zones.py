"""DNS records the sandbox serves, kept in the store.

A record becomes visible `dns_propagation` (the timing profile's wait) after it was added, on the
sandbox clock — like a real DNS provider. Names are compared case-insensitively, without the trailing
dot. A name put on the SERVFAIL list makes every lookup of it (and below it) fail.
"""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from datetime import timedelta

from sandbox.kernel.clock import SandboxClock, from_unix, iso
from sandbox.kernel.errors import InvalidInput, NotFound
from sandbox.kernel.ids import RandomSource
from sandbox.kernel.store import Store

TYPES = ("TXT", "A", "AAAA", "CNAME")
_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
MAX_TXT = 4000


def migrations():
    def create_tables(db):
        db["dns_records"].create({"id": str, "name": str, "type": str, "value": str, "ttl": int,
                                  "created_at": float, "visible_at": float}, pk="id")
        db["dns_records"].create_index(["name", "type"])
        db["dns_servfail"].create({"name": str, "created_at": float}, pk="name")
    return [create_tables]


def normalise_name(name: str, field: str = "name") -> str:
    text = str(name or "").strip().lower().rstrip(".")
    if text == "@":
        raise InvalidInput("give the full domain name, not '@' (the portal's '@' means the domain itself)",
                           field=field)
    if not text or len(text) > 253:
        raise InvalidInput(f"{name!r} is not a domain name", field=field)
    for label in text.split("."):
        if not _LABEL.match(label):
            raise InvalidInput(f"{name!r} is not a domain name (the label {label!r} is not allowed)", field=field)
    return text


def _check_value(rtype: str, value: str) -> str:
    if rtype == "A":
        try:
            return str(ipaddress.IPv4Address(value.strip()))
        except ValueError:
            raise InvalidInput(f"an A record holds an IPv4 address, not {value!r}", field="value") from None
    if rtype == "AAAA":
        try:
            return str(ipaddress.IPv6Address(value.strip()))
        except ValueError:
            raise InvalidInput(f"an AAAA record holds an IPv6 address, not {value!r}", field="value") from None
    if rtype == "CNAME":
        return normalise_name(value, "value")
    if len(value) > MAX_TXT:
        raise InvalidInput(f"a TXT value is at most {MAX_TXT} characters", field="value")
    if not value.isprintable():
        raise InvalidInput("a TXT value must be printable text", field="value")
    return value


@dataclass(frozen=True)
class DnsRecord:
    id: str
    name: str
    type: str
    value: str
    ttl: int
    created_at: float
    visible_at: float

    def describe(self, now: float) -> dict:
        return {"id": self.id, "name": self.name, "type": self.type, "value": self.value, "ttl": self.ttl,
                "created_at": iso(from_unix(self.created_at)), "visible_at": iso(from_unix(self.visible_at)),
                "visible": self.visible_at <= now}


@dataclass(frozen=True)
class Answer:
    rcode: str  # NOERROR, NXDOMAIN, SERVFAIL
    records: tuple[DnsRecord, ...]


class DnsZones:
    def __init__(self, store: Store, clock: SandboxClock, random: RandomSource, propagation: timedelta):
        self._store = store
        self._clock = clock
        self._random = random
        self._propagation = propagation

    def add(self, name: str, rtype: str, value: str, ttl: int = 300, propagation: timedelta | None = None) -> DnsRecord:
        name = normalise_name(name)
        rtype = str(rtype or "").strip().upper()
        if rtype not in TYPES:
            raise InvalidInput(f"type must be one of {', '.join(TYPES)}, not {rtype!r}", field="type")
        if not isinstance(value, str) or value == "":
            raise InvalidInput("value is required (a string)", field="value")
        try:
            ttl = int(ttl)
        except (TypeError, ValueError):
            raise InvalidInput(f"ttl must be a whole number of seconds, not {ttl!r}", field="ttl") from None
        if not 0 <= ttl <= 604800:
            raise InvalidInput("ttl must be 0 to 604800 seconds", field="ttl")
        value = _check_value(rtype, value)
        now = self._clock.now_unix()
        delay = (self._propagation if propagation is None else propagation).total_seconds()
        record = DnsRecord(self._random.hex(8), name, rtype, value, ttl, now, now + delay)
        with self._store.transaction() as db:
            if rtype == "CNAME" or db.execute(
                    "select 1 from dns_records where name = ? and type = 'CNAME'", [name]).fetchone():
                others = db.execute("select type from dns_records where name = ?", [name]).fetchall()
                if others:
                    raise InvalidInput(f"{name} already has records: a CNAME cannot stand beside other records",
                                       field="type")
            db["dns_records"].insert(record.__dict__)
        return record

    def remove(self, record_id: str) -> None:
        with self._store.transaction() as db:
            if not db.execute("select 1 from dns_records where id = ?", [record_id]).fetchone():
                raise NotFound(f"no DNS record with id {record_id!r}", field="id")
            db.execute("delete from dns_records where id = ?", [record_id])

    def records(self, name: str | None = None, rtype: str | None = None) -> list[DnsRecord]:
        sql, params = "select * from dns_records where 1=1", []
        if name:
            sql += " and name = ?"
            params.append(normalise_name(name))
        if rtype:
            sql += " and type = ?"
            params.append(rtype.upper())
        return [DnsRecord(**r) for r in self._store.query(sql + " order by created_at, id", params)]

    def set_servfail(self, name: str) -> str:
        name = normalise_name(name)
        with self._store.transaction() as db:
            db["dns_servfail"].upsert({"name": name, "created_at": self._clock.now_unix()}, pk="name")
        return name

    def clear_servfail(self, name: str) -> None:
        name = normalise_name(name)
        with self._store.transaction() as db:
            if not db.execute("select 1 from dns_servfail where name = ?", [name]).fetchone():
                raise NotFound(f"{name} is not on the SERVFAIL list", field="name")
            db.execute("delete from dns_servfail where name = ?", [name])

    def clock_now(self) -> float:
        return self._clock.now_unix()

    def servfail_names(self) -> list[str]:
        return [r["name"] for r in self._store.query("select name from dns_servfail order by name")]

    def resolve(self, name: str, rtype: str) -> Answer:
        """What the DNS server answers: visible records of the type, following CNAMEs in the zones."""
        try:
            name = normalise_name(name)
        except InvalidInput:
            return Answer("NXDOMAIN", ())
        failing = set(self.servfail_names())
        now = self._clock.now_unix()
        chain: list[DnsRecord] = []
        for _ in range(8):
            labels = name.split(".")
            if any(".".join(labels[i:]) in failing for i in range(len(labels))):
                return Answer("SERVFAIL", tuple(chain))
            visible = [r for r in self.records(name) if r.visible_at <= now]
            if not visible:
                return Answer("NXDOMAIN" if not chain else "NOERROR", tuple(chain))
            matching = [r for r in visible if r.type == rtype.upper()]
            cname = [r for r in visible if r.type == "CNAME"]
            if matching or not cname:
                return Answer("NOERROR", tuple(chain + matching))
            chain.append(cname[0])
            name = cname[0].value
        return Answer("SERVFAIL", tuple(chain))

    def clear(self) -> None:
        with self._store.transaction() as db:
            db.execute("delete from dns_records")
            db.execute("delete from dns_servfail")
