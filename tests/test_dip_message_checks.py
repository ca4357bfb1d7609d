"""The pieces of the DIP message ingress that need no server: the signature scheme (signing, checking, the
debugger's report) and the built-in common-block checks."""
import base64
import datetime as dt
import hashlib
import json

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from mock_dip import common_blocks, message_signature as ms
from tests.conftest import DIP_CN, DIP_SANS, make_csr

URL = "https://LOCALHOST:8702/dip-channel/IF-041"
NOW = dt.datetime(2026, 11, 23, 10, 0, 0, 123000, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def signer(tmp_path_factory, ca_dir, key_pool):
    from sandbox.app import Sandbox
    from tests.conftest import make_settings
    sandbox = Sandbox(make_settings(tmp_path_factory.mktemp("sig"), ca_dir))
    key = key_pool.get()
    issued = sandbox.cas.issue("dip-signing", make_csr(key, DIP_CN, DIP_SANS))
    yield key, issued.pem
    sandbox.close()


def check(body, headers, *, now=NOW, sandbox_now=NOW, path_only=False, url=URL):
    return ms.check("POST", url, body, headers, now_real=now, now_sandbox=sandbox_now, skew_seconds=300,
                    path_only=path_only)


def test_the_reference_string_to_sign_and_a_good_signature(signer):
    key, pem = signer
    body = json.dumps([{"payload": {}}]).encode()
    headers = ms.sign("post", URL, body, key, pem, NOW)
    assert headers[ms.DATE] == "2026-11-23T10:00:00.123Z"
    assert headers[ms.CONTENT_HASH] == base64.b64encode(hashlib.sha256(body).digest()).decode()
    assert base64.b64decode(headers[ms.CERTIFICATE]).decode() == pem
    expected = f"POST;https://localhost:8702/dip-channel/if-041;2026-11-23T10:00:00.123Z;{headers[ms.CONTENT_HASH]}"
    key.public_key().verify(base64.b64decode(headers[ms.SIGNATURE]), expected.encode(), padding.PKCS1v15(),
                            hashes.SHA256())
    report = check(body, headers)
    assert report.ok and report.computed["string_to_sign"] == expected
    assert report.describe()["result"] == "valid" and report.certificate is not None


def test_each_failure_is_named_with_what_the_sandbox_computed(signer):
    key, pem = signer
    body = b'[{"payload": {}}]'
    good = ms.sign("POST", URL, body, key, pem, NOW)
    missing = check(body, {k: v for k, v in good.items() if k != ms.SIGNATURE})
    assert missing.failure == "headers_missing" and ms.SIGNATURE in missing.message
    altered = check(body + b" ", good)
    assert altered.failure == "content_hash" and altered.computed["content_hash"] == ms.content_hash(body + b" ")
    assert altered.received[ms.CONTENT_HASH] == good[ms.CONTENT_HASH]
    assert check(body, {**good, ms.DATE: "2026-11-23T10:00:00Z"}).failure == "date_format"
    late = check(body, good, now=NOW + dt.timedelta(minutes=6), sandbox_now=NOW + dt.timedelta(days=3))
    assert late.failure == "date_skew" and "-360 s from real time" in late.message
    assert check(body, {**good, ms.CERTIFICATE: "bm90IGEgY2VydA=="}).failure == "certificate_unreadable"
    assert check(body, {**good, ms.SIGNATURE: "***"}).failure == "signature_encoding"
    other_url = check(body, good, url="https://localhost:8702/dip-channel/if-042")
    assert other_url.failure == "signature" and "if-042" in other_url.computed["string_to_sign"]


def test_date_within_skew_of_either_real_or_sandbox_time(signer):
    key, pem = signer
    body = b"[]"
    headers = ms.sign("POST", URL, body, key, pem, NOW)
    assert check(body, headers, now=NOW + dt.timedelta(hours=5), sandbox_now=NOW + dt.timedelta(seconds=200)).ok
    assert check(body, headers, now=NOW - dt.timedelta(seconds=299), sandbox_now=NOW + dt.timedelta(days=40)).ok


def test_path_only_and_default_port_variants(signer):
    key, pem = signer
    body = b"[]"
    path_signed = ms.sign("POST", "/dip-channel/IF-041", body, key, pem, NOW)
    assert check(body, path_signed).failure == "signature"
    assert check(body, path_signed, path_only=True).ok
    no_port = ms.sign("POST", "https://dip.example/dip-channel/if-041", body, key, pem, NOW)
    assert check(body, no_port, url="https://dip.example:443/dip-channel/if-041").ok


def _message(**s1_changes):
    return {"payload": {"commonblock": {
        "s0": {"interfaceID": "IF-041", "schemaVersion": "011", "eventCode": "[ReadingCOS]"},
        "S1": {"environmentTag": "UIT", "subText": None,
               "senderUniqueReference": "S-IF-041-0123456789-SUP-20261123-a1", "senderTimestamp":
                   "2026-11-23T10:00:00+00:00", "senderDIPID": "1234567890", "senderRoleID": "SUP",
               "senderCorrelationID": None, "DIPConnectionProviderID": None, **s1_changes},
        "A0": {"primaryRecipients": ["2345678901"], "secondaryRecipients": [], "always": []},
        "M0": {"MPANCore": "2000056535971", "distributorDIPID": "2509012345", "GSPGroupID": "_K"}},
        "customblock": {}}}


def test_common_blocks_are_checked_case_insensitively():
    checked = common_blocks.check_message(_message(), "if-041", "UIT")
    assert checked.problems == [] and checked.block("S0")["interfaceID"] == "IF-041"
    assert set(checked.payload) == {"CommonBlock", "CustomBlock"}


@pytest.mark.parametrize("item, interface, code, text", [
    (_message(senderUniqueReference="REF-1"), "IF-041", "MSG1001", "senderUniqueReference"),
    (_message(senderTimestamp="2026-11-23T10:00:00Z"), "IF-041", "MSG1007", "senderTimestamp"),
    (_message(senderDIPID="12345"), "IF-041", "MSG1009", "senderDIPID"),
    (_message(environmentTag="PRD"), "IF-041", "MSG1001", "this is the UIT DIP"),
    (_message(), "IF-042", "MSG1002", "does not match the channel IF-042"),
    ({"payload": {"CommonBlock": {}, "CustomBlock": []}}, "IF-041", "MSG1001", "CustomBlock is an object"),
    ("text", "IF-041", "MSG1001", "each item of the array"),
])
def test_common_block_problems_carry_their_msg_code(item, interface, code, text):
    problems = common_blocks.check_message(item, interface, "UIT").problems
    assert any(p.code == code and text in p.help for p in problems), problems


def test_recipients_the_dip_sets_are_refused_from_the_sender():
    item = _message()
    item["payload"]["commonblock"]["A0"]["always"] = ["3456789012"]
    problems = common_blocks.check_message(item, "IF-041", "UIT").problems
    assert [p.code for p in problems] == ["MSG1030"]
