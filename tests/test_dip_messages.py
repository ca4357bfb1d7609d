"""The DIP message API through real sockets: signed messages over mTLS, every MSG code and signature failure,
webhooks over HTTPS with the DIP's client certificate and signature, retries and their states."""
import base64
import datetime as dt
import json
import time

import pytest
import requests

from mock_dip import message_signature
from seed_data.routing import interface_ids
from tests.message_helpers import dip_client, message, onboard


@pytest.fixture
def world(start_sandbox, tmp_path):
    running = start_sandbox(profile="instant", clock_mode="manual")
    supplier = onboard(running, company_name="Super Energy Co", dip_ids=[{"role_code": "SUP"}])
    hook = running.handle.webhook_receiver()
    receiver = onboard(running, company_name="Big Energy Company", dip_ids=[{"role_code": "ADS"}],
                       webhooks={"IF-041": hook.url})
    yield {"running": running, "supplier": supplier, "receiver": receiver, "hook": hook,
           "client": dip_client(running, supplier, tmp_path / "client")}
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

    delivery = hook.wait_for_deliveries(1)[0]
    assert delivery.client_certificate["subject"][-1][0][1].startswith("energydip-nonprod.webhooks.")  # the DIP's client cert
    dip_certs = requests.get(running.endpoints["web"] + "/dip/uit/api/dip-certificates", timeout=30).json()
    signing_pem = next(c for c in dip_certs["dip_certificates"] if c["purpose"] == "signing")["certificate_pem"]
    headers = delivery.headers
    assert base64.b64decode(headers[message_signature.CERTIFICATE]).decode() == signing_pem
    now = dt.datetime.now(dt.timezone.utc)
    report = message_signature.check("POST", hook.url, delivery.body, headers, now_real=now, now_sandbox=now,
                                     skew_seconds=300)
    assert report.ok, report.describe()
    egress = json.loads(delivery.body)
    assert len(egress) == 1
    d0 = egress[0]["payload"]["CommonBlock"]["D0"]
    assert d0["transactionID"] == item["transactionID"] and d0["replayIndicator"] is False
    assert egress[0]["payload"]["CustomBlock"] == sent["payload"]["CustomBlock"]

    entry = journal_entry(running, "/dip-channel/IF-041")
    assert entry["detail"]["signature"]["result"] == "valid"


def _codes(response) -> list[str]:
    return [item["message"].split(" ")[0] for item in response.json()["messageArray"]]


@pytest.mark.parametrize("change, code, help_text", [
    (lambda m, w: m["payload"]["CommonBlock"]["S1"].update(senderUniqueReference="bad"), "MSG1001",
     "senderUniqueReference"),
    (lambda m, w: m["payload"]["CommonBlock"]["S0"].update(interfaceID="IF-042"), "MSG1002", "does not match"),
    (lambda m, w: m["payload"]["CommonBlock"]["S1"].update(senderTimestamp="2099-01-01T00:00:00+00:00"), "MSG1007",
     "in the future"),
    (lambda m, w: m["payload"]["CommonBlock"]["S1"].update(senderDIPID="1111111111"), "MSG1009",
     "is not the DIP ID of the X-API-Key"),
    (lambda m, w: m["payload"]["CommonBlock"]["S1"].update(senderRoleID="MSS"), "MSG1010", "is not the role"),
    (lambda m, w: m["payload"]["CommonBlock"]["S1"].update(DIPConnectionProviderID="9999999999"), "MSG1011",
     "not a DCP ID nominated"),
    (lambda m, w: m["payload"]["CommonBlock"]["A0"].update(primaryRecipients=["1000000001"]), "MSG1031",
     "is not a DIP ID of the DIP UIT"),
    (lambda m, w: m["payload"]["CommonBlock"]["A0"].update(always=["1000000001"]), "MSG1030", "set by the DIP"),
])
def test_each_msg_code(world, change, code, help_text):
    sent = message(world["supplier"], [recipient(world)])
    change(sent, world)
    response = world["client"].post("/dip-channel/IF-041", [sent])
    assert response.status_code == 400 and _codes(response) == [code], response.text
    assert help_text in response.json()["messageArray"][0]["help"]


def test_one_reference_sent_at_once_on_many_connections_is_stored_once(world, tmp_path):
    """The record checks run outside the store's lock: the same message sent at the same moment on eight
    connections is still accepted once, and every other copy is refused MSG1006 (never a 500)."""
    import threading
    sent = message(world["supplier"], [recipient(world)])
    clients = [dip_client(world["running"], world["supplier"], tmp_path / f"race{i}") for i in range(8)]
    start, answers = threading.Barrier(len(clients)), []

    def send(client):
        start.wait()
        response = client.post("/dip-channel/IF-041", [sent])
        answers.append((response.status_code, _codes(response)))

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(answers) == [(201, ["MSG0000"])] + [(400, ["MSG1006"])] * (len(clients) - 1)
    after = message(world["supplier"], [recipient(world)])  # delivered after it, in order: the end of the queue
    assert world["client"].post("/dip-channel/IF-041", [after]).status_code == 201
    deliveries, references = [], []
    while after["payload"]["CommonBlock"]["S1"]["senderUniqueReference"] not in references:
        deliveries = world["hook"].wait_for_deliveries(len(deliveries) + 1)
        references = [item["payload"]["CommonBlock"]["S1"]["senderUniqueReference"]
                      for d in deliveries for item in d.items]
    assert references.count(sent["payload"]["CommonBlock"]["S1"]["senderUniqueReference"]) == 1


