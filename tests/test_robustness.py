"""Hostile input, faults and secrets, as an outside tester sends them: each through a real socket (a raw one
where the framing is the point), each answered with a clear 4xx in the API's own format — and the sandbox
still answering everything else afterwards."""
from __future__ import annotations

import base64
import datetime as dt
import json
import os
import socket
import ssl
import stat
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from mock_dip import message_signature
from tests.conftest import venv_bin
from tests.dip_helpers import DipPortal
from tests.hvca_helpers import Hvca
from tests.message_helpers import dip_client, message, onboard

DEEP = 5000


@pytest.fixture(scope="module")
def world(shared_running, tmp_path_factory):
    """One sandbox; a onboarded supplier with its message client; a complete Atlas account with its HVCA client."""
    directory = tmp_path_factory.mktemp("robustness")
    supplier = onboard(shared_running, company_name="Robust Energy Ltd", dip_ids=[{"role_code": "SUP"}])
    other = onboard(shared_running, company_name="Other Energy Ltd", dip_ids=[{"role_code": "SUP"}])
    account = requests.post(shared_running.control + "/atlas/accounts", json={}, timeout=60)
    assert account.status_code == 201, account.text
    hvca = Hvca(shared_running, account.json(), directory)
    hvca.login()
    return {"running": shared_running, "supplier": supplier, "other": other,
            "client": dip_client(shared_running, supplier, directory), "hvca": hvca, "directory": directory}


def _address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname, parts.port


def raw(url: str, request: bytes, *, tls: tuple[str, str, str] | None = None, timeout: float = 15.0) -> tuple[float, bytes]:
    """Send bytes as they are; (seconds until the connection ended, what came back)."""
    host, port = _address(url)
    started = time.monotonic()
    sock = socket.create_connection((host, port), timeout=timeout)
    if tls:
        context = ssl.create_default_context(cafile=tls[2])
        context.load_cert_chain(tls[0], tls[1])
        sock = context.wrap_socket(sock, server_hostname=host)
    try:
        sock.sendall(request)
        answer = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except (socket.timeout, ConnectionResetError):
                break
            if not chunk:
                break
            answer += chunk
            if b"\r\n\r\n" in answer and _complete(answer):
                break
    finally:
        sock.close()
    return time.monotonic() - started, answer


def _complete(answer: bytes) -> bool:
    head, _, body = answer.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":")[1])
    return False


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def body_of(answer: bytes) -> dict:
    return json.loads(answer.partition(b"\r\n\r\n")[2])


def dip_tls(world) -> tuple[str, str, str]:
    client = world["client"]
    return str(client.certificate_file), str(client.key_file), world["running"].bundle


def control(world, method: str, path: str, **kwargs) -> requests.Response:
    return requests.request(method, world["running"].control + path, timeout=30, **kwargs)


def still_answering(world) -> None:
    """Everything that reads the clock still works: the control API, the DIP API, the Atlas API."""
    assert control(world, "GET", "/clock").status_code == 200
    assert control(world, "GET", "/jobs").status_code == 200
    assert world["client"].post("/dip-channel/IF-041", [message(world["supplier"], [
        world["other"]["dip_ids"][0]["dip_id"]])]).status_code == 201
    assert world["hvca"].call("GET", "/validationpolicy").status_code == 200


# -- 1. the clock ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("path, body, field", [
    ("/clock/mode", b'{"mode": "scaled", "factor": 1e300}', "factor"),
    ("/clock/advance", b'{"seconds": 1e12}', "seconds"),
    ("/clock/advance", b'{"seconds": "99999999999999h"}', "seconds"),
    ("/clock/set", b'{"now": "9999-12-31T23:59:58Z"}', "now"),
    ("/clock/set", b'{"now": "1970-01-01T00:00:00Z"}', "now"),
])
def test_clock_values_out_of_range_are_refused_before_anything_is_saved(world, path, body, field):
    before = control(world, "GET", "/clock").json()
    answer = control(world, "POST", path, data=body, headers={"Content-Type": "application/json"})
    assert answer.status_code in (409, 422), answer.text
    error = answer.json()["error"]
    assert error["field"] == field
    if answer.status_code == 422:
        assert ("2000-01-01 and 2100-01-01" in error["message"] or "1,000,000" in error["message"]), error
    after = control(world, "GET", "/clock").json()
    assert after["mode"] == before["mode"] and after["factor"] == before["factor"]
    still_answering(world)


