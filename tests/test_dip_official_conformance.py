"""schemathesis over the official DIP SubmitEvents document (v1.8.3 and v2.1.0, read from ../shared) against a
running sandbox started with that version as --dip-spec: every generated request is signed the DIP way with a
participant's certificate and API key (the test builds and signs the exact bytes it sends), and every answer
must be one the official document declares — status code, media type, headers and body schema.

Bounded for CI: DIP_FUZZ_EXAMPLES cases per operation (default 6), every message-channel operation and a
rotating sample of DIP_FUZZ_VALIDATE (default 10) of the ~125 /validate operations (DIP_FUZZ_VALIDATE=all runs
them all)."""
from __future__ import annotations

import datetime as dt
import json
import os
import zlib

import pytest
import requests
import schemathesis
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_headers_conformance,
                                               response_schema_conformance, status_code_conformance)

from mock_dip import message_signature
from tests.conftest import Running, make_settings
from tests.dip_official_spec import VERSIONS, bundled, spec_dir
from sandbox.harness import DipClient
from tests.message_helpers import dip_client, onboard
from tests.schema_fuzzing import fuzz_operations

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
EXAMPLES = int(os.environ.get("DIP_FUZZ_EXAMPLES", "6"))
VALIDATE_SAMPLE = os.environ.get("DIP_FUZZ_VALIDATE", "10")


@pytest.fixture(scope="module", params=VERSIONS)
def official(request, tmp_path_factory, ca_dir):
    version = request.param
    running = Running(make_settings(tmp_path_factory.mktemp(f"dip-{version}"), ca_dir, profile="instant",
                                    dip_spec=str(spec_dir(version))))
    sender = onboard(running, dip_ids=[{"role_code": "SUP"}])
    client = dip_client(running, sender, tmp_path_factory.mktemp(f"dip-{version}-files"))
    yield version, running, client, sender["dip_ids"][0]["dip_id"]
    running.stop()


def _operations(document: dict) -> list:
    operations = [r.ok() for r in schemathesis.openapi.from_dict(document).get_all_operations()]
    channel = [o for o in operations if not o.path.startswith("/validate/")]
    validate = [o for o in operations if o.path.startswith("/validate/")]
    if VALIDATE_SAMPLE != "all":
        day = dt.date.today().toordinal()  # a different sample each day, the same within a run
        validate = sorted(validate, key=lambda o: zlib.crc32(f"{day}{o.path}".encode()))[:int(VALIDATE_SAMPLE)]
    return channel + validate


def _send(case, client: DipClient, dip_id: str) -> requests.Response:
    if case.path_parameters and "recipient-id" in case.path_parameters and \
            zlib.crc32(str(case.path_parameters["recipient-id"]).encode()) % 2 == 0:
        case.path_parameters["recipient-id"] = dip_id  # half the cases address the sender's own DIP ID
    kwargs = case.as_transport_kwargs(base_url=client.base_url)
    if "json" in kwargs:
        body = json.dumps(kwargs.pop("json")).encode()
    else:
        body = kwargs.pop("data", None) or b""
        body = body.encode() if isinstance(body, str) else bytes(body)
    headers = {k: v for k, v in (kwargs.pop("headers", None) or {}).items()
               if k.lower() not in {h.lower() for h in (*message_signature.HEADERS, "X-API-Key", "Content-Length")}}
    headers.update(message_signature.sign(kwargs["method"], kwargs["url"], body, client.signing_key,
                                          client.signing_certificate_pem, dt.datetime.now(dt.timezone.utc)))
    headers["X-API-Key"] = client.api_key
    headers.setdefault("Content-Type", "application/json")
    # on the client's keep-alive mTLS connection, as a DIP client sends
    return client.session.request(kwargs["method"], kwargs["url"], params=kwargs.get("params"), data=body,
                                  headers=headers, verify=str(client.ca_bundle), timeout=60)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
def test_every_answer_is_one_the_official_document_declares(official, mode):
    version, running, client, dip_id = official
    operations = _operations(bundled(version))
    assert len(operations) >= 8, f"the {version} document lost operations"

    fuzz_operations(operations, mode, EXAMPLES, lambda case: _send(case, client, dip_id), CHECKS)