def test_all_or_nothing_duplicates_and_other_environment_recipients(world):
    client, supplier = world["client"], world["supplier"]
    good, bad = message(supplier, [recipient(world)]), message(supplier, [recipient(world)], senderRoleID="XXX")
    response = client.post("/dip-channel/IF-041", [good, bad])
    assert response.status_code == 400 and _codes(response) == ["MSG1000", "MSG1010"]
    assert "accepted or rejected as a whole" in response.json()["messageArray"][0]["help"]
    assert client.post("/dip-channel/IF-041", [good]).status_code == 201  # nothing of the first request was kept
    again = client.post("/dip-channel/IF-041", [good])
    assert again.status_code == 400 and _codes(again) == ["MSG1006"]
    twice = message(supplier, [recipient(world)])
    assert _codes(client.post("/dip-channel/IF-041", [twice, twice])) == ["MSG1000", "MSG1006"]
    prod = onboard(world["running"], "prod", company_name="Prod Receiver Ltd", dip_ids=[{"role_code": "ADS"}])
    elsewhere = client.post("/dip-channel/IF-041", [message(supplier, [prod["dip_ids"][0]["dip_id"]])])
    assert _codes(elsewhere) == ["MSG1031"] and "another environment" in elsewhere.json()["messageArray"][0]["help"]
    unknown_channel = client.post("/dip-channel/XX-041", [message(supplier, [recipient(world)])])
    assert _codes(unknown_channel) == ["MSG1002"] and "is not an interface of the DIP API" in unknown_channel.text
    for body in (b"not json", b"{}", b"[]"):
        answer = client.post("/dip-channel/IF-041", None, body=body)
        assert answer.status_code == 400 and _codes(answer) == ["MSG1001"]


def test_urls_and_field_names_are_case_insensitive(world):
    sent = message(world["supplier"], [recipient(world)])
    lowered = {"PAYLOAD": {"commonblock": {k.lower(): {f.lower(): v for f, v in b.items()}
                                           for k, b in sent["payload"]["CommonBlock"].items()},
                           "customBLOCK": sent["payload"]["CustomBlock"]}}
    response = world["client"].post("/DIP-Channel/if-041", [lowered])
    assert response.status_code == 201, response.text


def test_request_size_limit(start_sandbox, tmp_path):
    running = start_sandbox(profile="instant", clock_mode="manual", dip_max_request_bytes=2000)
    supplier = onboard(running, company_name="Super Energy Co")
    client = dip_client(running, supplier, tmp_path)
    response = client.post("/dip-channel/IF-041", [message(supplier, ["1234567890"])] * 10)
    assert response.status_code == 413 and "at most 2000" in response.json()["messageArray"][0]["help"]


@pytest.mark.parametrize("tamper, check", [
    (lambda c, w: {"body_extra": True}, "content_hash"),
    (lambda c, w: {"signed_at": dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=10)}, "date_skew"),
    (lambda c, w: {"signed_url": c.base_url + "/dip-channel/IF-042"}, "signature"),
    (lambda c, w: {"headers": {message_signature.SIGNATURE: ""}}, "headers_missing"),
])
def test_each_signature_failure_is_named_and_journaled(world, tamper, check):
    client = world["client"]
    sent = message(world["supplier"], [recipient(world)])
    options = tamper(client, world)
    if options.pop("body_extra", False):
        data = json.dumps([sent]).encode()
        signed = message_signature.sign("POST", client.base_url + "/dip-channel/IF-041", data, client.signing_key,
                                        client.signing_certificate_pem, dt.datetime.now(dt.timezone.utc))
        response = client.post("/dip-channel/IF-041", None, body=data + b" ", headers=signed)
    else:
        response = client.post("/dip-channel/IF-041", [sent], **options)
    assert response.status_code == 401, response.text
    assert f"signature check failed ({check})" in response.json()["messageArray"][0]["help"]
    detail = journal_entry(world["running"], "/dip-channel/IF-041")["detail"]["signature"]
    assert detail["result"] == check and detail["computed"]["content_hash"]
    if check == "signature":
        assert detail["computed"]["string_to_sign"].startswith("POST;https://127.0.0.1:")