@pytest.mark.parametrize("constant", [b"Infinity", b"-Infinity", b"NaN"])
def test_nan_and_infinity_are_not_json(world, constant):
    answer = control(world, "POST", "/clock/advance", data=b'{"seconds": ' + constant + b"}",
                     headers={"Content-Type": "application/json"})
    assert answer.status_code == 400 and "is not JSON" in answer.json()["error"]["message"]
    still_answering(world)


# -- 2. nesting -----------------------------------------------------------------------------------------
def test_deeply_nested_json_gets_400_naming_the_limit_on_every_json_endpoint(world):
    deep = b"[" * DEEP + b"]" * DEEP
    running = world["running"]
    web = [running.control + "/clock/advance", running.endpoints["web"] + "/atlas/api/registrations",
           running.endpoints["web"] + "/dip/uit/api/sessions"]
    for url in web:
        answer = requests.post(url, data=deep, headers={"Content-Type": "application/json"}, timeout=30)
        assert answer.status_code == 400 and "64 levels" in answer.json()["error"]["message"], (url, answer.text)
    hvca = world["hvca"].call("POST", "/certificates", data=deep, headers={"Content-Type": "application/json"})
    assert hvca.status_code == 400 and "64 levels" in hvca.json()["description"], hvca.text
    assert hvca.headers["Content-Type"].startswith("application/problem+json")
    dip = world["client"].post("/dip-channel/IF-041", None, body=deep)
    assert dip.status_code == 400 and "64 levels" in json.dumps(dip.json())
    objects = b'{"a":' * DEEP + b"1" + b"}" * DEEP
    answer = requests.post(running.control + "/reset", data=objects, headers={"Content-Type": "application/json"},
                           timeout=30)
    assert answer.status_code == 400 and "64 levels" in answer.json()["error"]["message"]
    still_answering(world)


def test_bodies_over_the_limit_get_413_in_the_api_format(world):
    big = b'{"name": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    answer = requests.post(world["running"].control + "/snapshots", data=big,
                           headers={"Content-Type": "application/json"}, timeout=30)
    assert answer.status_code == 413 and "over 1,048,576 bytes" in answer.json()["error"]["message"]
    hvca = world["hvca"].call("POST", "/certificates", data=big, headers={"Content-Type": "application/json"})
    assert hvca.status_code == 413 and hvca.headers["Content-Type"].startswith("application/problem+json")
    assert "over 1,048,576 bytes" in hvca.json()["description"]


# -- 3. paging ------------------------------------------------------------------------------------------
def test_huge_page_numbers_are_refused(world):
    huge = "9223372036854775807"
    for path in ("/claims/domains", "/stats/issued", "/stats/revoked", "/stats/expiring"):
        answer = world["hvca"].call("GET", f"{path}?page={huge}")
        assert answer.status_code == 422 and "page is 1 to" in answer.json()["description"], (path, answer.text)
    journal = control(world, "GET", f"/journal?page={huge}")
    assert journal.status_code == 422 and journal.json()["error"]["field"] == "page"
    still_answering(world)


# -- 4, 5. impossible dates -----------------------------------------------------------------------------
def test_an_impossible_signature_date_is_a_signature_failure(world):
    client, other = world["client"], world["other"]
    body = json.dumps([message(world["supplier"], [other["dip_ids"][0]["dip_id"]])]).encode()
    url = client.base_url + "/dip-channel/IF-041"
    headers = message_signature.sign("POST", url, body, client.signing_key, client.signing_certificate_pem,
                                     dt.datetime.now(dt.timezone.utc))
    headers[message_signature.DATE] = "2026-02-30T10:00:00.000Z"
    answer = client.post("/dip-channel/IF-041", None, body=body, headers=headers)
    assert answer.status_code == 401, answer.text
    assert "not a time that exists" in json.dumps(answer.json())


