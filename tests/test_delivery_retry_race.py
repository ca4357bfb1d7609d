"""The retry race of issue 18 (item 2): a test that advances the clock the moment its webhook answered 503 gets its
retry every time — a clock advance waits for the delivery in flight to be recorded first — and a retry is a wait
like the others: listed by /jobs (and the console), and "advance to the next due event" reaches it."""
from datetime import datetime

import requests

from tests.message_helpers import dip_client, message, onboard


def test_advancing_as_soon_as_the_webhook_answered_gets_the_retry_every_time(start_sandbox, tmp_path):
    running = start_sandbox(profile="instant", clock_mode="manual", dip_delivery_attempts=3, dip_delivery_backoff=60)
    supplier = onboard(running, company_name="Race Sender Energy")
    hook = running.handle.webhook_receiver()
    receiver = onboard(running, company_name="Race Receiver Ltd", dip_ids=[{"role_code": "ADS"}],
                       webhooks={"IF-041": hook.url})
    client = dip_client(running, supplier, tmp_path / "client")
    target = receiver["dip_ids"][0]["dip_id"]
    for _ in range(12):
        hook.statuses = [503]
        seen = len(hook.deliveries)
        assert client.post("/dip-channel/IF-041", [message(supplier, [target])]).status_code == 201
        hook.wait_for_deliveries(seen + 1)  # the webhook answered 503 ...
        requests.post(running.control + "/clock/advance", json={"seconds": 60}, timeout=30).raise_for_status()
        hook.wait_for_deliveries(seen + 2, timeout=3)  # ... and the advance made at once brings the retry, promptly
    hook.close()


def test_a_retry_is_listed_as_a_wait_and_the_next_due_event_reaches_it(start_sandbox, tmp_path):
    running = start_sandbox(profile="instant", clock_mode="manual", dip_delivery_attempts=3, dip_delivery_backoff=600)
    supplier = onboard(running, company_name="Wait Sender Energy")
    hook = running.handle.webhook_receiver()
    hook.statuses = [503]
    receiver = onboard(running, company_name="Wait Receiver Ltd", dip_ids=[{"role_code": "ADS"}],
                       webhooks={"IF-041": hook.url})
    target = receiver["dip_ids"][0]["dip_id"]
    assert dip_client(running, supplier, tmp_path / "c").post(
        "/dip-channel/IF-041", [message(supplier, [target])]).status_code == 201
    hook.wait_for_deliveries(1)
    requests.post(running.control + "/clock/advance", json={"seconds": 0}, timeout=30)  # settles the first answer
    jobs = requests.get(running.control + "/jobs", timeout=10).json()["jobs"]
    [retry] = [j for j in jobs if j["kind"] == "dip.delivery_retry"]
    assert retry["payload"] == {"environment": "uit", "recipient_dip_id": target, "interface": "IF-041",
                                "deliveries": 1, "attempts": 1}
    session = requests.Session()
    page = session.get(running.endpoints["web"] + "/console/", timeout=10).text
    assert "dip.delivery_retry" in page and f"{target} IF-041" in page  # the console's waiting list
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    session.post(running.endpoints["web"] + "/console/clock/advance", data={"csrf_token": token, "to_next": "1"},
                 headers={"Referer": running.endpoints["web"] + "/console/"}, timeout=30).raise_for_status()
    hook.wait_for_deliveries(2, timeout=10)
    now = datetime.fromisoformat(requests.get(running.control + "/clock", timeout=10).json()["now"])
    assert now >= datetime.fromisoformat(retry["due"])  # the clock went to the retry, the next due event
    hook.close()
