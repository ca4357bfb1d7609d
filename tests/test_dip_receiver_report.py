"""The receiver report (issue 15, section 3): for each delivery, what the receiver answered — status, body,
latency — and whether a 2xx answer was the documented StandardResponse, in the journal and in the portal's
message view. Through real sockets: the sandbox's own receiver (which checks the DIP's signature and answers
conformantly) and a receiver that answers 200 with something else."""
from __future__ import annotations

import json
import ssl

import pytest
from openapi_schema_validator import OAS30Validator

from mock_dip.webhook_server import WebhookHandler, WebhookServer
from tests.dip_official_spec import bundled


def _message(sandbox, sender, recipient, reference: str) -> dict:
    return {"payload": {"CommonBlock": {
        "S0": {"interfaceID": "IF-041", "schemaVersion": "011", "eventCode": "[ReadingCOS]"},
        "S1": {"environmentTag": "UIT", "subText": None, "senderUniqueReference": reference,
               "senderTimestamp": sandbox.clock.now().strftime("%Y-%m-%dT%H:%M:%S+00:00"),
               "senderDIPID": sender.dip_id.dip_id, "senderRoleID": "SUP", "senderCorrelationID": None,
               "DIPConnectionProviderID": None},
        "A0": {"primaryRecipients": [recipient.dip_id.dip_id], "secondaryRecipients": [], "always": []}},
        "CustomBlock": {"B900": {"reading": "1"}}}}


@pytest.fixture
def careless_webhook(dip_sandbox, tmp_path):
    """An HTTPS webhook that answers every delivery 200 {"ok": true}."""
    made = dip_sandbox.control("POST", "/tls/server-certificates", json={"names": ["localhost", "127.0.0.1"]})
    (tmp_path / "hook.pem").write_text(made["certificate_pem"])
    (tmp_path / "hook.key").write_text(made["key_pem"])
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "hook.pem", tmp_path / "hook.key")

    class Handler(WebhookHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_answer(200, b'{"ok": true}')  # a 2xx that is not the StandardResponse

    server = WebhookServer(Handler, tls=context)
    yield server.url("/careless")
    server.close()
    server.server_close()


def test_the_receiver_report_says_whether_the_answer_was_a_standard_response(dip_sandbox, careless_webhook):
    good = dip_sandbox.webhook_receiver("uit")
    sender = dip_sandbox.dip.onboard_organisation("uit", roles=["SUP"])
    careful = dip_sandbox.dip.onboard_organisation("uit", roles=["SDS"], webhook=good.url)
    careless = dip_sandbox.dip.onboard_organisation("uit", roles=["ADS"], webhook=careless_webhook)
    for recipient, reference in ((careful, "S-IF-041-0123456789-SUP-20261201-g1"),
                                 (careless, "S-IF-041-0123456789-SUP-20261201-c1")):
        sent = sender.client().send("IF-041", _message(dip_sandbox, sender, recipient, reference))
        assert sent.status_code == 201, sent.text

    answered = dip_sandbox.journal.wait_for(listener="dip_uit_webhooks", path=good.url)["detail"]["receiver"]
    assert answered["status"] == 201 and answered["standard_response"] is True and answered["problems"] == []
    assert answered["latency_ms"] >= 0
    # the sandbox's own receiver answers in the official types (checked against the official schema here)
    document = bundled("v1.8.3")
    OAS30Validator({"$ref": "#/components/schemas/StandardResponse",
                    "components": document["components"]}).validate(json.loads(answered["body"]))

    wrong = dip_sandbox.journal.wait_for(listener="dip_uit_webhooks", path=careless_webhook)["detail"]["receiver"]
    assert wrong["status"] == 200 and wrong["standard_response"] is False
    assert wrong["body"] == '{"ok": true}' and "messageArray" in wrong["problems"][0]
