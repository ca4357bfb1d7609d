"""The DIP Manager's tabs of the guide's navigation (issue 17, item 8): MPAN (a lookup over the MPANs of the
sandbox's messages and those a scenario seeds), Users (every member) and Audit (every organisation), through the
web listener as a browser signed in as the DIP Manager."""
import re

import requests

from tests.conftest import BROWSER
from tests.dip_helpers import MANAGER_PASSWORD, manager
from tests.message_helpers import onboard



def manager_pages(running) -> requests.Session:
    boss = manager(running)
    session = requests.Session()
    session.headers.update(BROWSER)
    session.cookies.set("dip_session_uit", boss.session.headers["Authorization"].removeprefix("Bearer "),
                        path="/dip/uit")
    return session


def test_mpan_users_and_audit_tabs_of_the_dip_manager(start_sandbox):
    running = start_sandbox(profile="instant", dip_manager_password=MANAGER_PASSWORD)
    web = running.endpoints["web"]
    receiver = onboard(running, company_name="Mpan Receiver Ltd", dip_ids=[{"role_code": "ADS"}])
    dip_id = receiver["dip_ids"][0]["dip_id"]
    mpan = "1234567890123"
    sent = requests.post(running.control + "/dip/uit/publish", timeout=30, json={
        "to": dip_id, "interface": "IF-041", "payload": {"CommonBlock": {"M0": {"MPANCore": mpan}}, "CustomBlock": {}}})
    assert sent.status_code == 201, sent.text
    pages = manager_pages(running)
    home = pages.get(web + "/dip/uit/home", timeout=10).text
    nav = re.search(r'<nav class="menu" aria-label="main">(.*?)</nav>', home, re.S).group(1)
    assert [t.strip() for t in re.findall(r">([^<]+)</a>", nav)] == [
        "Home", "Market Participant Organisation", "Audit", "MPAN", "Users"]

    listed = pages.get(web + "/dip/uit/mpan", timeout=10).text
    assert f"mpan_core={mpan}" in listed
    found = pages.get(web + "/dip/uit/mpan", params={"mpan_core": mpan}, timeout=10).text
    assert sent.json()["transaction_id"] in found and "IF-041" in found
    wrong = pages.get(web + "/dip/uit/mpan", params={"mpan_core": "12"}, timeout=10)
    assert wrong.status_code == 400 and "is not an MPAN core: 13 digits" in wrong.text

    users = pages.get(web + "/dip/uit/users", timeout=10).text
    assert receiver["members"][0]["email"] in users and "Mpan Receiver Ltd" in users
    audit = pages.get(web + "/dip/uit/audit", timeout=10).text
    assert "organisation onboarded in one call" in audit

    # a member does not get the DIP Manager's tabs
    from tests.test_send_test_message import page_session
    member = page_session(running, receiver)
    assert member.get(web + "/dip/uit/mpan", timeout=10).status_code == 403
    assert member.get(web + "/dip/uit/users", timeout=10).status_code == 403


def test_the_demo_scenario_seeds_mpans(start_sandbox):
    running = start_sandbox(profile="instant", dip_manager_password=MANAGER_PASSWORD, scenario="demo-organisations")
    listed = manager_pages(running).get(running.endpoints["web"] + "/dip/uit/mpan", timeout=10).text
    assert "1900000000018" in listed
