"""The sandbox as the other side of the conversation, through real sockets: publish to me for every interface
of the official list (each delivered to an HTTPS webhook that checks the DIP's signature), payloads built from
the official schemas with --dip-spec (checked here against those schemas), and auto-replies on the sandbox
clock. The interface list, event codes and schemas come from ../shared/dip-api-spec, not from the sandbox."""
from __future__ import annotations

import json
import subprocess
import time

import pytest
import requests
import yaml
from jsonschema import Draft4Validator

from tests.conftest import venv_bin
from tests.dip_official_spec import bundled, json_schema, spec_dir

PARTICIPANT_ROLES = ["SUP", "LDSO", "REGS", "MSA", "MSS", "UMSO", "ADS", "SDS", "UMSDS", "MDR"]


def official_interfaces(version: str) -> list[str]:
    types = yaml.safe_load((spec_dir(f"v{version}") / "DataTypes-unresolved.yaml").read_text())
    return types["components"]["schemas"]["DT-000-InterfaceID"]["enum"]


def _post(handle, path, body):
    return requests.post(handle.endpoints.control + path, json=body, timeout=60)


@pytest.fixture
def world(dip_sandbox_factory):
    handle = dip_sandbox_factory(profile="instant", clock_mode="manual")
    receiver = handle.webhook_receiver("uit")
    everyone = handle.dip.onboard_organisation("uit", roles=PARTICIPANT_ROLES, webhook=receiver.url,
                                               company_name="Every Role Ltd")
    return handle, receiver, everyone


def test_every_official_interface_is_published_routed_and_delivered(world):
    handle, receiver, everyone = world
    table = handle.control("GET", "/dip/uit/routing")
    assert sorted(r["interface"] for r in table["interfaces"]) == \
        sorted(set(official_interfaces("1.8.3")) | set(official_interfaces("2.1.0")))
    by_role = {d.role: d.dip_id for d in everyone.dip_ids}
    expected = {}
    for entry in table["interfaces"]:
        recipient_role = next((r for r in entry["to"] if r in by_role), None)
        if recipient_role is None:  # only central services receive it: a counterpart of that role
            to = handle.control("POST", "/dip/uit/counterparts", json={"role_code": entry["to"][0]})["dip_id"]
        else:
            to = by_role[recipient_role]
        sent = handle.control("POST", "/dip/uit/publish", json={"to": to, "interface": entry["interface"]})
        assert sent["answer"]["message"] == "MSG0000" and sent["from_role"] in entry["from"]
        if recipient_role is not None:
            expected[sent["transaction_id"]] = entry
    arrived: dict = {}
    deadline = time.monotonic() + 60
    while not set(expected) <= set(arrived) and time.monotonic() < deadline:
        receiver.wait_for(len(arrived) + 1, timeout=max(deadline - time.monotonic(), 0.1))
        arrived = {m["payload"]["CommonBlock"]["D0"]["transactionID"]: m for m in receiver.messages}
    assert set(expected) <= set(arrived)
    assert all(d.signature_valid for d in receiver.deliveries), [d.signature_problem for d in receiver.deliveries]
    for transaction, entry in expected.items():
        s0 = arrived[transaction]["payload"]["CommonBlock"]["S0"]
        assert s0["interfaceID"] == entry["interface"] and s0["eventCode"] == f"[{entry['events'][0]}]"
    journal = handle.journal.entries(listener="dip_uit_counterparts")
    assert len([e for e in journal if e["method"] == "PUBLISH"]) == len(table["interfaces"])


def test_publish_refusals_say_what_to_do(world):
    handle, _, everyone = world
    supplier = next(d.dip_id for d in everyone.dip_ids if d.role == "SUP")
    cases = [({"interface": "IF-041"}, "'to' is required"),
             ({"to": supplier, "interface": "IF-042"}, "is not an interface of the DIP API"),
             ({"to": supplier, "interface": "IF-005"}, "SUP receives"),  # IF-005 goes to the Registration Service
             ({"to": supplier, "interface": "IF-032", "event_code": "Nope"}, "MSAppInitialResp"),
             ({"to": supplier, "interface": "IF-032", "from": supplier}, "is sent by"),
             ({"to": "0000000000", "interface": "IF-032"}, "is not a DIP ID"),
             ({"to": supplier, "interface": "IF-032", "payload": [1]}, "'payload': must be an object")]
    for body, text in cases:
        answer = _post(handle, "/dip/uit/publish", body)
        assert answer.status_code == 422 and text in answer.json()["error"]["message"], (body, answer.text)