def test_signing_certificates_the_dip_refuses(world, tmp_path, key_pool):
    running, supplier, receiver = world["running"], world["supplier"], world["receiver"]
    # another organisation's certificate (the receiver's) signing the supplier's message
    other = dip_client(running, supplier, tmp_path / "other", signing=receiver)
    refused = other.post("/dip-channel/IF-041", [message(supplier, [recipient(world)])])
    assert refused.status_code == 401 and "certificate_organisation" in refused.json()["messageArray"][0]["help"]
    # an mTLS-only certificate is not for signing
    dip = running.sandbox.dip["uit"]
    from mock_dip.dip_certificates import PURPOSES, SubjectName
    from mock_ca.keys import key_to_pem
    from tests.conftest import make_csr
    key = key_pool.get()
    subject = SubjectName("mtls", "super-energy.example", PURPOSES["mtls"], "energydip-nonprod.mtls.super-energy.example")
    issued = running.sandbox.cas.issue("dip-mtls", make_csr(key, subject.subject_name, (subject.dn_and_h,
                                                                                       subject.subject_name)))
    dip.certificates.record_issued(supplier["organisation_id"], subject, issued.pem, "test")
    mtls_only = dip_client(running, supplier, tmp_path / "mtls",
                           signing={"key_pem": key_to_pem(key), "signing_certificate_pem": issued.pem})
    wrong_purpose = mtls_only.post("/dip-channel/IF-041", [message(supplier, [recipient(world)])])
    assert wrong_purpose.status_code == 401 and "certificate_purpose" in wrong_purpose.json()["messageArray"][0]["help"]
    # signed with a key that is not the certificate's
    wrong_key = dip_client(running, supplier, tmp_path / "wrong-key",
                           signing={"key_pem": key_to_pem(key_pool.get(4096, 1)),
                                    "signing_certificate_pem": supplier["signing_certificate_pem"]})
    refused_key = wrong_key.post("/dip-channel/IF-041", [message(supplier, [recipient(world)])])
    assert refused_key.status_code == 401 and "(signature)" in refused_key.json()["messageArray"][0]["help"]
    # a Signing certificate revoked (here through the CA, as the HVCA API would) while the mTLS one is fine
    signing_subject = SubjectName("sign", "super-energy.example", PURPOSES["signing"],
                                  "energydip-nonprod.sign.super-energy.example")
    signing_key = key_pool.get(4096, 2)
    signing = running.sandbox.cas.issue("dip-signing", make_csr(signing_key, signing_subject.subject_name,
                                                                (signing_subject.dn_and_h, signing_subject.subject_name)))
    dip.certificates.record_issued(supplier["organisation_id"], signing_subject, signing.pem, "test")
    separate = dip_client(running, supplier, tmp_path / "separate",
                          signing={"key_pem": key_to_pem(signing_key), "signing_certificate_pem": signing.pem})
    assert separate.post("/dip-channel/IF-041", [message(supplier, [recipient(world)])]).status_code == 201
    running.sandbox.cas.revoke(signing.serial, "keyCompromise")
    revoked_signing = separate.post("/dip-channel/IF-041", [message(supplier, [recipient(world)])])
    assert revoked_signing.status_code == 401
    assert "(certificate_revoked)" in revoked_signing.json()["messageArray"][0]["help"]
    # revoked: the mTLS handshake certificate is refused before anything else
    running.sandbox.cas.revoke(supplier["certificate_serial"], "keyCompromise")
    revoked = world["client"].post("/dip-channel/IF-041", [message(supplier, [recipient(world)])])
    assert revoked.status_code == 401 and "was revoked" in revoked.json()["messageArray"][0]["help"]


def test_api_keys_and_certificates_of_the_wrong_party(world, tmp_path):
    client, supplier, receiver = world["client"], world["supplier"], world["receiver"]
    sent = message(supplier, [recipient(world)])
    no_key = client.post("/dip-channel/IF-041", [sent], headers={"X-API-Key": ""})
    assert no_key.status_code == 401 and "X-API-Key header is required" in no_key.json()["messageArray"][0]["help"]
    unknown = client.post("/dip-channel/IF-041", [sent], api_key="0" * 32)
    assert unknown.status_code == 401
    secondary = client.post("/dip-channel/IF-041", [sent], api_key=supplier["dip_ids"][0]["secondary_api_key"])
    assert secondary.status_code == 201, secondary.text
    others_key = client.post("/dip-channel/IF-041", [message(supplier, [recipient(world)])],
                             api_key=receiver["dip_ids"][0]["api_key"])
    assert others_key.status_code == 403 and "neither owns DIP ID" in others_key.json()["messageArray"][0]["help"]


@pytest.mark.parametrize("statuses, final, attempts", [
    ([503, 201], "Delivered", 2),
    ([400], "DeliveryFailure", 1),
    ([500, 500, 500], "RetriesExhausted", 3),
])
def test_delivery_retries_and_states(start_sandbox, tmp_path, statuses, final, attempts):
    running = start_sandbox(profile="instant", clock_mode="manual", dip_delivery_attempts=3, dip_delivery_backoff=60)
    supplier = onboard(running, company_name="Super Energy Co")
    hook = running.handle.webhook_receiver()
    hook.statuses = list(statuses)
    receiver = onboard(running, company_name="Big Energy Company", dip_ids=[{"role_code": "ADS"}],
                       webhooks={"IF-041": hook.url})
    client = dip_client(running, supplier, tmp_path / "client")
    target = receiver["dip_ids"][0]["dip_id"]
    transaction = client.post("/dip-channel/IF-041", [message(supplier, [target])]).json()["messageArray"][0]
    dip = running.sandbox.dip["uit"]

    def settled(count: int) -> dict:
        """The delivery's state once the worker has recorded attempt `count` (the webhook sees it a moment before)."""
        deadline = time.monotonic() + 10
        while True:
            row = dip.ctx.one("select state, attempts from dip_deliveries where transaction_id = ?",
                              [transaction["transactionID"]])
            if row["attempts"] >= count or time.monotonic() > deadline:
                return row
            time.sleep(0.02)

    hook.wait_for_deliveries(1)
    for count in range(2, attempts + 1):
        assert settled(count - 1) == {"state": "Retrying", "attempts": count - 1}
        requests.post(running.control + "/clock/advance", json={"seconds": 60 * 2 ** (count - 2)}, timeout=10)
        hook.wait_for_deliveries(count)
    assert settled(attempts) == {"state": final, "attempts": attempts}
    requests.post(running.control + "/clock/advance", json={"seconds": 3600}, timeout=10)
    time.sleep(0.3)  # room for a wrong extra attempt to arrive
    assert len(hook.deliveries) == attempts  # nothing more after a final state
    hook.close()