@pytest.mark.parametrize("stamp", ["2026-02-30T10:00:00+00:00", "2026-11-30T25:00:00+00:00"])
def test_an_impossible_sender_timestamp_is_msg1007_on_send_and_validate_alike(world, stamp):
    client = world["client"]
    item = message(world["supplier"], [world["other"]["dip_ids"][0]["dip_id"]], senderTimestamp=stamp)
    sent = client.post("/dip-channel/IF-041", [item])
    assert sent.status_code == 400, sent.text
    assert any(i["message"].startswith("MSG1007") for i in sent.json()["messageArray"]), sent.text
    checked = client.post("/validate/IF-041/ReadingCOS", [item])
    assert checked.status_code == 400 and "MSG1007" in checked.json(), checked.text


# -- 6. webhook URLs ------------------------------------------------------------------------------------
@pytest.mark.parametrize("url", ["http://[::1", "http://host:99999/x", "https://exa mple.com/"])
def test_a_broken_callback_url_is_400_naming_the_field(world, url):
    supplier = world["supplier"]["dip_ids"][0]["dip_id"]
    answer = world["client"].post(f"/dip-channel/IF-041/pubconfig/{supplier}", {"callbackURL": url})
    assert answer.status_code == 400, answer.text
    assert "callbackURL" in json.dumps(answer.json())


# -- 7. common names ------------------------------------------------------------------------------------
def test_long_and_non_latin_company_names_get_a_domain_that_fits(world):
    running = world["running"]
    long_name = onboard(running, company_name="The Extraordinarily Long Named Electricity Supply Company Ltd")
    assert len(f"energydip-nonprod.sandbox.{long_name['domain']}") <= 64
    japanese = onboard(running, company_name="日本語 Ltd")
    assert japanese["domain"].startswith("org-") and ".." not in japanese["domain"]
    too_long = requests.post(running.control + "/dip/uit/organisations", timeout=30,
                             json={"company_name": "X", "domain": "a" * 40 + ".example"})
    assert too_long.status_code == 422 and "at most 64" in too_long.json()["error"]["message"]


# -- 8, 12. framing, slow and huge requests -------------------------------------------------------------
@pytest.mark.parametrize("framing, text", [
    (b"Content-Length: -1\r\n", b"whole number"),
    (b"Content-Length: 2\r\nContent-Length: 3\r\n", b"two different Content-Length"),
    (b"Content-Length: 2\r\nTransfer-Encoding: chunked\r\n", b"Transfer-Encoding together"),
])
def test_malformed_framing_is_refused_at_once_on_every_listener(world, framing, text):
    running = world["running"]
    request = b"POST /_sandbox/reset HTTP/1.1\r\nHost: sandbox\r\n" + framing + b"\r\n{}"
    seconds, answer = raw(running.endpoints["web"], request)
    assert status_of(answer) == 400 and text in answer and seconds < 2
    request = b"POST /dip-channel/IF-041 HTTP/1.1\r\nHost: sandbox\r\n" + framing + b"\r\n[]"
    seconds, answer = raw(running.endpoints["dip_api"]["uit"], request, tls=dip_tls(world))
    assert status_of(answer) == 400 and text in answer and seconds < 2


def test_a_huge_request_head_gets_431(world):
    request = b"GET /_sandbox/health HTTP/1.1\r\nHost: sandbox\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n"
    _, answer = raw(world["running"].endpoints["web"], request)
    assert status_of(answer) == 431


def test_slow_clients_cannot_starve_a_listener(start_sandbox):
    running = start_sandbox(http_head_timeout=1.0, http_threads=4)
    host, port = _address(running.endpoints["web"])
    drips = []
    for _ in range(12):  # three times the worker threads, each dripping its head
        sock = socket.create_connection((host, port))
        sock.sendall(b"GET /_sandbox/health HTTP/1.1\r\n")
        drips.append(sock)
    started = time.monotonic()
    for _ in range(6):
        for sock in drips:
            try:
                sock.sendall(b"X")
            except OSError:
                pass
        time.sleep(0.2)
    answer = requests.get(running.control + "/health", timeout=10)
    assert answer.status_code == 200 and time.monotonic() - started < 6
    timed_out = []
    for sock in drips:
        sock.settimeout(5)
        try:
            timed_out.append(sock.recv(200).startswith(b"HTTP/1.1 408"))
        except OSError:
            timed_out.append(True)  # dropped after its 408 was sent and the connection reset
        sock.close()
    assert all(timed_out)