def test_a_given_payload_is_sent_as_given_with_the_addressing_filled_in(world):
    handle, receiver, everyone = world
    supplier = next(d.dip_id for d in everyone.dip_ids if d.role == "SUP")
    before = len(receiver.messages)
    custom = {"B045": {"MQID": "given-by-the-test"}}
    sent = handle.control("POST", "/dip/uit/publish", json={
        "to": supplier, "interface": "IF-028", "payload": {"CommonBlock": {}, "CustomBlock": custom}})
    [message] = receiver.wait_for(before + 1)[before:]
    assert message["payload"]["CustomBlock"] == custom
    assert message["payload"]["CommonBlock"]["S1"]["senderDIPID"] == sent["from"]
    assert message["payload"]["CommonBlock"]["A0"]["primaryRecipients"] == [supplier]


@pytest.mark.parametrize("version", ["1.8.3", "2.1.0"])
def test_built_payloads_are_valid_instances_of_the_official_schema(dip_sandbox_factory, version):
    handle = dip_sandbox_factory(profile="instant", clock_mode="manual", dip_spec=str(spec_dir(f"v{version}")))
    everyone = handle.dip.onboard_organisation("uit", roles=PARTICIPANT_ROLES, webhook=None)
    by_role = {d.role: d.dip_id for d in everyone.dip_ids}
    document = bundled(f"v{version}")
    validate = document["paths"]
    checked = 0
    for path, item in validate.items():
        if not path.startswith("/validate/"):
            continue
        interface, event = path.split("/")[2:4]
        table = {r["interface"]: r for r in handle.control("GET", "/dip/uit/routing")["interfaces"]}
        to_role = next((r for r in table[interface]["to"] if r in by_role), None)
        if to_role is None:
            continue
        sent = handle.control("POST", "/dip/uit/publish", json={"to": by_role[to_role], "interface": interface,
                                                                 "event_code": event})
        schema = item["post"]["requestBody"]["content"]["application/json"]["schema"]["items"]["properties"]["payload"]
        problems = [e.message for e in Draft4Validator(json_schema(schema)).iter_errors(sent["message"]["payload"])]
        assert problems == [], (interface, event, problems[:3])
        checked += 1
    assert checked > 100  # every /validate operation whose recipient role a participant has
    if version == "1.8.3":
        answer = _post(handle, "/dip/uit/publish", {"to": by_role["SUP"], "interface": "IF-051"})
        assert answer.status_code == 422 and "from v2.1.0 on" in answer.json()["error"]["message"]
    else:
        assert handle.control("POST", "/dip/uit/publish", json={"to": by_role["SUP"], "interface": "IF-051"})