def test_a_dcp_sends_with_its_own_mtls_certificate_and_the_mps_signing_certificate(world, tmp_path):
    from tests.dip_helpers import DipPortal
    running, supplier = world["running"], world["supplier"]
    dcp = onboard(running, company_name="Fabrikam Connection Provider Ltd", dcp=True, dip_ids=[])
    mp_admin = DipPortal(running)
    mp_admin.first_sign_in(supplier["members"][0]["email"], supplier["members"][0]["password"])
    supplier_id = supplier["dip_ids"][0]["dip_id"]
    # the DCP's certificate with the supplier's key and signature, before the nomination: refused
    via_dcp = dip_client(running, dcp, tmp_path / "dcp", signing=supplier)
    via_dcp.api_key = supplier["dip_ids"][0]["api_key"]
    sent = message(supplier, [recipient(world)], DIPConnectionProviderID=dcp["dcp_id"])
    refused = via_dcp.post("/dip-channel/IF-041", [sent])
    assert refused.status_code == 403 and "nor is a DCP nominated" in refused.json()["messageArray"][0]["help"]
    mp_admin.ok("POST", f"/dip-ids/{supplier_id}/nominations", 201, json={"dcp_id": dcp["dcp_id"]})
    accepted = via_dcp.post("/dip-channel/IF-041", [sent])
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["messageArray"][0]["DIPConnectionProviderID"] == dcp["dcp_id"]
    without_id = via_dcp.post("/dip-channel/IF-041", [message(supplier, [recipient(world)])])
    assert _codes(without_id) == ["MSG1011"]
    # the DCP signing with its own certificate instead of the MP's: refused
    own_signature = dip_client(running, dcp, tmp_path / "dcp-own")
    own_signature.api_key = supplier["dip_ids"][0]["api_key"]
    wrong = own_signature.post("/dip-channel/IF-041", [message(supplier, [recipient(world)],
                                                               DIPConnectionProviderID=dcp["dcp_id"])])
    assert wrong.status_code == 401 and "also when a DCP sends" in wrong.json()["messageArray"][0]["help"]
    delivered = world["hook"].wait_for_deliveries(1)
    assert json.loads(delivered[0].body)[0]["payload"]["CommonBlock"]["S1"]["DIPConnectionProviderID"] == \
        dcp["dcp_id"]


def test_publication_config_through_the_message_api(world, tmp_path):
    running, supplier, hook = world["running"], world["supplier"], world["hook"]
    receiver_client = dip_client(running, world["receiver"], tmp_path / "receiver")
    target = recipient(world)
    bad = receiver_client.post(f"/dip-channel/IF-024/pubconfig/{target}", {"maxMessageCount": 1})
    assert bad.status_code == 400 and "callbackURL is required" in bad.json()["messageArray"][0]["help"]
    set_ = receiver_client.post(f"/dip-channel/IF-024/pubconfig/{target}", {"callbackURL": hook.url,
                                                                             "maxMessageCount": 100})
    assert set_.status_code == 201 and set_.json()["messageArray"][0]["message"] == "MSG0000"
    not_yours = world["client"].post(f"/dip-channel/IF-024/pubconfig/{target}", {"callbackURL": hook.url})
    assert not_yours.status_code == 403
    assert world["client"].post("/dip-channel/IF-024", [message(supplier, [target], interface="IF-024")]
                                ).status_code == 201
    assert json.loads(hook.wait_for_deliveries(1)[0].body)[0]["payload"]["CommonBlock"]["S0"]["interfaceID"] == "IF-024"
    removed = receiver_client.post(f"/dip-channel/IF-024/pubconfig/{target}", None, method="DELETE", body=b"")
    assert removed.status_code == 204
    # the operation declares only 204 and 401: removing what is not there is a 204 too (said in the journal)
    assert receiver_client.post(f"/dip-channel/IF-024/pubconfig/{target}", None, method="DELETE",
                                body=b"").status_code == 204
    assert "has no webhook" in journal_entry(running, f"/dip-channel/IF-024/pubconfig/{target}")["detail"][
        "nothing_removed"]
    # another DIP ID's key: 401 (the document lists no 403 for DELETE)
    assert world["client"].post(f"/dip-channel/IF-024/pubconfig/{target}", None, method="DELETE",
                                body=b"").status_code == 401


REQUEST = {"datetimeFrom": None, "datetimeTo": None, "eventCode": None, "MPAN": None, "version": None}


