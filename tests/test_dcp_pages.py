"""The DCP path finished in pages (issue 17, blocker 3): an organisation requests DCP status on its organisation page,
the DIP Manager approves, the DCP creates a DCP ID on its DCP IDs tab, the Market Participant nominates it by
choosing the DCP from a list, and the DCP's member, acting for the MP, is offered only what it may open."""
import re

from tests.dip_helpers import MANAGER_PASSWORD, manager
from tests.message_helpers import onboard
from tests.test_send_test_message import csrf, options, page_session


def tabs(html: str) -> list[str]:
    nav = re.search(r'<nav class="tabs" aria-label="organisation">(.*?)</nav>', html, re.S).group(1)
    return [t.strip() for t in re.findall(r">([^<]+)</a>", nav)]


def test_the_dcp_path_by_pages(start_sandbox):
    running = start_sandbox(profile="instant", dip_manager_password=MANAGER_PASSWORD)
    web = running.endpoints["web"]
    provider = onboard(running, company_name="Fabrikam Connection Provider Ltd", dip_ids=[])
    supplier = onboard(running, company_name="Super Energy Co")
    dip_id = supplier["dip_ids"][0]["dip_id"]

    # the DCP asks for the status on its organisation page; the DIP Manager approves it
    dcp = page_session(running, provider)
    page = dcp.get(web + "/dip/uit/organisation", timeout=10).text
    assert "Disabled" in page and "Request DIP Connection Provider Status" in page and "DCP IDs" not in tabs(page)
    asked = dcp.post(web + "/dip/uit/organisation/dcp-status-request", data={"csrf_token": csrf(page)}, timeout=10)
    assert "DIP Connection Provider status requested" in asked.text and "Requested" in asked.text
    assert "Request DIP Connection Provider Status" not in asked.text  # asked once
    boss = manager(running)
    listed = boss.ok("GET", "/manager/dcp-requests")["organisations"]
    assert [r["id"] for r in listed] == [provider["organisation_id"]]
    boss.ok("POST", f"/manager/organisations/{provider['organisation_id']}/dcp-status", json={"decision": "approve"})

    # the approved DCP creates a DCP ID on its DCP IDs tab
    page = dcp.get(web + "/dip/uit/organisation", timeout=10).text
    assert "Active" in page and "DCP IDs" in tabs(page)
    page = dcp.get(web + "/dip/uit/organisation?tab=dcp-ids", timeout=10).text
    made = dcp.post(web + "/dip/uit/organisation/dcp-ids", data={"csrf_token": csrf(page)}, timeout=10).text
    dcp_id = re.search(r"DCP ID (\d+) created", made).group(1)
    assert f"<code>{dcp_id}</code>" in made

    # the Market Participant chooses the DCP (and its DCP ID) from a list, not a typed number
    mp = page_session(running, supplier)
    dip_id_page = mp.get(f"{web}/dip/uit/dip-ids/{dip_id}", timeout=10).text
    assert options(dip_id_page, "dcp_id") == [dcp_id]
    assert f"Fabrikam Connection Provider Ltd — DCP ID {dcp_id}" in dip_id_page
    nominated = mp.post(f"{web}/dip/uit/dip-ids/{dip_id}/nominations", timeout=10,
                        data={"csrf_token": csrf(dip_id_page), "dcp_id": dcp_id})
    assert f"DCP ID {dcp_id} nominated for DIP ID {dip_id}" in nominated.text
    row = mp.get(web + "/dip/uit/organisation", timeout=10).text.split(f">{dip_id}</a>", 1)[1].split("</tr>")[0]
    assert "Fabrikam Connection Provider Ltd" in row and dcp_id in row

    # the DCP's member acts for the MP: only the DIP IDs tab, no Members link that answers 403
    home = dcp.get(web + "/dip/uit/home", timeout=10).text
    assert "Acting for" in home and 'class="context-switch"' in home
    switched = dcp.post(web + "/dip/uit/context", timeout=10,
                        data={"csrf_token": csrf(home), "organisation_id": supplier["organisation_id"]})
    assert "acting as DIP Connection Provider for" in switched.text
    page = dcp.get(web + "/dip/uit/organisation", timeout=10).text
    assert tabs(page) == ["DIP IDs"] and "Create DIP ID" not in page
    members = dcp.get(web + "/dip/uit/organisation?tab=members", timeout=10)
    assert members.status_code == 200 and "Create member" not in members.text
    dip_id_page = dcp.get(f"{web}/dip/uit/dip-ids/{dip_id}", timeout=10).text
    assert "Edit or delete this DIP ID" not in dip_id_page and "Nominate DCP" not in dip_id_page