def test_auto_replies_rehearse_a_request_and_its_response(dip_sandbox_factory):
    handle = dip_sandbox_factory(profile="instant", clock_mode="manual")
    receiver = handle.webhook_receiver("uit")
    supplier = handle.dip.onboard_organisation("uit", roles=["SUP"], webhook=receiver.url)
    mss = handle.control("POST", "/dip/uit/counterparts", json={"role_code": "MSS"})
    rule = handle.control("POST", "/dip/uit/auto-replies", json={
        "organisation_id": mss["organisation_id"], "on_interface": "IF-031", "reply_interface": "IF-032",
        "reply_event": "MSAppInitialResp", "status_message": True, "after_seconds": 60})
    assert handle.control("GET", "/dip/uit/auto-replies")["rules"] == [rule]

    request = _message(supplier, mss["dip_id"], "S-IF-031-0123456789-SUP-20261201-a1")
    sent = supplier.client().send("IF-031", request)
    assert sent.status_code == 201, sent.text
    transaction = sent.json()["messageArray"][0]["transactionID"]
    assert [j["kind"] for j in handle.control("GET", "/jobs")["jobs"]] == ["dip_auto_reply_uit"]
    assert receiver.messages == []  # nothing before the 60 sandbox seconds

    handle.clock.advance(60)
    arrived = receiver.wait_for(2)  # the reply and the status message, in either order
    [reply] = [m for m in arrived if "payload" in m]
    [status] = [m for m in arrived if "payload" not in m]
    assert status["transactionID"] == transaction and status["message"].startswith("RCP0000")
    assert reply["payload"]["CommonBlock"]["S0"] == {"interfaceID": "IF-032", "schemaVersion": "011",
                                                     "eventCode": "[MSAppInitialResp]"}
    assert reply["payload"]["CommonBlock"]["S1"]["senderDIPID"] == mss["dip_id"]
    assert reply["payload"]["CommonBlock"]["S1"]["senderCorrelationID"] == transaction
    assert all(d.signature_valid for d in receiver.deliveries)
    fired = handle.journal.entries(listener="dip_uit_counterparts", method="AUTO-REPLY")
    assert fired[0]["status"] == "201" and fired[0]["detail"]["in_reply_to"] == transaction

    handle.control("DELETE", f"/dip/uit/auto-replies/{rule['id']}")
    again = supplier.client().send("IF-031", _message(supplier, mss["dip_id"], "S-IF-031-0123456789-SUP-20261201-a2"))
    assert again.status_code == 201 and handle.control("GET", "/jobs")["jobs"] == []


def test_auto_reply_rules_refuse_what_cannot_fire(world):
    handle, _, everyone = world
    cases = [({"organisation_id": "ORG-NOPE", "on_interface": "IF-031", "reply_interface": "IF-032"}, "organisation_id"),
             ({"organisation_id": everyone.organisation_id, "on_interface": "IF-999", "reply_interface": "IF-032"},
              "is not an interface"),
             ({"organisation_id": everyone.organisation_id, "on_interface": "IF-031"}, "status message"),
             ({"organisation_id": everyone.organisation_id, "on_interface": "IF-031", "reply_interface": "IF-032",
               "after_seconds": -1}, "after_seconds")]
    for body, text in cases:
        answer = _post(handle, "/dip/uit/auto-replies", body)
        assert answer.status_code == 422 and text in answer.json()["error"]["message"], (body, answer.text)
    assert requests.delete(handle.endpoints.control + "/dip/uit/auto-replies/999", timeout=10).status_code == 404


def test_the_cli_publishes_and_manages_rules(world, tmp_path):
    handle, receiver, everyone = world
    supplier = next(d.dip_id for d in everyone.dip_ids if d.role == "SUP")
    control = ["--control", handle.endpoints.control]

    def cli(*args):
        done = subprocess.run([venv_bin("dip-sandbox"), "dip", *control, *args], capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr
        return json.loads(done.stdout[done.stdout.index("{"):])

    (tmp_path / "payload.json").write_text(json.dumps({"CustomBlock": {"B045": {"MQID": "from-the-cli"}}}))
    sent = cli("publish", "--to", supplier, "--interface", "IF-028", "--payload", str(tmp_path / "payload.json"))
    assert sent["answer"]["message"] == "MSG0000" and sent["interface"] == "IF-028"
    rule = cli("auto-reply", "add", everyone.organisation_id, "--on", "IF-031", "--status-message", "--after", "5")
    assert rule["status_message"] is True and rule["after_seconds"] == 5
    assert rule in cli("auto-reply", "list")["rules"]
    handle.control("DELETE", f"/dip/uit/auto-replies/{rule['id']}")


def _message(sender, recipient: str, reference: str) -> dict:
    from datetime import datetime, timezone
    return {"payload": {"CommonBlock": {
        "S0": {"interfaceID": "IF-031", "schemaVersion": "011", "eventCode": "[MSApp]"},
        "S1": {"environmentTag": "UIT", "subText": None, "senderUniqueReference": reference,
               "senderTimestamp": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00"),
               "senderDIPID": sender.dip_id.dip_id, "senderRoleID": "SUP", "senderCorrelationID": None,
               "DIPConnectionProviderID": None},
        "A0": {"primaryRecipients": [recipient], "secondaryRecipients": [], "always": []}},
        "CustomBlock": {}}}
