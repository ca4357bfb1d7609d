"""`dip-sandbox serve` as a user runs it: a child process, its endpoints file, restart, signals, the CLI."""
import json
import os
import signal
import subprocess
import threading
import time

import pytest
import requests
from dnslib import DNSRecord

from sandbox.kernel.http_server import HttpListener
from tests.conftest import start_process, venv_bin


@pytest.fixture
def serve(tmp_path, ca_dir):
    processes = []

    def start(*args, data_dir=None, env=None):
        base = ["--ephemeral-ports", "--ca-dir", str(ca_dir)]
        if data_dir is not None:
            base += ["--data-dir", str(data_dir)]
        process, endpoints = start_process(base + list(args), tmp_path / f"endpoints{len(processes)}.json", env=env)
        processes.append(process)
        return process, endpoints

    yield start
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait()


def stop(process, signum=signal.SIGTERM) -> tuple[int, str]:
    process.send_signal(signum)
    out, _ = process.communicate(timeout=30)
    return process.returncode, out


def test_endpoints_file_has_the_documented_shape(serve, tmp_path):
    process, endpoints = serve(data_dir=tmp_path / "d")
    assert set(endpoints) >= {"web", "control", "atlas_api", "dip_api", "dns", "ca_bundle"}
    assert endpoints["web"].startswith("http://127.0.0.1:")
    assert endpoints["control"] == endpoints["web"] + "/_sandbox"
    assert endpoints["atlas_api"].startswith("https://127.0.0.1:") and endpoints["atlas_api"].endswith("/v2")
    assert set(endpoints["dip_api"]) == {"uit", "prod"}
    assert all(url.startswith("https://127.0.0.1:") for url in endpoints["dip_api"].values())
    assert endpoints["dns"]["host"] == "127.0.0.1" and isinstance(endpoints["dns"]["port"], int)
    assert os.path.isabs(endpoints["ca_bundle"]) and os.path.exists(endpoints["ca_bundle"])
    ports = {endpoints["web"], endpoints["atlas_api"], *endpoints["dip_api"].values()}
    assert len({url.rsplit(":", 1)[1].split("/")[0] for url in ports}) == 4
    assert requests.get(endpoints["control"] + "/health", timeout=5).json()["status"] == "ok"
    assert requests.get(endpoints["control"] + "/endpoints", timeout=5).json() == endpoints
    code, out = stop(process)
    assert code == 0
    assert "dip-sandbox is running" in out and endpoints["atlas_api"] in out
    assert f"{endpoints['web']}/console/" in out and f"{endpoints['web']}/dip/uit/" in out  # the pages, for a person
    assert "DIP Manager       dip.manager@dip-sandbox.example / Dm-" in out  # the generated password, printed


def test_restart_resumes_everything(serve, tmp_path):
    data = tmp_path / "data"
    process, endpoints = serve(data_dir=data)
    control = endpoints["control"]
    requests.post(control + "/clock/mode", json={"mode": "manual"}, timeout=5)
    requests.post(control + "/clock/advance", json={"seconds": "72h"}, timeout=5)
    record = requests.post(control + "/dns/records", json={"name": "keep.example.com", "type": "TXT",
                                                           "value": "still-here"}, timeout=5).json()
    requests.post(control + "/snapshots", json={"name": "day3"}, timeout=5)
    clock_before = requests.get(control + "/clock", timeout=5).json()
    assert stop(process)[0] == 0
    assert not (data / "sandbox.db-wal").exists() or (data / "sandbox.db-wal").stat().st_size == 0

    process, endpoints = serve(data_dir=data)
    control = endpoints["control"]
    assert requests.get(control + "/clock", timeout=5).json() == clock_before
    records = requests.get(control + "/dns/records", timeout=5).json()["records"]
    assert [r["id"] for r in records] == [record["id"]]
    assert [s["name"] for s in requests.get(control + "/snapshots", timeout=5).json()["snapshots"]] == ["day3"]
    requests.post(control + "/clock/advance", json={"seconds": 3600}, timeout=5)
    dns = endpoints["dns"]
    reply = DNSRecord.parse(DNSRecord.question("keep.example.com", "TXT").send(dns["host"], dns["port"], timeout=3))
    assert [str(r.rdata) for r in reply.rr] == ['"still-here"']
    journal = requests.get(control + "/journal", params={"path": "/dns/records", "method": "POST"}, timeout=5).json()
    assert journal["total"] == 1  # the first run's request is still in the journal
    assert stop(process, signal.SIGINT)[0] == 0


def test_ephemeral_data_dir_is_removed_at_exit(serve):
    process, endpoints = serve("--ephemeral")
    data_dir = endpoints["data_dir"]
    assert os.path.isdir(data_dir)
    assert stop(process)[0] == 0
    assert not os.path.exists(data_dir)


