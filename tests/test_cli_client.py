"""`dip-sandbox client send` signs and sends a message file; `dip-sandbox client receive` is the webhook that
checks the DIP's signature and prints what arrives — both as separate processes against a running sandbox."""
import json
import re
import subprocess

from tests.conftest import venv_bin
from tests.message_helpers import message, onboard


def test_send_and_receive_through_the_cli(running, tmp_path):
    endpoints_file = tmp_path / "endpoints.json"
    endpoints_file.write_text(json.dumps(running.endpoints))
    receiver_process = subprocess.Popen([venv_bin("dip-sandbox"), "client", "receive", "--port", "0", "--count", "1",
                                         "--endpoints-file", str(endpoints_file)],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first_line = receiver_process.stdout.readline()
        url = re.search(r"receiving on (\S+)", first_line).group(1)
        supplier = onboard(running, company_name="Super Energy Co")
        receiver = onboard(running, company_name="Big Energy Company", dip_ids=[{"role_code": "ADS"}],
                           webhooks={"IF-041": url + "hook"})
        (tmp_path / "c.cer").write_text(supplier["certificate_pem"])
        (tmp_path / "c.key").write_text(supplier["key_pem"])
        (tmp_path / "message.json").write_text(json.dumps(message(supplier, [receiver["dip_ids"][0]["dip_id"]])))
        sent = subprocess.run([venv_bin("dip-sandbox"), "client", "send", "--env", "uit", "--interface", "IF-041",
                               "--api-key", supplier["dip_ids"][0]["api_key"], "--cert", str(tmp_path / "c.cer"),
                               "--key", str(tmp_path / "c.key"), "--endpoints-file", str(endpoints_file),
                               str(tmp_path / "message.json")], capture_output=True, text=True, timeout=60)
        assert sent.returncode == 0, sent.stdout + sent.stderr
        assert sent.stdout.startswith("201") and '"message": "MSG0000"' in sent.stdout
        out, err = receiver_process.communicate(timeout=30)
        assert "1 item(s), signature valid" in out, out + err
        assert '"transactionID": "T-IF-041-' in out
        refused = subprocess.run([venv_bin("dip-sandbox"), "client", "send", "--interface", "IF-041", "--api-key",
                                  "0" * 32, "--cert", str(tmp_path / "c.cer"), "--key", str(tmp_path / "c.key"),
                                  "--endpoints-file", str(endpoints_file), str(tmp_path / "message.json")],
                                 capture_output=True, text=True, timeout=60)
        assert refused.returncode == 1 and refused.stdout.startswith("401")
    finally:
        receiver_process.kill()


def test_dip_onboard_through_the_cli(running):
    result = subprocess.run([venv_bin("dip-sandbox"), "dip", "--control", running.control, "onboard", "--company",
                             "Cli Energy Ltd", "--role", "SUP", "--role", "ADS", "--webhook",
                             "IF-041=https://hooks.cli-energy.example/dip"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    made = json.loads(result.stdout)
    assert [d["role"] for d in made["dip_ids"]] == ["SUP", "ADS"] and made["domain"] == "cli-energy.example"
    assert made["certificate_pem"].startswith("-----BEGIN CERTIFICATE-----")
    webhooks = running.sandbox.dip["uit"].webhooks.for_recipient(made["dip_ids"][1]["dip_id"])
    assert webhooks == [{"dip_id": made["dip_ids"][1]["dip_id"], "channel": "IF-041",
                         "callbackURL": "https://hooks.cli-energy.example/dip"}]
    bad = subprocess.run([venv_bin("dip-sandbox"), "dip", "--control", running.control, "onboard", "--webhook",
                          "no-equals-sign"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "INTERFACE=URL" in bad.stderr


def test_wait_for_a_sandbox_started_in_the_background(tmp_path):
    """`dip-sandbox wait` returns the endpoints once the sandbox answers, and fails clearly when none comes."""
    endpoints_file = tmp_path / "endpoints.json"
    missing = subprocess.run([venv_bin("dip-sandbox"), "wait", "--endpoints-file", str(endpoints_file),
                              "--timeout", "0.5"], capture_output=True, text=True, timeout=60)
    assert missing.returncode == 1 and "was not ready within 0.5 s" in missing.stderr
    server = subprocess.Popen([venv_bin("dip-sandbox"), "serve", "--ephemeral", "--ephemeral-ports",
                               "--endpoints-file", str(endpoints_file)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        ready = subprocess.run([venv_bin("dip-sandbox"), "wait", "--endpoints-file", str(endpoints_file),
                                "--timeout", "60"], capture_output=True, text=True, timeout=90)
        assert ready.returncode == 0, ready.stderr
        endpoints = json.loads(ready.stdout)
        import requests
        assert requests.get(endpoints["control"] + "/health", timeout=10).json()["status"] == "ok"
    finally:
        server.terminate()
        server.wait(timeout=30)
