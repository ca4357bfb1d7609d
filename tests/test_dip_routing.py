"""Routing of every official interface, checked from the official documents: the routing table names each
interface as the official channel list does, knows exactly the event codes of its payload schemas, and the
message API refuses (through real sockets) the sender roles, recipient roles, interfaces and event codes the
table does not route — unless started with dip_routing=addressed."""
from __future__ import annotations

import re

import pytest
import requests
import yaml

from tests.dip_official_spec import spec_dir
from tests.message_helpers import dip_client, message, onboard


def _channel_titles(version: str) -> dict[str, str]:
    """IF-0NN / REP-NNN -> title, from the description of the official SubmitEvents document."""
    description = yaml.safe_load((spec_dir(version) / "SubmitEvents-unresolved.yaml").read_text())["info"][
        "description"]
    titles = {}
    for kind, number, title in re.findall(r"-\s+(Channel|REP)-(\d{3}[A-Z]?)\s+(.+?)\s*(?:\*\*)?<br>", description):
        titles[("IF-" if kind == "Channel" else "REP-") + number] = re.sub(r"\s+", " ", title).strip(" *")
    return titles


def _event_codes(version: str) -> dict[str, set[str]]:
    schemas = yaml.safe_load((spec_dir(version) / "Interfaces-EventCodes-unresolved.yaml").read_text())[
        "components"]["schemas"]
    found: dict[str, set[str]] = {}

    def walk(node, interface):
        if isinstance(node, dict):
            for key, value in node.items():
                if key.lower() == "eventcode" and isinstance(value, dict) and "enum" in value:
                    found.setdefault(interface, set()).update(e.strip("[]") for e in value["enum"])
                walk(value, interface)
        elif isinstance(node, list):
            for item in node:
                walk(item, interface)
    for name, schema in schemas.items():
        match = re.match(r"^((IF|REP)-\d{3}[A-Z]?)", name)
        if match:
            walk(schema, match.group(1))
    return found


@pytest.mark.parametrize("version", ["v1.8.3", "v2.1.0"])
def test_the_table_names_and_events_are_the_official_ones(running, version):
    table = {r["interface"]: r for r in requests.get(running.control + "/dip/uit/routing", timeout=10).json()[
        "interfaces"]}
    titles = _channel_titles(version)
    named = [i for i in table if i in titles]
    assert len(named) > 40
    for interface in named:
        assert table[interface]["name"].replace(" ", "") == titles[interface].replace(" ", ""), interface
    for interface, events in _event_codes(version).items():
        assert events <= set(table[interface]["events"]), interface
    for entry in table.values():
        assert entry["from"] and entry["to"] and entry["basis"].split(":")[0] in ("official", "sandbox choice")


def test_the_message_api_refuses_what_the_table_does_not_route(start_sandbox, tmp_path):
    running = start_sandbox(profile="instant", clock_mode="manual")
    supplier = onboard(running, company_name="Super Energy Co")
    other_supplier = onboard(running, company_name="Other Energy Co")
    data_service = onboard(running, company_name="Data Service Ltd", dip_ids=[{"role_code": "SDS"}])
    client = dip_client(running, supplier, tmp_path / "client")
    sds, sup = data_service["dip_ids"][0]["dip_id"], other_supplier["dip_ids"][0]["dip_id"]

    def answer(interface, recipients, **changes):
        sent = client.post(f"/dip-channel/{interface}", [message(supplier, recipients, interface=interface,
                                                                 **changes)])
        item = sent.json()["messageArray"][0]
        return sent.status_code, item["message"][:7], item["help"]

    assert answer("IF-024", [sds])[0] == 201  # Supplier Advisory Notification to DS
    status, code, help_text = answer("IF-005", [sds])  # a Metering Service's message
    assert (status, code) == (400, "MSG1010") and "is sent by MSA, MSS, UMSO" in help_text
    status, code, help_text = answer("IF-024", [sup])
    assert (status, code) == (400, "MSG1032") and "goes to ADS, SDS, UMSDS" in help_text
    status, code, help_text = answer("IF-042", [sds])  # in the channel list, not in DT-000-InterfaceID
    assert (status, code) == (400, "MSG1002") and "not an interface of the DIP API" in help_text
    status, code, help_text = answer("IF-024", [sds], event="[ReadingCOS]")
    assert (status, code) == (400, "MSG1001") and "[SN-Vacant]" in help_text


def test_addressed_routing_lets_every_role_send_every_interface(start_sandbox, tmp_path):
    running = start_sandbox(profile="instant", clock_mode="manual", dip_routing="addressed")
    supplier = onboard(running, company_name="Super Energy Co")
    other = onboard(running, company_name="Other Energy Co")
    client = dip_client(running, supplier, tmp_path / "client")
    sent = client.post("/dip-channel/IF-005", [message(supplier, [other["dip_ids"][0]["dip_id"]], interface="IF-005")])
    assert sent.status_code == 201, sent.text
    unknown = client.post("/dip-channel/IF-042", [message(supplier, [other["dip_ids"][0]["dip_id"]],
                                                          interface="IF-042")])
    assert unknown.status_code == 400  # still only the official interfaces
