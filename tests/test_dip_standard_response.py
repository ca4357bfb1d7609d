"""Every StandardResponse the DIP message API answers is of the official types (SubmitEvents
`StandardResponseBodyType`, read from ../shared and validated with an OpenAPI 3.0 validator): no null where the
schema has none, help within 500 characters, malformed client values not echoed back."""
from __future__ import annotations

import pytest
import requests
from openapi_schema_validator import OAS30Validator

from tests.dip_official_spec import VERSIONS, bundled
from tests.message_helpers import dip_client, message, onboard


@pytest.fixture(scope="module", params=VERSIONS)
def standard_response_schema(request):
    document = bundled(request.param)
    schema = {"$ref": "#/components/schemas/StandardResponse", "components": document["components"]}
    return OAS30Validator(schema)


@pytest.fixture
def world(start_sandbox, tmp_path):
    running = start_sandbox(profile="instant")
    supplier = onboard(running, dip_ids=[{"role_code": "SUP"}])
    receiver = onboard(running, dip_ids=[{"role_code": "ADS"}])
    return running, supplier, receiver["dip_ids"][0]["dip_id"], dip_client(running, supplier, tmp_path / "client")


def conformant(validator, body: dict) -> None:
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(body)]
    assert not errors, errors


def test_a_refusal_with_many_problems_is_of_the_official_types(world, standard_response_schema):
    running, supplier, target, client = world
    sender_id = supplier["dip_ids"][0]["dip_id"]
    broken = message(supplier, [target], senderTimestamp="yesterday", senderUniqueReference=12345,
                     environmentTag="DEV", senderRoleID="XYZ", DIPConnectionProviderID="not-a-dcp",
                     senderCorrelationID="C" * 80)
    broken["payload"]["CommonBlock"]["S0"]["interfaceID"] = "IF-099"
    answer = client.post("/dip-channel/IF-041", [broken, message(supplier, ["0000000000"])])
    assert answer.status_code == 400, answer.text
    body = answer.json()
    conformant(standard_response_schema, body)
    items = body["messageArray"]
    assert all(item["senderID"] == sender_id for item in items)
    assert all(len(item["sentTimestamp"]) == 25 for item in items)  # "yesterday" is not echoed: the DIP's own
    assert all(item["help"] is None or len(item["help"]) <= 500 for item in items)
    first = [item for item in items if item["senderUniqueReference"] is None]
    assert first, "the malformed senderUniqueReference (a number) came back"
    assert all(item["correlationID"] is None and item["DIPConnectionProviderID"] is None for item in first)
    # every problem in full in the journal, whatever the help could hold
    entry = requests.get(running.control + "/journal", params={"path": "/dip-channel/IF-041"},
                         timeout=10).json()["entries"][0]
    problems = entry["detail"]["problems"]
    assert any("IF-099" in p for p in problems) and any("0000000000" in p for p in problems)
    helps = " ".join(item["help"] or "" for item in items)
    assert all(p.split(": ", 1)[1].split(":")[0] in helps for p in problems if len(p) < 300)


def test_a_help_longer_than_500_characters_is_spread_over_items(world, standard_response_schema):
    running, supplier, target, client = world
    long_reference = "S-" + "x" * 400
    many = message(supplier, [target], senderUniqueReference=long_reference, senderTimestamp="2000-01-01T00:00:00+00:00",
                   senderRoleID="LONGROLE" * 30)
    answer = client.post("/dip-channel/IF-041", [many])
    assert answer.status_code == 400
    conformant(standard_response_schema, answer.json())
    items = answer.json()["messageArray"]
    assert len(items) >= 2 and all(len(item["help"]) <= 500 for item in items)


def test_other_answers_are_of_the_official_types(world, standard_response_schema):
    running, supplier, target, client = world
    accepted = client.post("/dip-channel/IF-041", [message(supplier, [target])])
    assert accepted.status_code == 201
    conformant(standard_response_schema, accepted.json())
    not_json = client.post("/dip-channel/IF-041", None, body=b"{nope")
    assert not_json.status_code == 400
    conformant(standard_response_schema, not_json.json())
    status = client.post("/statusmessage", [{"transactionID": "T-unknown"}])
    assert status.status_code == 400
    conformant(standard_response_schema, status.json())


def test_validate_answers_a_json_string_even_when_refused(world):
    """The /validate operations declare 201, 400 and 500, each a JSON string."""
    running, supplier, target, client = world
    anonymous = requests.post(client.base_url + "/validate/IF-041/ReadingCOS", json=[message(supplier, [target])],
                              verify=running.bundle, timeout=10)
    assert anonymous.status_code == 400, anonymous.text
    assert isinstance(anonymous.json(), str) and "client certificate" in anonymous.json()


def test_deletes_answer_only_204_or_401(world):
    running, supplier, target, client = world
    own = supplier["dip_ids"][0]["dip_id"]
    for path in (f"/dip-channel/IF-041/pubconfig/{own}", f"/statusmessage/config/{own}", "/dip-channel/IF-999/"
                 f"pubconfig/{own}"):
        assert client.post(path, None, method="DELETE", body=b"").status_code == 204, path
    for path in (f"/dip-channel/IF-041/pubconfig/{target}", f"/statusmessage/config/{target}"):
        assert client.post(path, None, method="DELETE", body=b"").status_code == 401, path