# -- 9. CSRF --------------------------------------------------------------------------------------------
def test_cookie_calls_from_another_origin_are_refused(world):
    running = world["running"]
    admin = world["supplier"]["members"][0]
    portal = DipPortal(running)
    portal.first_sign_in(admin["email"], admin["password"])
    del portal.session.headers["Authorization"]
    dip_id = world["supplier"]["dip_ids"][0]["dip_id"]
    path = f"/dip-ids/{dip_id}/api-keys/secondary/regenerate"
    forged = portal.call("POST", path, data="", headers={"Origin": "http://127.0.0.1:9",
                                                         "Content-Type": "application/x-www-form-urlencoded"})
    assert forged.status_code == 403 and "cross-site request forgery" in forged.json()["error"]["message"]
    no_origin = portal.call("POST", path)
    assert no_origin.status_code == 403 and "Origin or Referer" in no_origin.json()["error"]["message"]
    own = portal.call("POST", path, headers={"Origin": running.endpoints["web"]})
    assert own.status_code == 200, own.text
    reset = requests.post(running.control + "/dns/servfail", data="name=x.example", timeout=10,
                          headers={"Origin": "http://localhost:9", "Content-Type": "application/x-www-form-urlencoded"})
    assert reset.status_code == 403
    fetch = requests.post(running.control + "/dns/servfail", json={"name": "x.example"}, timeout=10,
                          headers={"Sec-Fetch-Site": "same-site"})
    assert fetch.status_code == 403
    assert requests.delete(running.control + "/dns/servfail/x.example", timeout=10).status_code in (204, 404)


