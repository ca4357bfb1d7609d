"""The DIP message API through real sockets: signed messages over mTLS, every MSG code and signature failure,
webhooks over HTTPS with the DIP's client certificate and signature, retries and their states."""
import base64
import datetime as dt
import json

import pytest
import requests

from mock_dip import message_signature
from tests.message_helpers import Client, Webhook, message, onboard


@pytest.fixture
def world(start_sandbox, tmp_path):
    running = start_sandbox(profile="instant", clock_mode="manual")
    supplier = onboard(running, company_name="Super Energy Co", dip_ids=[{"role_code": "SUP"}])
    hook = Webhook(running, tmp_path / "hook")
    receiver = onboard(running, company_name="Big Energy Company", dip_ids=[{"role_code": "ADS"}],
                       webhooks={"IF-041": hook.url})
    yield {"running": running, "supplier": supplier, "receiver": receiver, "hook": hook,
           "client": Client(running, supplier, tmp_path / "client")}
    hook.close()


def recipient(world) -> str:
    return world["receiver"]["dip_ids"][0]["dip_id"]


def journal_entry(running, path):
    entries = requests.get(running.control + "/journal", params={"path": path}, timeout=10).json()["entries"]
    return entries[0]


def test_a_signed_message_reaches_the_webhook_signed_by_the_dip(world):
    running, client, hook = world["running"], world["client"], world["hook"]
    sent = message(world["supplier"], [recipient(world)])
    response = client.post("/dip-channel/IF-041", [sent])
    assert response.status_code == 201, response.text
    item = response.json()["messageArray"][0]
    assert item["message"] == "MSG0000" and item["recipientID"] == recipient(world)
    assert item["senderUniqueReference"] == sent["payload"]["CommonBlock"]["S1"]["senderUniqueReference"]
    assert item["transactionID"].startswith(f"T-IF-041-{recipient(world)}-ADS-")

    delivery = hook.wait_for(1)[0]
    assert delivery["peer"]["subject"][-1][0][1].startswith("energydip-nonprod.webhooks.")  # the DIP's client cert
    dip_certs = requests.get(running.endpoints["web"] + "/dip/uit/api/dip-certificates", timeout=30).json()
    signing_pem = next(c for c in dip_certs["dip_certificates"] if c["purpose"] == "signing")["certificate_pem"]
    headers = delivery["headers"]
    assert base64.b64decode(headers[message_signature.CERTIFICATE]).decode() == signing_pem
    now = dt.datetime.now(dt.timezone.utc)
    report = message_signature.check("POST", hook.url, delivery["body"], headers, now_real=now, now_sandbox=now,
                                     skew_seconds=300)
    assert report.ok, report.describe()
    egress = json.loads(delivery["body"])
    assert len(egress) == 1
    d0 = egress[0]["payload"]["CommonBlock"]["D0"]
    assert d0["transactionID"] == item["transactionID"] and d0["replayIndicator"] is False
    assert egress[0]["payload"]["CustomBlock"] == sent["payload"]["CustomBlock"]

    entry = journal_entry(running, "/dip-channel/IF-041")
    assert entry["detail"]["signature"]["result"] == "valid"
