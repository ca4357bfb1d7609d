"""Property: whatever JSON, headers or clock values a client sends, no listener answers 5xx, and the sandbox
keeps answering afterwards (hypothesis; bounded by NEVER_5XX_EXAMPLES, default 40 per property)."""
from __future__ import annotations

import json
import os

import pytest
import requests
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.hvca_helpers import Hvca
from tests.message_helpers import dip_client, onboard

EXAMPLES = int(os.environ.get("NEVER_5XX_EXAMPLES", "40"))
PROPERTY = settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-2 ** 70, max_value=2 ** 70)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20)
HEADER_NAMES = st.sampled_from(["Content-Type", "Content-Length", "Origin", "Referer", "Authorization", "X-API-Key",
                                "X-DIP-Signature-Date", "X-DIP-Signature", "X-DIP-Context", "Sec-Fetch-Site",
                                "Accept", "Cookie", "Transfer-Encoding", "X-Anything"])
HEADER_VALUES = st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=40)
CLOCK_VALUES = (st.floats(allow_nan=True, allow_infinity=True) | st.integers(min_value=-2 ** 80, max_value=2 ** 80)
                | st.text(max_size=25) | st.none() | st.booleans())


@pytest.fixture(scope="module")
def targets(shared_running, tmp_path_factory):
    directory = tmp_path_factory.mktemp("never-5xx")
    supplier = onboard(shared_running, company_name="Property Energy Ltd")
    account = requests.post(shared_running.control + "/atlas/accounts", json={}, timeout=60).json()
    hvca = Hvca(shared_running, account, directory)
    hvca.login()
    return shared_running, dip_client(shared_running, supplier, directory), hvca


def _web_paths(running):
    web = running.endpoints["web"]
    return [running.control + "/clock/advance", running.control + "/clock/mode", running.control + "/dns/records",
            running.control + "/dip/uit/organisations", web + "/atlas/api/registrations", web + "/dip/uit/api/sessions",
            web + "/dip/prod/api/members"]


def _healthy(running, client, hvca) -> None:
    assert requests.get(running.control + "/clock", timeout=10).status_code == 200
    assert client.post("/_sandbox/echo", {"ok": 1}).status_code == 201
    assert hvca.call("GET", "/validationpolicy").status_code == 200


def test_random_json_never_gets_a_server_error(targets):
    running, client, hvca = targets
    paths = _web_paths(running)

    @PROPERTY
    @given(value=JSON, which=st.integers(min_value=0, max_value=len(paths) + 2))
    def post(value, which):
        body = json.dumps(value, allow_nan=True).encode()
        if which < len(paths):
            answer = requests.post(paths[which], data=body, headers={"Content-Type": "application/json"}, timeout=60)
        elif which == len(paths):
            answer = client.post("/dip-channel/IF-041", None, body=body)
        elif which == len(paths) + 1:
            answer = client.post("/validate/IF-041/ReadingCOS", None, body=body)
        else:
            answer = hvca.call("POST", "/certificates", data=body, headers={"Content-Type": "application/json"})
        assert answer.status_code < 500, (which, value, answer.text)

    post()
    _healthy(running, client, hvca)


def test_random_headers_never_get_a_server_error(targets):
    running, client, hvca = targets
    paths = _web_paths(running)

    @PROPERTY
    @given(headers=st.dictionaries(HEADER_NAMES, HEADER_VALUES, max_size=5),
           which=st.integers(min_value=0, max_value=len(paths)))
    def send(headers, which):
        headers = {name: value for name, value in headers.items() if name not in ("Content-Length", "Transfer-Encoding")
                   or value.strip().isdigit()}
        try:
            if which < len(paths):
                answer = requests.post(paths[which], data=b"{}", headers=headers, timeout=60)
            else:
                answer = client.post("/dip-channel/IF-041", [], headers=headers)
        except (requests.exceptions.ConnectionError, UnicodeEncodeError, ValueError):
            return  # a header requests itself cannot send, or a framing the listener refused by closing
        assert answer.status_code < 500, (which, headers, answer.text)

    send()
    _healthy(running, client, hvca)


def test_random_clock_values_never_break_the_clock(targets):
    running, client, hvca = targets

    @PROPERTY
    @given(path=st.sampled_from(["/clock/advance", "/clock/mode", "/clock/set"]), value=CLOCK_VALUES)
    def move(path, value):
        body = {"/clock/advance": {"seconds": value}, "/clock/mode": {"mode": "scaled", "factor": value},
                "/clock/set": {"now": value}}[path]
        answer = requests.post(running.control + path, data=json.dumps(body, allow_nan=True),
                               headers={"Content-Type": "application/json"}, timeout=60)
        assert answer.status_code < 500, (path, value, answer.text)
        assert requests.get(running.control + "/clock", timeout=10).status_code == 200

    move()
    requests.post(running.control + "/clock/mode", json={"mode": "manual"}, timeout=10)
    # sandbox time may now be years ahead, past every certificate's notAfter: a 401 is a right answer then
    for path in ("/health", "/jobs", "/journal", "/mail"):
        assert requests.get(running.control + path, timeout=10).status_code == 200, path
    assert client.post("/_sandbox/echo", {"ok": 1}).status_code in (201, 401)
    assert hvca.call("GET", "/validationpolicy").status_code in (200, 401)