def test_a_form_body_is_not_an_empty_json_object(world):
    answer = control(world, "POST", "/reset", data="", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 400 and "application/json" in answer.json()["error"]["message"]


# -- 10, 13. the control token -------------------------------------------------------------------------
def test_the_console_keeps_no_control_token_in_its_cookie_and_the_docs_need_it(start_sandbox):
    import re
    running = start_sandbox(control_token="tok-0123456789-secret")
    web = running.endpoints["web"]
    for path in ("/_sandbox/openapi.json", "/_sandbox/docs"):
        assert requests.get(web + path, timeout=10).status_code == 401
        assert requests.get(web + path, headers={"Authorization": "Bearer tok-0123456789-secret"},
                            timeout=10).status_code == 200
    browser = requests.Session()
    form = browser.get(web + "/console/", timeout=10)
    assert form.status_code == 401
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    wrong = browser.post(web + "/console/token", data={"token": "nope", "csrf_token": csrf}, timeout=10)
    assert wrong.status_code == 401 and "not the control token" in wrong.text
    signed = browser.post(web + "/console/token", data={"token": "tok-0123456789-secret", "csrf_token": csrf},
                          timeout=10)
    assert signed.status_code == 200 and "Control token" not in signed.text
    cookie = browser.cookies.get("session")
    payload = cookie.split(".")[0]
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    assert b"tok-0123456789" not in decoded and b"tok-0123456789" not in cookie.encode()
    assert browser.get(web + "/_sandbox/docs", timeout=10).status_code == 200  # the console session opens the docs


def test_console_redirects_stay_on_this_server(world):
    import re
    running = world["running"]
    browser = requests.Session()
    page = browser.get(running.endpoints["web"] + "/console/", timeout=10)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        answer = browser.post(running.endpoints["web"] + "/console/clock/advance", allow_redirects=False, timeout=10,
                              data={"duration": "0s", "back": target, "csrf_token": csrf})
        assert answer.status_code == 302 and answer.headers["Location"].endswith("/console/"), answer.headers


# -- 11. file modes -------------------------------------------------------------------------------------
def test_the_data_directory_is_private(start_sandbox, tmp_path):
    running = start_sandbox(tmp_path / "private")
    assert requests.post(running.control + "/snapshots", json={"name": "modes"}, timeout=30).status_code == 201
    data = Path(running.endpoints["data_dir"])
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    loose = [str(path) for path in data.rglob("*")
             if path.is_file() and stat.S_IMODE(path.stat().st_mode) & 0o077]
    assert not loose, loose
    password = running.sandbox.dip_manager_credentials()["password"]
    assert password not in (data / "sandbox.db").read_bytes().decode("latin-1")
    assert password not in (data / "snapshots" / "modes.db").read_bytes().decode("latin-1")


# -- 14, 15. content types and duplicate credentials ----------------------------------------------------
@pytest.mark.parametrize("content_type, encode", [
    ("text/plain", lambda text: text.encode()),
    ("application/x-www-form-urlencoded", lambda text: text.encode()),
    (None, lambda text: text.encode()),
    ("application/json", lambda text: text.encode("utf-16")),
    ("application/json", lambda text: b"\xef\xbb\xbf" + text.encode()),
    ("application/json; charset=latin-1", lambda text: text.encode()),
])
def test_the_message_api_takes_utf8_json_only(world, content_type, encode):
    client = world["client"]
    body = encode(json.dumps([message(world["supplier"], [world["other"]["dip_ids"][0]["dip_id"]])]))
    headers = {"Content-Type": content_type} if content_type else {"Content-Type": ""}
    answer = client.post("/dip-channel/IF-041", None, body=body, headers=headers)
    assert answer.status_code == 400, (content_type, answer.text)
    assert answer.json()["messageArray"][0]["message"].startswith("MSG1")


def test_duplicate_credential_headers_are_refused(world):
    client = world["client"]
    body = json.dumps([message(world["supplier"], [world["other"]["dip_ids"][0]["dip_id"]])]).encode()
    url = client.base_url + "/dip-channel/IF-041"
    signed = message_signature.sign("POST", url, body, client.signing_key, client.signing_certificate_pem,
                                    dt.datetime.now(dt.timezone.utc))
    lines = [b"POST /dip-channel/IF-041 HTTP/1.1", b"Host: " + urlsplit(url).netloc.encode(),
             b"Content-Type: application/json", b"Content-Length: " + str(len(body)).encode(),
             b"X-API-Key: " + world["other"]["dip_ids"][0]["api_key"].encode(),
             b"X-API-Key: " + client.api_key.encode(), b"Connection: close"]
    lines += [f"{name}: {value}".encode() for name, value in signed.items()]
    _, answer = raw(client.base_url, b"\r\n".join(lines) + b"\r\n\r\n" + body, tls=dip_tls(world))
    assert status_of(answer) == 400 and b"X-API-Key header came more than once" in answer
    _, web = raw(world["running"].endpoints["web"], b"GET /dip/uit/api/me HTTP/1.1\r\nHost: x\r\n"
                 b"Authorization: Bearer a\r\nAuthorization: Bearer b\r\nConnection: close\r\n\r\n")
    assert status_of(web) == 400 and body_of(web)["error"]["status"] == 400


# -- 16. Allow ------------------------------------------------------------------------------------------
def test_405_carries_allow(world):
    answer = control(world, "PUT", "/clock")
    assert answer.status_code == 405 and "GET" in answer.headers["Allow"]
    dip = world["client"].post("/dip-channel/IF-041", None, method="PUT", body=b"[]")
    assert dip.status_code == 405 and "POST" in dip.headers["Allow"]
    hvca = world["hvca"].call("PUT", "/login")
    assert hvca.status_code == 405 and "POST" in hvca.headers["Allow"]


# -- 17, 18. unknown keys, hints ------------------------------------------------------------------------
def test_unknown_keys_are_refused_with_the_intended_one(world):
    running = world["running"]
    answer = control(world, "POST", "/dip/uit/organisations", json={"company_name": "X", "dip_ids": [{"role": "LDSO"}]})
    assert answer.status_code == 400, answer.text
    assert "unknown field 'role' in dip_ids[0]: did you mean 'role_code'?" in answer.json()["error"]["message"]
    account = world["hvca"].account["account_id"]
    wait = control(world, "POST", f"/atlas/accounts/{account}/complete-now", json={"wiat": "vetting"})
    assert wait.status_code == 400 and "did you mean 'wait'?" in wait.json()["error"]["message"]
    faults = control(world, "POST", "/atlas/faults", json={"rate429": 1})
    assert faults.status_code == 400 and "unknown field 'rate429'" in faults.json()["error"]["message"]
    portal = requests.post(running.endpoints["web"] + "/dip/uit/api/sessions", timeout=10,
                           json={"email": "a@b.example", "pasword": "x"})
    assert portal.status_code == 400 and "did you mean 'password'?" in portal.json()["error"]["message"]


def test_each_endpoint_has_its_own_example(world):
    advance = control(world, "POST", "/clock/advance", json={"seconds": True}).json()["error"]["message"]
    dns = control(world, "POST", "/dns/records", json={"name": 5}).json()["error"]["message"]
    assert '"seconds"' in advance and '"seconds"' not in dns and '"type": "TXT"' in dns


def test_replay_with_another_participants_key_names_replay(world):
    other = world["other"]["dip_ids"][0]["dip_id"]
    answer = world["client"].post(f"/dip-channel/IF-041/replay/{other}", {"datetimeFrom": "2026-01-01T00:00:00Z"})
    text = json.dumps(answer.json())
    assert answer.status_code in (401, 403) and "replaying the messages of" in text and "webhook" not in text


def test_the_journal_keeps_non_ascii_paths_as_sent(world):
    requests.get(world["running"].control + "/caf%C3%A9-%E6%97%A5", timeout=10)
    entries = control(world, "GET", "/journal", params={"path": "café"}).json()["entries"]
    assert entries and entries[0]["path"].endswith("/café-日")


# -- 19. a busy port ------------------------------------------------------------------------------------
def test_serve_on_a_busy_port_says_so_in_one_line(tmp_path, ca_dir):
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen()
    busy = blocker.getsockname()[1]
    free = []
    for _ in range(4):
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        free.append(probe.getsockname()[1])
        probe.close()
    try:
        result = subprocess.run(
            [venv_bin("dip-sandbox"), "serve", "--data-dir", str(tmp_path / "d"), "--ca-dir", str(ca_dir),
             "--web-port", str(free[0]), "--atlas-port", str(busy), "--dip-uit-port", str(free[1]),
             "--dip-prod-port", str(free[2]), "--dns-port", str(free[3])],
            capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    finally:
        blocker.close()
    output = (result.stdout + result.stderr).strip()
    assert result.returncode != 0
    assert "Traceback" not in output and len(output.splitlines()) == 1, output
    assert f"127.0.0.1:{busy}" in output and "--atlas-port" in output and "--ephemeral-ports" in output
    with socket.socket() as check:  # the web listener bound before the failure was closed again
        check.bind(("127.0.0.1", free[0]))


# -- 20. a reset while a job runs -----------------------------------------------------------------------
def test_a_reset_while_a_job_runs_waits_for_it_and_logs_no_failure(start_sandbox, caplog):
    import logging
    import threading
    running = start_sandbox(clock_mode="manual")
    scheduler = running.sandbox.scheduler
    started, ran = threading.Event(), []

    def slow(payload):
        started.set()
        time.sleep(0.5)
        ran.append(payload)

    scheduler.register("robustness_slow", slow)
    scheduler.schedule("robustness_slow", running.sandbox.clock.now(), {"n": 1})
    advancing = threading.Thread(target=lambda: requests.post(running.control + "/clock/advance",
                                                              json={"seconds": 1}, timeout=30))
    with caplog.at_level(logging.INFO, logger="sandbox.kernel.scheduler"):
        advancing.start()
        assert started.wait(10)
        reset = requests.post(running.control + "/reset", json={}, timeout=30)
        advancing.join(30)
    assert reset.status_code == 200 and ran == [{"n": 1}]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], [r.getMessage() for r in caplog.records]
    assert requests.get(running.control + "/jobs", timeout=10).json()["jobs"] == []

