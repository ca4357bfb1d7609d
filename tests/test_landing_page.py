"""The web root: a landing page for a person, the JSON summary for a script (issue 17: no JSON in a browser)."""
import requests


def test_the_web_root_is_a_page_for_a_browser_and_json_for_a_script(shared_running):
    web = shared_running.endpoints["web"]
    page = requests.get(web + "/", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}, timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    for link in ("/console/", "/atlas/", "/dip/uit/", "/dip/prod/", "/_sandbox/docs"):
        assert f'href="{link}"' in page.text
        assert requests.get(web + link, timeout=10).status_code == 200, link
    assert requests.get(web + "/", timeout=10).json()["name"] == "dip-sandbox"


def test_every_address_of_the_trainers_quick_start_is_a_page(shared_running):
    """docs/trainer-quick-start.md names pages by their address: each answers a page (the signed-in ones the
    sign-in page first), never a 404 or JSON."""
    import re
    from pathlib import Path
    text = (Path(__file__).resolve().parent.parent / "docs" / "trainer-quick-start.md").read_text()
    addresses = sorted({a.replace("<DIP ID>", "0000000000") for a in re.findall(r"`(/[^`\s]*)`", text)})
    assert len(addresses) >= 10, addresses
    web = shared_running.endpoints["web"]
    for address in addresses:
        answer = requests.get(web + address, headers={"Accept": "text/html"}, timeout=10)
        assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/html"), address
        assert "sandbox.css" in answer.text, address
