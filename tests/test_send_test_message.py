"""Send a test message from a page and the built-in webhook inbox (issue 17, blocker 2), through the web listener
as a browser drives it (forms, the session cookie, CSRF tokens): the DIP portal's Messages page and the console,
checked against the routing table and the DIP's signature as a recipient checks it."""
import json
import re
import time

import requests

from tests.conftest import BROWSER
from tests.dip_helpers import DipPortal
from tests.message_helpers import onboard



def page_session(running, organisation) -> requests.Session:
    member = organisation["members"][0]
    portal = DipPortal(running)
    portal.first_sign_in(member["email"], member["password"])
    session = requests.Session()
    session.headers.update(BROWSER)
    session.cookies.set("dip_session_uit", portal.session.headers["Authorization"].removeprefix("Bearer "),
                        path="/dip/uit")
    return session


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def options(html: str, select_id: str) -> list[str]:
    select = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return [v for v in re.findall(r'<option value="([^"]*)"', select) if v]


def textarea(html: str) -> str:
    import html as markup
    return markup.unescape(re.search(r'<textarea id="send-payload"[^>]*>(.*?)</textarea>', html, re.S).group(1))


def wait_for(check, what: str, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def test_a_message_admin_sends_a_test_message_by_steps_to_a_dip_id_using_the_sandbox_inbox(shared_running):
    web = shared_running.endpoints["web"]
    supplier = onboard(shared_running, company_name="Step Sender Energy")
    receiver = onboard(shared_running, company_name="Step Receiver Services", dip_ids=[{"role_code": "ADS"}])
    sender_id, receiver_id = supplier["dip_ids"][0]["dip_id"], receiver["dip_ids"][0]["dip_id"]

    # the receiver's Message Admin points every channel at the sandbox's inbox
    inbox_owner = page_session(shared_running, receiver)
    channels = inbox_owner.get(web + "/dip/uit/channels", timeout=10).text
    interfaces = options(channels, f"channel-{receiver_id}")
    assert "IF-041" in interfaces and "STATUS" in interfaces and "IF-032" not in interfaces  # ADS does not get IF-032
    used = inbox_owner.post(f"{web}/dip/uit/channels/{receiver_id}/use-inbox", data={"csrf_token": csrf(channels)},
                            timeout=10)
    assert used.url.endswith(f"/dip/uit/inbox/{receiver_id}") and "Nothing has arrived yet" in used.text
    inbox_url = re.search(r'<code id="inbox-url">([^<]+)</code>', used.text).group(1)
    assert inbox_url == f"{web}/inbox/uit/{receiver_id}"
    assert inbox_url in inbox_owner.get(web + "/dip/uit/channels", timeout=10).text

    # the sender's Message Admin: Messages -> Send a test message, one step at a time
    sender = page_session(shared_running, supplier)
    messages = sender.get(web + "/dip/uit/messages", timeout=10).text
    assert 'href="/dip/uit/messages/send"' in messages
    step1 = sender.get(web + "/dip/uit/messages/send", timeout=10).text
    assert options(step1, "send-from") == [sender_id]  # only the organisation's own DIP IDs
    assert receiver_id in options(step1, "send-to") and "role:ADS" in options(step1, "send-to")
    step2 = sender.get(web + "/dip/uit/messages/send", params={"from": sender_id, "to": receiver_id}, timeout=10)
    assert step2.status_code == 200
    offered = options(step2.text, "send-interface")
    assert "IF-041" in offered and "IF-032" not in offered and all(i.startswith(("IF-", "REP-")) for i in offered)
    step3 = sender.get(web + "/dip/uit/messages/send", timeout=10,
                       params={"from": sender_id, "to": receiver_id, "interface": "IF-041"}).text
    assert "ReadingCOS" in options(step3, "send-event") or "ReadingCOS" in step3
    payload = json.loads(textarea(step3))
    common = payload["CommonBlock"]
    assert common["S0"]["interfaceID"] == "IF-041" and common["S1"]["senderDIPID"] == sender_id
    assert "A0" not in common and "senderTimestamp" not in common["S1"]  # addressed and stamped when sent
    payload["CustomBlock"] = {"edited": "by the trainer"}
    sent = sender.post(web + "/dip/uit/messages/send", timeout=10, data={
        "csrf_token": csrf(step3), "from": sender_id, "to": receiver_id, "interface": "IF-041",
        "event_code": re.search(r"<option selected>([^<]+)</option>", step3).group(1), "payload": json.dumps(payload)})
    assert sent.status_code == 200 and "/dip/uit/messages/" in sent.url, sent.text[:500]
    transaction = sent.url.rsplit("/", 1)[1]
    assert f"transaction {transaction}" in sent.text

    # it reached the inbox, signed by the DIP, with the edit kept
    def arrived():
        page = inbox_owner.get(f"{web}/dip/uit/inbox/{receiver_id}", timeout=10).text
        return page if transaction in page else None
    inbox = wait_for(arrived, "the message never reached the inbox")
    row = inbox.split(transaction, 1)[1].split("</tr>", 1)[0]
    assert "verified" in row and "not verified" not in row and ">201<" in row
    assert "by the trainer" in inbox
    detail = sender.get(f"{web}/dip/uit/messages/{transaction}", timeout=10).text
    assert "Delivered" in detail


def test_the_inbox_refuses_what_the_dip_did_not_sign_and_shows_it(shared_running):
    web = shared_running.endpoints["web"]
    receiver = onboard(shared_running, company_name="Forgery Watch Ltd", dip_ids=[{"role_code": "ADS"}])
    receiver_id = receiver["dip_ids"][0]["dip_id"]
    forged = requests.post(f"{web}/inbox/uit/{receiver_id}", json=[{"payload": {"CommonBlock": {}}}], timeout=10)
    assert forged.status_code == 400
    assert forged.json()["messageArray"][0]["message"].startswith("RCP9999")
    unknown = requests.post(f"{web}/inbox/uit/0000000000", json=[], timeout=10)
    assert unknown.status_code == 404 and "no DIP ID 0000000000" in unknown.json()["error"]["message"]
    page = page_session(shared_running, receiver).get(f"{web}/dip/uit/inbox/{receiver_id}", timeout=10).text
    assert "not verified:" in page and "X-DIP-" in page


def test_mistakes_in_the_send_form_are_shown_next_to_the_step_that_is_wrong(shared_running):
    web = shared_running.endpoints["web"]
    supplier = onboard(shared_running, company_name="Careless Sender Energy")
    sender_id = supplier["dip_ids"][0]["dip_id"]
    session = page_session(shared_running, supplier)
    wrong_interface = session.get(web + "/dip/uit/messages/send", timeout=10,
                                  params={"from": sender_id, "to": "role:ADS", "interface": "IF-032"})
    assert wrong_interface.status_code == 400
    assert "IF-032 is not an interface ADS receives from SUP" in wrong_interface.text
    assert options(wrong_interface.text, "send-interface")  # the list to choose from is still there
    not_mine = session.get(web + "/dip/uit/messages/send", params={"from": "0000000001"}, timeout=10)
    assert not_mine.status_code == 400 and "is not one of the choices offered" in not_mine.text
    step3 = session.get(web + "/dip/uit/messages/send", timeout=10,
                        params={"from": sender_id, "to": "role:ADS", "interface": "IF-041"}).text
    broken = session.post(web + "/dip/uit/messages/send", timeout=10, data={
        "csrf_token": csrf(step3), "from": sender_id, "to": "role:ADS", "interface": "IF-041",
        "payload": "{not json"})
    assert broken.status_code == 422 and "the payload is not JSON" in broken.text
    assert "{not json" in textarea(broken.text)  # what the person typed is kept for correcting


def test_the_console_sends_from_any_dip_id_to_a_sandbox_counterpart(shared_running):
    web = shared_running.endpoints["web"]
    supplier = onboard(shared_running, company_name="Console Sender Energy")
    sender_id = supplier["dip_ids"][0]["dip_id"]
    console = requests.Session()
    console.headers.update(BROWSER)
    step = console.get(web + "/console/messages", timeout=10,
                       params={"environment": "uit", "from": sender_id, "to": "role:ADS", "interface": "IF-041"})
    assert step.status_code == 200 and sender_id in options(step.text, "send-from")
    sent = console.post(web + "/console/messages/uit", timeout=10, data={
        "csrf_token": csrf(step.text), "from": sender_id, "to": "role:ADS", "interface": "IF-041",
        "payload": textarea(step.text)})
    assert sent.status_code == 200
    flashed = re.search(r'class="flash ok"[^>]*>([^<]+)<', sent.text).group(1)
    assert "IF-041 [" in flashed and f"sent from {sender_id} to " in flashed
    counterpart = re.search(r" to (\d{10}): transaction", flashed).group(1)
    journal = requests.get(shared_running.control + "/journal", params={"listener": "dip_uit_counterparts"},
                           timeout=10).json()
    assert any(e["method"] == "SEND-TEST" and e["detail"]["to"] == counterpart for e in journal["entries"])
    broken = console.post(web + "/console/messages/uit", timeout=10, data={
        "csrf_token": csrf(step.text), "from": sender_id, "to": "role:ADS", "interface": "IF-041",
        "payload": "{not json"})
    assert broken.status_code == 422 and "the payload is not JSON" in broken.text  # shown on the form, not a 500
    assert "{not json" in textarea(broken.text)
