"""--seed with pinned CA material (--ca-dir) and a pinned clock (--clock-start, manual): two sandboxes that
receive the same requests answer the same, request by request — identifiers, tokens, DIP IDs, API keys, serial
numbers, timestamps — with only the keys (and what embeds them) told apart. Each sandbox makes its own keys
here (its own scenario key directory), so nothing is equal merely because the keys are."""
from __future__ import annotations

import re

import pytest

from sandbox.harness import start_sandbox

CLOCK_START = "2026-01-05T09:00:00Z"
# what embeds a key: the keys, certificates and PFX files themselves
KEY_BOUND = re.compile(r"(_pem|_base64|^key|^certificate|^signing_certificate|^chain)", re.I)


def _masked(value, key: str = ""):
    if isinstance(value, dict):  # "seconds": how long a scenario load took, measured
        return {k: _masked(v, k) for k, v in value.items() if k != "seconds"}
    if isinstance(value, list):
        return [_masked(v, key) for v in value]
    if isinstance(value, str) and (KEY_BOUND.search(key) or "-----BEGIN" in value):
        return "<key-bound>"
    return value


def _without_pfx(value):
    if isinstance(value, dict):
        return {k: _without_pfx(v) for k, v in value.items() if "pfx" not in k}
    return value


def _session(handle) -> list:
    """A client's session: scenarios, one-call onboarding, an Atlas account, DNS, a message; every answer."""
    answers = []
    for name in ("uit-onboarded", "promoted", "demo-organisations", "promoted"):
        answers.append(handle.control("POST", f"/scenarios/{name}"))
    answers.append(handle.control("POST", "/dip/uit/organisations", json={"dip_ids": [{"role_code": "SUP"},
                                                                                       {"role_code": "MSA"}]}))
    answers.append(handle.control("POST", "/atlas/accounts", json={"company_name": "Repeatable Power Limited"}))
    answers.append(handle.dns.set_txt("_dip.repeatable.example", "value-1"))
    answers.append(handle.control("POST", "/clock/advance", json={"seconds": "1h"}))
    world = handle.load_scenario("uit-onboarded")
    sender, recipient = world.organisation("uit", "participant"), world.organisation("uit", "counterpart")
    message = {"payload": {"CommonBlock": {
        "S0": {"interfaceID": "IF-041", "schemaVersion": "011", "eventCode": "[ReadingCOS]"},
        "S1": {"environmentTag": "UIT", "subText": None, "senderUniqueReference": "S-IF-041-0123456789-SUP-20260105-d1",
               "senderTimestamp": "2026-01-05T09:00:00+00:00", "senderDIPID": sender.dip_id.dip_id,
               "senderRoleID": "SUP", "senderCorrelationID": None, "DIPConnectionProviderID": None},
        "A0": {"primaryRecipients": [recipient.dip_id.dip_id], "secondaryRecipients": [], "always": []}},
        "CustomBlock": {"B900": {"reading": "1"}}}}
    sent = sender.client().send("IF-041", message)
    assert sent.status_code == 201, sent.text
    answers.append(sent.json())
    answers.append([(e["method"], e["path"], e["status"]) for e in handle.journal.entries(listener="web")][::-1])
    return answers


@pytest.mark.long
def test_same_seed_and_ca_give_the_same_answers_request_by_request(tmp_path, ca_dir):
    runs = []
    for run in ("first", "second"):
        with start_sandbox(tmp_path / run, seed=4242, ca_dir=ca_dir, clock_start=CLOCK_START,
                           scenario_keys=tmp_path / run / "keys") as handle:
            runs.append(_session(handle))
    first, second = runs
    assert len(first) == len(second)
    for number, (a, b) in enumerate(zip(first, second)):
        assert _masked(a) == _masked(b), f"answer {number} differs"
    # the comparison is not vacuous: identifiers are there, and the keys did differ
    onboarded = first[0]["uit"]["participant"]
    assert re.fullmatch(r"\d{10}", onboarded["dip_ids"][0]["dip_id"]) and len(onboarded["dip_ids"][0]["api_key"]) == 32
    assert onboarded["certificate_serial"] == second[0]["uit"]["participant"]["certificate_serial"]
    assert onboarded["key_pem"] != second[0]["uit"]["participant"]["key_pem"]
    assert first[-2]["messageArray"][0]["transactionID"] == second[-2]["messageArray"][0]["transactionID"]
    assert first[0]["atlas"]["api_secret"] == second[0]["atlas"]["api_secret"]


def test_another_seed_gives_other_identifiers(tmp_path, ca_dir):
    made = []
    for seed in (1, 2):
        with start_sandbox(tmp_path / str(seed), seed=seed, ca_dir=ca_dir, clock_start=CLOCK_START,
                           scenario_keys=tmp_path / "keys") as handle:
            made.append(handle.control("POST", "/scenarios/uit-onboarded"))
    assert made[0]["uit"]["participant"]["dip_ids"] != made[1]["uit"]["participant"]["dip_ids"]
    assert made[0]["atlas"]["api_key"] != made[1]["atlas"]["api_key"]
    # shared scenario keys: the same keys, other identifiers
    assert made[0]["uit"]["participant"]["key_pem"] == made[1]["uit"]["participant"]["key_pem"]


def test_a_scenario_loads_again_identically_in_one_sandbox(tmp_path, ca_dir):
    with start_sandbox(tmp_path, seed=7, ca_dir=ca_dir, clock_start=CLOCK_START) as handle:
        first = handle.control("POST", "/scenarios/promoted")
        handle.control("POST", "/dip/uit/organisations", json={})  # state in between is replaced
        second = handle.control("POST", "/scenarios/promoted")
        assert first.pop("seconds") >= 0 and second.pop("seconds") >= 0
        # the same key files too: equal through and through, keys and certificates included (a PFX's MAC salt is
        # random by the PKCS#12 standard)
        assert _without_pfx(first) == _without_pfx(second)
        assert first["uit"]["participant"]["key_pem"] == second["uit"]["participant"]["key_pem"]
        assert handle.control("GET", "/scenario") == second  # kept in the store as answered
        assert handle.control("GET", "/scenarios")["current"] == "promoted"