def test_replay_requeue_and_status_messages(world, tmp_path):
    running, supplier, hook = world["running"], world["supplier"], world["hook"]
    target = recipient(world)
    receiver_client = dip_client(running, world["receiver"], tmp_path / "receiver")
    first = world["client"].post("/dip-channel/IF-041", [message(supplier, [target])]).json()["messageArray"][0]
    second = world["client"].post("/dip-channel/IF-041", [message(supplier, [target], event="[ReadingRemote]")]
                                  ).json()["messageArray"][0]
    hook.wait_for_deliveries(2)

    replayed = receiver_client.post(f"/dip-channel/IF-041/replay/{target}", REQUEST)
    assert replayed.status_code == 200, replayed.text
    assert [m["payload"]["CommonBlock"]["D0"]["transactionID"] for m in replayed.json()] == \
        [first["transactionID"], second["transactionID"]]
    assert all(m["payload"]["CommonBlock"]["D0"]["replayIndicator"] is True for m in replayed.json())
    by_event = receiver_client.post(f"/dip-channel/IF-041/replay/{target}", {**REQUEST, "eventCode": "ReadingRemote"})
    assert [m["payload"]["CommonBlock"]["D0"]["transactionID"] for m in by_event.json()] == [second["transactionID"]]
    by_id = receiver_client.post(f"/dip-channel/IF-041/replay/{target}",
                                 {**REQUEST, "transactionIDs": [first["transactionID"]]})
    assert len(by_id.json()) == 1
    assert receiver_client.post(f"/dip-channel/IF-041/replay/{target}",
                                {**REQUEST, "transactionIDs": ["T"] * 101}).status_code == 400
    missing = receiver_client.post(f"/dip-channel/IF-041/replay/{target}", {"eventCode": None})
    assert missing.status_code == 400 and "datetimeFrom" in missing.json()["messageArray"][0]["help"]
    nothing = receiver_client.post(f"/dip-channel/IF-041/replay/{target}", {**REQUEST, "eventCode": "NoSuchEvent"})
    assert nothing.status_code == 400 and "no message of IF-041" in nothing.json()["messageArray"][0]["help"]
    assert world["client"].post(f"/dip-channel/IF-041/replay/{target}", REQUEST).status_code == 403

    requeued = receiver_client.post(f"/dip-channel/IF-041/requeue/{target}", {**REQUEST, "eventCode": "[ReadingCOS]"})
    assert requeued.status_code == 200 and "1 message(s) requeued" in requeued.text
    again = json.loads(hook.wait_for_deliveries(3)[2].body)
    assert again[0]["payload"]["CommonBlock"]["D0"]["transactionID"] == first["transactionID"]
    assert again[0]["payload"]["CommonBlock"]["D0"]["replayIndicator"] is True

    # status messages: the receiver reports back; the supplier's status webhook gets it
    status_hook = running.handle.webhook_receiver()
    supplier_id = supplier["dip_ids"][0]["dip_id"]
    assert world["client"].post(f"/statusmessage/config/{supplier_id}", {"callbackURL": status_hook.url}
                                ).status_code == 201
    item = {**first, "message": "RCP0000", "senderID": target, "recipientID": supplier_id}
    reported = receiver_client.post("/statusmessage", [item])
    assert reported.status_code == 201, reported.text
    arrived = json.loads(status_hook.wait_for_deliveries(1)[0].body)
    assert arrived[0]["transactionID"] == first["transactionID"] and arrived[0]["message"] == "RCP0000"
    strange = receiver_client.post("/statusmessage", [{**item, "transactionID": "T-unknown"}])
    assert strange.status_code == 400 and "is not a message the DIP delivered" in strange.text
    status_hook.close()


def test_validate_endpoint(world):
    client = world["client"]
    sent = message(world["supplier"], [recipient(world)])
    ok = client.session.post(client.base_url + "/validate/IF-041/ReadingCOS", json=[sent], verify=world["running"].bundle,
                             cert=client.session.cert, timeout=10)
    assert ok.status_code == 201 and ok.json() == "Message OK"
    wrong = client.session.post(client.base_url + "/validate/IF-041/ReadingSMRS", json=[sent],
                                verify=world["running"].bundle, cert=client.session.cert, timeout=10)
    assert wrong.status_code == 400 and "is not [readingsmrs]" in wrong.json().lower()


