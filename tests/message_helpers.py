"""Sending DIP messages as a client does (signed, over mTLS) and receiving them on an HTTPS webhook that
requires the DIP's client certificate, for the message API tests."""
from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import requests

from sandbox.harness import DipClient
from seed_data.routing import route

_references = itertools.count(1)


def onboard(running, environment="uit", **payload) -> dict:
    response = requests.post(f"{running.control}/dip/{environment}/organisations", json=payload, timeout=60)
    assert response.status_code == 201, response.text
    return response.json()


def message(sender: dict, recipients: list[str], interface="IF-041", event: str | None = None, **s1_changes) -> dict:
    """A message as a client builds it; `event` defaults to the interface's first event code ([ReadingCOS] for
    IF-041)."""
    if event is None:
        known = route(interface)
        event = "[ReadingCOS]" if interface == "IF-041" or known is None else f"[{known.events[0]}]"
    dip_id = sender["dip_ids"][0]
    reference = f"S-{interface}-0123456789-{dip_id['role']}-20261123-r{next(_references)}"
    s1 = {"environmentTag": "UIT", "subText": None, "senderUniqueReference": reference,
          "senderTimestamp": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00"),
          "senderDIPID": dip_id["dip_id"], "senderRoleID": dip_id["role"], "senderCorrelationID": None,
          "DIPConnectionProviderID": None, **s1_changes}
    return {"payload": {"CommonBlock": {
        "S0": {"interfaceID": interface, "schemaVersion": "011", "eventCode": event}, "S1": s1,
        "A0": {"primaryRecipients": recipients, "secondaryRecipients": [], "always": []}},
        "CustomBlock": {"B900": {"reading": "12345"}}}}


def dip_client(running, organisation: dict, directory: Path, environment: str = "uit",
               signing: dict | None = None) -> DipClient:
    """The shipped reference client (sandbox.harness.DipClient) for an organisation the control API onboarded:
    its mTLS files, its first DIP ID's API key, and the Signing certificate of `signing` (another organisation, or
    {"key_pem", "signing_certificate_pem"} of a certificate made in the test) instead of its own when given."""
    directory.mkdir(parents=True, exist_ok=True)
    name = organisation["organisation_id"]
    cert, key = directory / f"{name}.cer", directory / f"{name}.key"
    cert.write_text(organisation["certificate_pem"])
    key.write_text(organisation["key_pem"])
    signer = signing or organisation
    signing_cert, signing_key = directory / f"{name}-signing.cer", directory / f"{name}-signing.key"
    signing_cert.write_text(signer["signing_certificate_pem"] or "")
    signing_key.write_text(signer["key_pem"])
    api_key = organisation["dip_ids"][0]["api_key"] if organisation["dip_ids"] else None
    return DipClient(running.endpoints["dip_api"][environment], cert, key, api_key, running.bundle,
                     signing_certificate_file=signing_cert, signing_key_file=signing_key)