def test_settings_from_environment_reach_serve(serve, tmp_path):
    process, endpoints = serve(data_dir=tmp_path / "d", env={"DIP_SANDBOX_PROFILE": "instant"})
    assert requests.get(endpoints["control"] + "/health", timeout=5).json()["profile"] == "instant"
    assert stop(process)[0] == 0


def test_bad_setting_exits_with_a_usage_error(tmp_path):
    result = subprocess.run([venv_bin("dip-sandbox"), "serve", "--profile", "warp", "--data-dir", str(tmp_path)],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "profile" in result.stderr and "realistic, training, instant" in result.stderr


def test_cli_drives_a_running_sandbox(serve, tmp_path):
    process, endpoints = serve(data_dir=tmp_path / "d", env={"DIP_SANDBOX_PROFILE": "instant"})
    env = {**os.environ, "DIP_SANDBOX_CONTROL_URL": endpoints["control"]}

    def cli(*args):
        result = subprocess.run([venv_bin("dip-sandbox"), *args], capture_output=True, text=True, env=env, timeout=30)
        assert result.returncode == 0, result.stderr
        return result.stdout

    cli("clock", "mode", "manual")
    before = json.loads(cli("clock", "now"))["now"]
    after = json.loads(cli("clock", "advance", "72h"))
    from sandbox.kernel.clock import parse_iso
    assert (parse_iso(after["now"]) - parse_iso(before)).total_seconds() == 72 * 3600
    added = json.loads(cli("dns", "set-txt", "cli.example.com", "tok-123"))
    assert added["type"] == "TXT" and added["value"] == "tok-123"
    listed = json.loads(cli("dns", "list", "--name", "cli.example.com"))["records"]
    assert [r["id"] for r in listed] == [added["id"]]
    assert json.loads(cli("mail", "list"))["emails"] == []
    assert json.loads(cli("snapshot", "save", "cli-snap"))["name"] == "cli-snap"
    assert [s["name"] for s in json.loads(cli("snapshot", "list"))["snapshots"]] == ["cli-snap"]
    assert cli("ca", "bundle").count("BEGIN CERTIFICATE") == 3
    assert json.loads(cli("state", "health"))["status"] == "ok"
    journal = json.loads(cli("state", "journal", "--listener", "web", "--per-page", "1"))
    assert len(journal["entries"]) == 1
    # the same via --endpoints-file, and a clear error for bad input
    ep = tmp_path / "endpoints0.json"
    out = subprocess.run([venv_bin("dip-sandbox"), "clock", "--endpoints-file", str(ep), "advance", "soon"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 1 and "422" in out.stderr and "is not a duration" in out.stderr
    assert stop(process)[0] == 0


def test_cli_says_when_no_sandbox_answers():
    result = subprocess.run([venv_bin("dip-sandbox"), "clock", "--control", "http://127.0.0.1:9/_sandbox", "now"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 1 and "no sandbox answers at http://127.0.0.1:9/_sandbox" in result.stderr


def test_stop_lets_in_flight_requests_finish():
    started = threading.Event()

    def slow_app(environ, start_response):
        started.set()
        time.sleep(1.0)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"finished"]

    listener = HttpListener("slow", slow_app, "127.0.0.1", 0, shutdown_timeout=5)
    listener.start()
    result = {}
    client = threading.Thread(target=lambda: result.update(
        response=requests.get(f"http://127.0.0.1:{listener.port}/", timeout=10)))
    client.start()
    assert started.wait(5)
    listener.stop()
    client.join(10)
    assert result["response"].status_code == 200 and result["response"].text == "finished"
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{listener.port}/", timeout=2)


START_THEN_ASK = '''
import json, sys, urllib.request
from pathlib import Path
from sandbox.harness.launch import serve_in_process
from sandbox.kernel.settings import load_settings
work = Path(sys.argv[1])
handle = serve_in_process(load_settings({"data_dir": str(work / "data"), "ephemeral_ports": True}, environ={}), work)
PAGES = ("flask", "werkzeug", "jinja2")
at_start = sorted(name for name in PAGES if name in sys.modules)
with urllib.request.urlopen(handle.endpoints.web + "/", timeout=30) as answer:
    status = answer.status
print(json.dumps({"at_start": at_start, "status": status, "after": sorted(n for n in PAGES if n in sys.modules)}))
handle.stop()
'''


def test_a_start_imports_no_flask_until_a_listener_is_asked(tmp_path):
    """Issue 19: a start binds every listener without Flask and Jinja (and, on an existing data dir, without
    werkzeug): a third of its imports. The first request to a listener builds its app with them. A first start
    hashes the DIP Manager's password, with werkzeug's scrypt."""
    seen = []
    for _ in range(2):  # a first start, then a start on the data dir it made
        done = subprocess.run([venv_bin("python"), "-c", START_THEN_ASK, str(tmp_path)], capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        seen.append(json.loads(done.stdout.strip().splitlines()[-1]))
    answered = {"status": 200, "after": ["flask", "jinja2", "werkzeug"]}
    assert seen == [{"at_start": ["werkzeug"], **answered}, {"at_start": [], **answered}], seen
