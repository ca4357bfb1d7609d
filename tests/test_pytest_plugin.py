"""The pytest plugin as another project uses it (a child pytest running the example of docs/pytest-plugin.md, in-process and as
subprocesses, and in parallel under pytest-xdist), and the fixture's helper API, each part through real sockets."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import requests

from sandbox.kernel.dns_server import query_txt
from sandbox.harness.handle import ControlError
from tests.documented_examples import documented_example


@pytest.fixture(scope="module")
def plugin_cache(tmp_path_factory) -> Path:
    """CA material and scenario keys shared by the child test sessions of this module (as a CI cache would)."""
    return tmp_path_factory.mktemp("plugin-cache")


# The other project has dip-sandbox (and pytest-xdist); the plugins this repository's own tests use besides are
# not its plugins, and schemathesis' and hypothesis' would add 2.5 s of imports to every child process.
OTHER_PLUGINS_OFF = ("-p", "no:schemathesis", "-p", "no:hypothesispytest", "-p", "no:anyio")


def _child_pytest(directory: Path, cache: Path | None, *args: str, env: dict | None = None
                  ) -> subprocess.CompletedProcess:
    """A pytest session of another project in `directory`; `cache` is its --dip-sandbox-cache (None: the default)."""
    options = [f"--dip-sandbox-cache={cache}"] if cache is not None else []
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
                           *OTHER_PLUGINS_OFF, *options, *args], cwd=directory, capture_output=True, text=True,
                          timeout=300, env=env or {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})


@pytest.mark.parametrize("mode", ["inprocess", "subprocess"])
def test_the_documented_example_passes_in_another_project(tmp_path, plugin_cache, mode):
    (tmp_path / "test_dip_client.py").write_text(documented_example("pytest"))
    result = _child_pytest(tmp_path, plugin_cache, f"--dip-sandbox-mode={mode}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


@pytest.mark.parametrize("example", ["revoke", "journal", "delivery", "own-webhook"])
def test_the_harness_examples_pass_in_another_project(tmp_path, plugin_cache, example):
    """Issue 18: revoke a certificate and issue another in one call each (item 1); verify what a listener
    received, with the near misses (item 4); wait for a delivery, told why it does not come (item 3); an own
    HTTPS webhook with the harness's certificates (item 7) — from a separate project, as docs/pytest-plugin.md shows them."""
    (tmp_path / f"test_{example.replace('-', '_')}.py").write_text(documented_example(example))
    result = _child_pytest(tmp_path, plugin_cache)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_the_harness_examples_pass_together_under_xdist(tmp_path, plugin_cache):
    for example in ("revoke", "journal", "delivery", "own-webhook"):
        (tmp_path / f"test_{example.replace('-', '_')}.py").write_text(documented_example(example))
    result = _child_pytest(tmp_path, plugin_cache, "-n", "4")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 passed" in result.stdout


def test_the_example_fails_when_the_client_is_wrong(tmp_path, plugin_cache):
    """The example asserts something: a message to an unknown DIP ID is refused and the test says so."""
    broken = documented_example("pytest").replace('"primaryRecipients": [recipient.dip_id.dip_id]',
                                              '"primaryRecipients": ["0000000000"]')
    (tmp_path / "test_dip_client.py").write_text(broken)
    result = _child_pytest(tmp_path, plugin_cache)
    assert result.returncode == 1 and "1 failed" in result.stdout, result.stdout


PARALLEL = '''
import json, os, pytest

@pytest.mark.parametrize("n", range(4))
def test_own_sandbox(dip_sandbox, n, tmp_path_factory):
    world = dip_sandbox.load_scenario("uit-onboarded")
    participant = world.organisation("uit", "participant")
    assert participant.client().post("/_sandbox/echo", {"n": n}).status_code == 201
    dip_sandbox.dns.set_txt(f"probe{n}.example", f"worker-{n}")
    record = {"n": n, "worker": os.environ.get("PYTEST_XDIST_WORKER"), "web": dip_sandbox.endpoints.web,
              "records": [r["value"] for r in dip_sandbox.dns.records()]}
    out = tmp_path_factory.getbasetemp().parent.parent / "parallel-results"
    out.mkdir(exist_ok=True)
    (out / f"{n}.json").write_text(json.dumps(record))
'''


