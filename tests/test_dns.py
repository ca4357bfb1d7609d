"""The DNS server over the wire (dig and dnslib), fed through the control API."""
import subprocess

import pytest
import requests
from dnslib import QTYPE, RCODE, DNSRecord

from tests.conftest import require_tool


def ask(running, name, qtype="TXT", tcp=False):
    dns = running.endpoints["dns"]
    raw = DNSRecord.question(name, qtype).send(dns["host"], dns["port"], tcp=tcp, timeout=3)
    return DNSRecord.parse(raw)


def add(running, **record):
    response = requests.post(running.control + "/dns/records", json=record, timeout=5)
    assert response.status_code == 201, response.text
    return response.json()


def dig(running, *args):
    require_tool("dig")
    dns = running.endpoints["dns"]
    return subprocess.run(["dig", f"@{dns['host']}", "-p", str(dns["port"]), *args], capture_output=True,
                          text=True, timeout=10).stdout


@pytest.fixture
def instant_dns(start_sandbox):
    return start_sandbox(profile="instant")


def test_dig_answers_txt_over_udp_and_tcp(instant_dns):
    add(instant_dns, name="Example.COM.", type="TXT", value="0123456789abcdef0123456789abcdef")
    assert dig(instant_dns, "TXT", "example.com", "+short").strip() == '"0123456789abcdef0123456789abcdef"'
    assert dig(instant_dns, "TXT", "EXAMPLE.com", "+tcp", "+short").strip() == '"0123456789abcdef0123456789abcdef"'


def test_a_aaaa_cname(instant_dns):
    add(instant_dns, name="target.example.org", type="A", value="192.0.2.10")
    add(instant_dns, name="target.example.org", type="AAAA", value="2001:db8::1")
    add(instant_dns, name="alias.example.org", type="CNAME", value="target.example.org")
    a = ask(instant_dns, "alias.example.org", "A")
    assert [(QTYPE[r.rtype], str(r.rdata)) for r in a.rr] == [("CNAME", "target.example.org."), ("A", "192.0.2.10")]
    aaaa = ask(instant_dns, "target.example.org", "AAAA")
    assert str(aaaa.rr[0].rdata) == "2001:db8::1"
    assert a.header.aa == 1


def test_nxdomain_and_nodata(instant_dns):
    add(instant_dns, name="only-a.example.net", type="A", value="192.0.2.1")
    assert RCODE[ask(instant_dns, "missing.example.net").header.rcode] == "NXDOMAIN"
    nodata = ask(instant_dns, "only-a.example.net", "TXT")
    assert RCODE[nodata.header.rcode] == "NOERROR" and not nodata.rr


def test_servfail_on_and_off(instant_dns):
    add(instant_dns, name="sub.broken.example", type="TXT", value="v")
    response = requests.post(instant_dns.control + "/dns/servfail", json={"name": "broken.example"}, timeout=5)
    assert response.status_code == 201
    assert RCODE[ask(instant_dns, "sub.broken.example").header.rcode] == "SERVFAIL"
    assert "SERVFAIL" in dig(instant_dns, "TXT", "sub.broken.example")
    assert requests.delete(instant_dns.control + "/dns/servfail/broken.example", timeout=5).status_code == 204
    assert RCODE[ask(instant_dns, "sub.broken.example").header.rcode] == "NOERROR"
    again = requests.delete(instant_dns.control + "/dns/servfail/broken.example", timeout=5)
    assert again.status_code == 404 and "not on the SERVFAIL list" in again.json()["error"]["message"]


def test_record_becomes_visible_after_the_propagation_delay(running):
    """The training profile propagates in 15 sandbox seconds."""
    requests.post(running.control + "/clock/mode", json={"mode": "manual"}, timeout=5)
    record = add(running, name="slow.example.com", type="TXT", value="token-1")
    assert record["visible"] is False
    assert RCODE[ask(running, "slow.example.com").header.rcode] == "NXDOMAIN"
    requests.post(running.control + "/clock/advance", json={"seconds": 14}, timeout=5)
    assert not ask(running, "slow.example.com").rr
    requests.post(running.control + "/clock/advance", json={"seconds": 1}, timeout=5)
    assert [str(r.rdata) for r in ask(running, "slow.example.com").rr] == ['"token-1"']
    assert running.sandbox.txt_lookup.txt_values("slow.example.com") == ["token-1"]


def test_long_txt_is_split_into_strings(instant_dns):
    value = "x" * 600
    add(instant_dns, name="long.example.com", type="TXT", value=value)
    reply = ask(instant_dns, "long.example.com", tcp=True)
    assert b"".join(reply.rr[0].rdata.data).decode() == value


def test_delete_record(instant_dns):
    record = add(instant_dns, name="gone.example.com", type="TXT", value="v")
    assert requests.delete(f"{instant_dns.control}/dns/records/{record['id']}", timeout=5).status_code == 204
    assert RCODE[ask(instant_dns, "gone.example.com").header.rcode] == "NXDOMAIN"
    missing = requests.delete(f"{instant_dns.control}/dns/records/{record['id']}", timeout=5)
    assert missing.status_code == 404


@pytest.mark.parametrize("record, field, message", [
    ({"name": "bad_domain..com", "type": "TXT", "value": "v"}, "name", "is not a domain name"),
    ({"name": "@", "type": "TXT", "value": "v"}, "name", "give the full domain name"),
    ({"name": "ok.com", "type": "MX", "value": "v"}, "type", "'type': must be one of \"TXT\", \"A\", \"AAAA\", \"CNAME\""),
    ({"name": "ok.com", "type": "A", "value": "999.1.1.1"}, "value", "an A record holds an IPv4 address"),
    ({"name": "ok.com", "type": "AAAA", "value": "1.2.3.4"}, "value", "an AAAA record holds an IPv6 address"),
    ({"name": "ok.com", "type": "TXT"}, "value", "'value' is required"),
    ({"name": "ok.com", "type": "TXT", "value": "v", "ttl": "soon"}, "ttl", "'ttl': must be an integer"),
])
def test_bad_records_get_a_clear_error(shared_running, record, field, message):
    response = requests.post(shared_running.control + "/dns/records", json=record, timeout=5)
    assert response.status_code in (400, 422)
    error = response.json()["error"]
    assert error["field"] == field and message in error["message"]


def test_cname_cannot_stand_beside_other_records(instant_dns):
    add(instant_dns, name="both.example.com", type="TXT", value="v")
    response = requests.post(instant_dns.control + "/dns/records",
                             json={"name": "both.example.com", "type": "CNAME", "value": "x.example.com"}, timeout=5)
    assert response.status_code == 422 and "CNAME cannot stand beside" in response.json()["error"]["message"]


def test_external_resolver_setting(start_sandbox):
    """The sandbox's own checks can read another DNS server: here, a second sandbox's."""
    other = start_sandbox(profile="instant")
    add(other, name="ext.example.com", type="TXT", value="from-elsewhere")
    dns = other.endpoints["dns"]
    reader = start_sandbox(profile="instant", dns_resolver=f"{dns['host']}:{dns['port']}")
    assert reader.sandbox.txt_lookup.txt_values("ext.example.com") == ["from-elsewhere"]
    assert reader.sandbox.txt_lookup.txt_values("none.example.com") == []


def test_queries_are_journaled(instant_dns):
    ask(instant_dns, "journal.example.com")
    entries = requests.get(instant_dns.control + "/journal", params={"listener": "dns"}, timeout=5).json()["entries"]
    assert any(e["path"] == "journal.example.com." and e["status"] == "NXDOMAIN" and e["method"] == "TXT"
               for e in entries)