def test_message_channels_in_the_portal(world, tmp_path):
    from tests.dip_helpers import DipPortal
    running, supplier, receiver, hook = world["running"], world["supplier"], world["receiver"], world["hook"]
    portal = DipPortal(running)
    portal.first_sign_in(receiver["members"][0]["email"], receiver["members"][0]["password"])
    target = recipient(world)
    assert portal.ok("GET", f"/dip-ids/{target}")["interfaces"] == {"configured": ["IF-041"], "status_messages": False}
    bad = portal.call("PUT", f"/dip-ids/{target}/channels/IF-043", json={"callbackURL": "ftp://x"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "callbackURL"
    portal.ok("PUT", f"/dip-ids/{target}/channels/IF-043", json={"callbackURL": hook.url})
    assert [c["channel"] for c in portal.ok("GET", f"/dip-ids/{target}/channels")["channels"]] == ["IF-041", "IF-043"]

    sent = world["client"].post("/dip-channel/IF-041", [message(supplier, [target])]).json()["messageArray"][0]
    hook.wait_for_deliveries(1)
    received = portal.ok("GET", f"/dip-ids/{target}/messages", params={"direction": "received"})["messages"]
    assert [m["transaction_id"] for m in received] == [sent["transactionID"]]
    deadline = time.monotonic() + 10
    while portal.ok("GET", f"/messages/{sent['transactionID']}")["deliveries"][0]["state"] != "Delivered":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    detail = portal.ok("GET", f"/messages/{sent['transactionID']}")
    assert detail["deliveries"][0]["journal"][0]["url"] == hook.url and detail["deliveries"][0]["journal"][0][
        "status"] == 201
    performance = portal.ok("GET", f"/dip-ids/{target}/performance")
    assert performance["deliveries_to_this_dip_id"]["Delivered"] == 1
    assert performance["delivery_latency_ms"]["count"] == 1 and performance["delivery_latency_ms"]["p99"] >= 0
    # the sender's organisation sees its sent message, not the receiver's channels
    sender_portal = DipPortal(running)
    sender_portal.first_sign_in(supplier["members"][0]["email"], supplier["members"][0]["password"])
    supplier_id = supplier["dip_ids"][0]["dip_id"]
    assert [m["transaction_id"] for m in sender_portal.ok("GET", f"/dip-ids/{supplier_id}/messages")["messages"]] == \
        [sent["transactionID"]]
    assert sender_portal.call("GET", f"/dip-ids/{target}/channels").status_code == 404
    assert portal.call("DELETE", f"/dip-ids/{target}/channels/IF-043").status_code == 204


SPEC = __import__("pathlib").Path(__file__).resolve().parents[2] / "shared" / "dip-api-spec" / "v1.8.3"


def _examples() -> dict:
    import yaml
    examples = yaml.safe_load((SPEC / "Examples-unresolved.yaml").read_text())["components"]["examples"]
    wrapped = {name: e["value"] if isinstance(e["value"], list) else [e["value"]] for name, e in examples.items()}
    return {name: items for name, items in wrapped.items() if all(isinstance(i, dict) for i in items)}


def test_the_official_examples_against_the_official_schemas(start_sandbox, tmp_path):
    """With --dip-spec every message is validated against the official files. Of the v1.8.3 examples, IF-043 and
    IF-044 conform; the others carry the divergences the files really have (older field names such as
    S1.environment and S1.sentTimestamp, an event code IF-003 does not list, custom blocks that changed)."""
    running = start_sandbox(profile="instant", clock_mode="manual", dip_spec=str(SPEC))
    supplier = onboard(running, company_name="Super Energy Co")
    client = dip_client(running, supplier, tmp_path)
    verdicts = {}
    for name, items in _examples().items():
        s0 = {k.lower(): v for k, v in items[0]["payload"]["CommonBlock"]["S0"].items()}
        interface, event = s0.get("interfaceid") or name[:6], str(s0["eventcode"]).strip("[]")
        for item in items:  # the examples are written for SIT; this is the UIT DIP
            s1 = item["payload"]["CommonBlock"].get("S1", {})
            if "environmentTag" in s1:
                s1["environmentTag"] = "UIT"
        answer = client.session.post(f"{client.base_url}/validate/{interface}/{event}", json=items,
                                     verify=running.bundle, cert=client.session.cert, timeout=30)
        verdicts[name] = (answer.status_code, answer.json())
    assert verdicts["IF-043"] == (201, "Message OK") and verdicts["IF-044"] == (201, "Message OK")
    assert verdicts["IF-021"][0] == 400 and "CommonBlock.S1: Additional properties are not allowed ('environment'" \
        in verdicts["IF-021"][1]
    assert verdicts["IF-003-MSDeAppRM"][0] == 400 and "is not an event of IF-003" in verdicts["IF-003-MSDeAppRM"][1]
    assert verdicts["IF-001-InitialRegistration"][0] == 400 and "CustomBlock.B002" in \
        verdicts["IF-001-InitialRegistration"][1]


def test_spec_validation_on_send_with_case_insensitive_custom_fields(start_sandbox, tmp_path):
    import copy
    running = start_sandbox(profile="instant", clock_mode="manual", dip_spec=str(SPEC))
    registration = onboard(running, company_name="Registration Co", dip_ids=[{"role_code": "REGS"}])
    receiver = onboard(running, company_name="Big Energy Company", dip_ids=[{"role_code": "SUP"}])
    distributor = onboard(running, company_name="Grid Wires plc", dip_ids=[{"role_code": "LDSO"}])
    client = dip_client(running, registration, tmp_path)
    example = copy.deepcopy(_examples()["IF-043"][0])  # sent by REGS in the official example
    common = example["payload"]["CommonBlock"]
    common["S1"] = message(registration, [])["payload"]["CommonBlock"]["S1"]
    common["A0"] = {"primaryRecipients": [receiver["dip_ids"][0]["dip_id"]], "secondaryRecipients": [], "always": []}
    common["M0"]["distributorDIPID"] = distributor["dip_ids"][0]["dip_id"]
    interface = {k.lower(): v for k, v in common["S0"].items()}["interfaceid"]
    custom = example["payload"]["CustomBlock"]
    block = next(iter(custom))
    custom[block.lower()] = custom.pop(block)  # field names are case-insensitive
    accepted = client.post(f"/dip-channel/{interface}", [example])
    assert accepted.status_code == 201, accepted.text
    stored = json.loads(running.sandbox.dip["uit"].ctx.one(
        "select payload from dip_messages where transaction_id = ?",
        [accepted.json()["messageArray"][0]["transactionID"]])["payload"])
    assert block in stored["CustomBlock"]  # kept in the schema's spelling
    broken = copy.deepcopy(example)
    broken["payload"]["CommonBlock"]["S1"] = message(registration, [])["payload"]["CommonBlock"]["S1"]
    broken["payload"]["CustomBlock"]["unknownBlock"] = {}
    rejected = client.post(f"/dip-channel/{interface}", [broken])
    assert rejected.status_code == 400 and _codes(rejected) == ["MSG1001"]
    assert "unknownBlock" in rejected.json()["messageArray"][0]["help"]


RETRIED = (408, 429, 500, 502, 503, 504)
NOT_RETRIED = (400, 401, 403, 404, 405, 406, 413, 505)


def test_every_retry_and_no_retry_status(start_sandbox, tmp_path):
    """One interface per status (each is its own ordered queue); the webhook answers the status in its path. The
    routing table is set aside (dip_routing=addressed): one supplier sends on 16 interfaces to one data service."""
    running = start_sandbox(profile="instant", clock_mode="manual", dip_delivery_attempts=2, dip_delivery_backoff=60,
                            dip_routing="addressed")
    hook = running.handle.webhook_receiver()
    statuses = RETRIED + NOT_RETRIED + (201, 207)
    channels = dict(zip(interface_ids(), statuses))
    receiver = onboard(running, company_name="Big Energy Company", dip_ids=[{"role_code": "ADS"}],
                       webhooks={channel: f"{hook.url}/{status}" for channel, status in channels.items()})
    hook.status_by_path = {f"/webhook/{status}": status for status in statuses}
    supplier = onboard(running, company_name="Super Energy Co")
    client = dip_client(running, supplier, tmp_path / "client")
    target = receiver["dip_ids"][0]["dip_id"]
    for channel in channels:
        assert client.post(f"/dip-channel/{channel}", [message(supplier, [target], interface=channel)]
                           ).status_code == 201
    hook.wait_for_deliveries(len(channels))
    dip = running.sandbox.dip["uit"]

    def states() -> dict:
        rows = dip.ctx.store.query("select interface_id, state, attempts from dip_deliveries")
        return {channels[r["interface_id"]]: (r["state"], r["attempts"]) for r in rows}

    deadline = time.monotonic() + 10
    while any(attempts == 0 for _, attempts in states().values()) and time.monotonic() < deadline:
        time.sleep(0.05)
    first = states()
    assert {s: first[s] for s in RETRIED} == {s: ("Retrying", 1) for s in RETRIED}
    assert {s: first[s] for s in NOT_RETRIED} == {s: ("DeliveryFailure", 1) for s in NOT_RETRIED}
    assert first[201] == first[207] == ("Delivered", 1)
    requests.post(running.control + "/clock/advance", json={"seconds": 60}, timeout=10)
    hook.wait_for_deliveries(len(channels) + len(RETRIED))
    deadline = time.monotonic() + 10
    while any(states()[s][0] == "Retrying" for s in RETRIED) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert {s: states()[s] for s in RETRIED} == {s: ("RetriesExhausted", 2) for s in RETRIED}
    hook.close()


def test_order_is_kept_per_recipient_and_interface(world):
    """The first message is refused with 503: the second waits behind it and goes after it."""
    client, hook, supplier = world["client"], world["hook"], world["supplier"]
    hook.statuses = [503]
    first = client.post("/dip-channel/IF-041", [message(supplier, [recipient(world)])]).json()["messageArray"][0]
    hook.wait_for_deliveries(1)
    second = client.post("/dip-channel/IF-041", [message(supplier, [recipient(world)])]).json()["messageArray"][0]
    time.sleep(0.5)  # room for a wrong early delivery of the second message
    assert len(hook.deliveries) == 1
    requests.post(world["running"].control + "/clock/advance", json={"seconds": 30}, timeout=10)
    deliveries = hook.wait_for_deliveries(2)
    order = [m["payload"]["CommonBlock"]["D0"]["transactionID"] for d in deliveries for m in json.loads(d.body)]
    assert order[0] == first["transactionID"] and order[1:3] == [first["transactionID"], second["transactionID"]]


def test_recipient_not_yet_effective(world):
    future = onboard(world["running"], company_name="Future Energy Ltd", dip_ids=[{"role_code": "ADS",
                                                                                   "effective_from": "2030-01-01"}])
    response = world["client"].post("/dip-channel/IF-041", [message(world["supplier"],
                                                                     [future["dip_ids"][0]["dip_id"]])])
    assert _codes(response) == ["MSG1031"] and "is not effective on" in response.json()["messageArray"][0]["help"]


def test_secondary_and_always_recipients_from_the_routing_table(dip, tmp_path):
    """IF-021 goes to the MPAN's distributor (M0) as secondary and to VAS as always recipient."""
    from tests.dip_helpers import manager
    running = dip
    hook = running.handle.webhook_receiver()
    vas = manager(running).ok("POST", "/manager/central-services", 201,
                              json={"role_code": "VAS", "effective_from": "2025-01-01"})["dip_id"]
    running.sandbox.dip["uit"].webhooks.set(vas, "IF-021", {"callbackURL": hook.url + "/vas"}, "test")
    sender = onboard(running, company_name="Data Service Ltd", dip_ids=[{"role_code": "ADS"}])
    supplier = onboard(running, company_name="Super Energy Co", webhooks={"IF-021": hook.url + "/sup"})
    distributor = onboard(running, company_name="Grid Wires plc", dip_ids=[{"role_code": "LDSO"}],
                          webhooks={"IF-021": hook.url + "/ldso"})
    client = dip_client(running, sender, tmp_path / "client")
    sent = message(sender, [supplier["dip_ids"][0]["dip_id"]], interface="IF-021", event="[ActivePower]")
    missing_mpan = client.post("/dip-channel/IF-021", [sent])
    assert _codes(missing_mpan) == ["MSG1037"]
    sent["payload"]["CommonBlock"]["M0"] = {"MPANCore": "2000056535971", "GSPGroupID": "_K",
                                            "distributorDIPID": "1000000009"}
    assert _codes(client.post("/dip-channel/IF-021", [sent])) == ["MSG1038"]
    sent["payload"]["CommonBlock"]["M0"]["distributorDIPID"] = distributor["dip_ids"][0]["dip_id"]
    accepted = client.post("/dip-channel/IF-021", [sent])
    assert accepted.status_code == 201, accepted.text
    arrived = {d.path.rsplit("/", 1)[1]: json.loads(d.body)[0] for d in hook.wait_for_deliveries(3)}
    assert set(arrived) == {"sup", "ldso", "vas"}
    a0 = arrived["sup"]["payload"]["CommonBlock"]["A0"]
    assert a0 == {"primaryRecipients": [supplier["dip_ids"][0]["dip_id"]],
                  "secondaryRecipients": [distributor["dip_ids"][0]["dip_id"]], "always": [vas]}
    assert len({m["payload"]["CommonBlock"]["D0"]["publicationID"] for m in arrived.values()}) == 3
    hook.close()


def test_the_performance_figures_follow_every_delivery_state(world, tmp_path):
    """The Performance page's totals (kept as running totals) against what the webhook answered: a retry, its
    success, a refusal and a requeued message, and the sender's count per interface."""
    from tests.dip_helpers import DipPortal
    running, supplier, hook, client = world["running"], world["supplier"], world["hook"], world["client"]
    target = recipient(world)
    portal = DipPortal(running)
    portal.first_sign_in(world["receiver"]["members"][0]["email"], world["receiver"]["members"][0]["password"])

    def figures() -> dict:
        return portal.ok("GET", f"/dip-ids/{target}/performance")

    def settled(state: str, count: int) -> dict:
        deadline = time.monotonic() + 10
        while (shown := figures())["deliveries_to_this_dip_id"][state] != count:
            assert time.monotonic() < deadline, shown
            time.sleep(0.05)
        return shown

    hook.statuses = [503]
    first = client.post("/dip-channel/IF-041", [message(supplier, [target])]).json()["messageArray"][0]
    shown = settled("Retrying", 1)
    assert shown["deliveries_to_this_dip_id"]["Delivered"] == 0 and shown["delivery_latency_ms"]["count"] == 0
    assert shown["delivery_latency_ms"]["p50"] is None
    requests.post(running.control + "/clock/advance", json={"seconds": 3600}, timeout=10)
    shown = settled("Delivered", 1)
    assert shown["deliveries_to_this_dip_id"]["Retrying"] == 0 and shown["delivery_latency_ms"]["count"] == 1

    hook.statuses = [400]
    client.post("/dip-channel/IF-041", [message(supplier, [target])])
    settled("DeliveryFailure", 1)
    receiver_client = dip_client(running, world["receiver"], tmp_path / "receiver")
    requeued = receiver_client.post(f"/dip-channel/IF-041/requeue/{target}",
                                    {**REQUEST, "transactionIDs": [first["transactionID"]]})
    assert requeued.status_code == 200, requeued.text
    shown = settled("Delivered", 2)
    latency = shown["delivery_latency_ms"]
    assert latency["count"] == 2 and 0 <= latency["p50"] <= latency["p90"] <= latency["p99"]
    assert sum(shown["deliveries_to_this_dip_id"].values()) == 3  # the requeued delivery is a delivery too

    sender_portal = DipPortal(running)
    sender_portal.first_sign_in(supplier["members"][0]["email"], supplier["members"][0]["password"])
    sent = sender_portal.ok("GET", f"/dip-ids/{supplier['dip_ids'][0]['dip_id']}/performance")
    assert sent["sent"] == {"IF-041": 2} and sent["sent_total"] == 2


def test_a_replay_wider_than_its_bound_is_refused_with_how_to_narrow_it(world, tmp_path, monkeypatch):
    from mock_dip import replay
    monkeypatch.setattr(replay, "MAX_REPLAY", 2)  # the sandbox runs in this process: its bound, made small
    running, supplier, hook = world["running"], world["supplier"], world["hook"]
    target = recipient(world)
    sent = world["client"].post("/dip-channel/IF-041", [message(supplier, [target]) for _ in range(3)])
    hook.wait_for_deliveries(1)
    receiver_client = dip_client(running, world["receiver"], tmp_path / "receiver")
    for path in (f"/dip-channel/IF-041/replay/{target}", f"/dip-channel/IF-041/requeue/{target}"):
        refused = receiver_client.post(path, REQUEST)
        assert refused.status_code == 400, refused.text
        item = refused.json()["messageArray"][0]
        assert "selects 3 messages, more than the 2" in item["help"] and "narrow datetimeFrom" in item["help"]
    named = [t["transactionID"] for t in sent.json()["messageArray"][:2]]
    within = receiver_client.post(f"/dip-channel/IF-041/replay/{target}", {**REQUEST, "transactionIDs": named})
    assert within.status_code == 200
    assert [m["payload"]["CommonBlock"]["D0"]["transactionID"] for m in within.json()] == named