def test_four_sandboxes_in_parallel_under_xdist(tmp_path, plugin_cache):
    project = tmp_path / "project"
    project.mkdir()
    (project / "test_parallel.py").write_text(PARALLEL)
    (tmp_path / "base").mkdir()
    result = _child_pytest(project, plugin_cache, "-n", "4", f"--basetemp={tmp_path / 'base' / 'run'}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 passed" in result.stdout
    records = [json.loads(p.read_text()) for p in sorted((tmp_path / "base" / "parallel-results").glob("*.json"))]
    assert len(records) == 4
    assert len({r["worker"] for r in records}) == 4  # four workers ...
    assert len({r["web"] for r in records}) == 4  # ... four sandboxes
    for record in records:  # each saw only its own state
        assert record["records"] == [f"worker-{record['n']}"]


def test_clock_dns_mail_and_journal_helpers(dip_sandbox):
    start = dip_sandbox.clock.now()
    assert dip_sandbox.clock.advance("2h") - start == timedelta(hours=2)
    assert dip_sandbox.clock.advance(timedelta(minutes=30)) - start == timedelta(hours=2, minutes=30)

    dip_sandbox.dns.set_txt("_check.fixture.example", "token-123")
    endpoints = dip_sandbox.endpoints
    assert query_txt(endpoints.dns_host, endpoints.dns_port, "_check.fixture.example") == ["token-123"]

    account = dip_sandbox.atlas.create_account(company_name="Fixture Energy Limited", email="ops@fixture.example")
    welcome = dip_sandbox.mail.wait_for(to="ops@fixture.example")
    assert welcome.to == "ops@fixture.example" and welcome.subject
    with pytest.raises(AssertionError, match="no email to nobody@fixture.example"):
        dip_sandbox.mail.wait_for(to="nobody@fixture.example", timeout=0.2)

    # the account's files work against the Atlas API listener: mTLS + API key and secret
    login = requests.post(endpoints.atlas_api + "/login", json={"api_key": account.api_key,
                                                                "api_secret": account.api_secret},
                          cert=(str(account.client_certificate_file), str(account.client_key_file)),
                          verify=str(dip_sandbox.ca_bundle), timeout=30)
    assert login.status_code == 200 and login.json()["access_token"]
    assert dip_sandbox.atlas.expire_tokens() == 1  # a client's re-login path, on purpose
    ended = requests.get(endpoints.atlas_api + "/quotas/issuance",
                         headers={"Authorization": f"Bearer {login.json()['access_token']}"},
                         cert=(str(account.client_certificate_file), str(account.client_key_file)),
                         verify=str(dip_sandbox.ca_bundle), timeout=30)
    assert ended.status_code == 401 and "log in again" in ended.json()["description"]
    entry = dip_sandbox.journal.wait_for(listener="atlas", path="/v2/login", status=200)
    assert entry["method"] == "POST"
    with pytest.raises(AssertionError, match="no journal entry"):
        dip_sandbox.journal.wait_for(listener="atlas", path="/v2/never", timeout=0.2)


def test_onboarding_webhook_receiver_and_snapshots(dip_sandbox):
    receiver = dip_sandbox.webhook_receiver("uit")
    receiver.statuses.append(503)  # the first delivery is refused: the DIP retries
    sender = dip_sandbox.dip.onboard_organisation("uit", roles=["SUP"])
    recipient = dip_sandbox.dip.onboard_organisation("uit", roles=["SDS"], webhook=receiver.url)
    assert recipient.pfx_file.read_bytes()[:1] == b"0" and recipient.chain_file.read_text().startswith("-----BEGIN")
    assert dip_sandbox.snapshot("before-sending")["name"] == "before-sending"

    message = {"payload": {"CommonBlock": {
        "S0": {"interfaceID": "IF-041", "schemaVersion": "011", "eventCode": "[ReadingCOS]"},
        "S1": {"environmentTag": "UIT", "subText": None, "senderUniqueReference": "S-IF-041-0123456789-SUP-20261123-f1",
               "senderTimestamp": dip_sandbox.clock.now().strftime("%Y-%m-%dT%H:%M:%S+00:00"),
               "senderDIPID": sender.dip_id.dip_id, "senderRoleID": "SUP", "senderCorrelationID": None,
               "DIPConnectionProviderID": None},
        "A0": {"primaryRecipients": [recipient.dip_id.dip_id], "secondaryRecipients": [], "always": []}},
        "CustomBlock": {"B900": {"reading": "1"}}}}
    sent = sender.client().send("IF-041", message)
    assert sent.status_code == 201, sent.text
    [refused] = receiver.wait_for_deliveries(1)
    assert refused.status == 503 and receiver.messages == []
    # the DIP has settled the attempt (Retrying, next attempt 30 s on) once its journal entry is there
    dip_sandbox.journal.wait_for(listener="dip_uit_webhooks", status=503)
    dip_sandbox.clock.advance("5m")  # past the first back-off: the retry is delivered
    [delivered] = receiver.wait_for(1)
    assert [d.status for d in receiver.deliveries] == [503, 201]
    assert all(d.signature_valid for d in receiver.deliveries)
    assert delivered["payload"]["CommonBlock"]["S1"]["senderUniqueReference"] == "S-IF-041-0123456789-SUP-20261123-f1"
    assert receiver.deliveries[0].client_certificate  # the DIP presented its client certificate

    dip_sandbox.restore("before-sending")
    again = sender.client().send("IF-041", message)  # the reference is free again: the message was never sent
    assert again.status_code == 201, again.text
    with pytest.raises(ControlError, match="no snapshot named 'nope'"):
        dip_sandbox.restore("nope")


def test_the_session_fixture_is_shared(dip_sandbox_session, request):
    first = dip_sandbox_session.load_scenario("atlas-vetted")
    assert first.atlas is not None and first.organisations == {}
    assert request.getfixturevalue("dip_sandbox_session") is dip_sandbox_session


def test_a_scenario_organisation_is_found_by_role_code_too(dip_sandbox):
    world = dip_sandbox.load_scenario("uit-onboarded")
    participant = world.organisation("uit", "participant")
    assert world.organisation("uit", participant.dip_id.role) is participant
    with pytest.raises(KeyError, match=r"has no REGS in uit; it has uit/participant \("):
        world.organisation("uit", "REGS")


@pytest.mark.dip_sandbox(profile="training", seed=99)
def test_a_marker_sets_the_settings(dip_sandbox):
    health = dip_sandbox.control("GET", "/health")
    assert health["profile"] == "training"


def test_the_default_cache_outlives_the_run_under_xdist(tmp_path):
    """Issue 18, item 6: without --dip-sandbox-cache the CA material lands in the user cache directory, made by the
    first `-n 2` run and reused by the second (pytest's own temporary directories are per run under xdist)."""
    (tmp_path / "test_two.py").write_text(
        "import pytest\n\n@pytest.mark.parametrize('n', range(2))\n"
        "def test_starts(dip_sandbox, n):\n    assert dip_sandbox.clock.now()\n")
    cache_home = tmp_path / "xdg-cache"
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "XDG_CACHE_HOME": str(cache_home)}
    env.pop("DIP_SANDBOX_CACHE", None)

    def run():
        done = _child_pytest(tmp_path, None, "-n", "2", env=env)
        assert done.returncode == 0, done.stdout + done.stderr
    run()
    keys = sorted((cache_home / "dip-sandbox" / "ca").glob("*.key"))
    assert keys, "no CA material in the user cache directory"
    made = {key: key.stat().st_mtime_ns for key in keys}
    run()
    assert {key: key.stat().st_mtime_ns for key in keys} == made  # reused, not made again


def test_a_failing_test_reports_the_journal_and_outbox(tmp_path, plugin_cache):
    """Issue 18, item 5: the report of a failing test has the sandbox's journal and outbox as sections."""
    (tmp_path / "test_fails.py").write_text(
        "def test_fails(dip_sandbox):\n"
        "    dip_sandbox.atlas.create_account(company_name='Report Energy')\n"
        "    assert False, 'the client did something wrong'\n")
    result = _child_pytest(tmp_path, plugin_cache, "-rA")
    assert result.returncode == 1
    out = result.stdout
    assert "dip_sandbox: journal (newest 50)" in out and "POST   201 /_sandbox/atlas/accounts" in out, out
    assert "dip_sandbox: outbox (newest 50)" in out and "New User Registration" in out, out
