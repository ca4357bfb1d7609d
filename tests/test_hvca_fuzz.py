"""schemathesis against the HVCA listener, over mutual TLS, from the OpenAPI document the sandbox serves: every
operation, with generated valid and invalid input, must answer without a server error, with a status code,
a media type and a body its document declares. Bounded by HVCA_FUZZ_EXAMPLES (default 25 per operation and generation mode) to
keep CI short; the run is random, and hypothesis prints the seed that reproduces a failure."""
from __future__ import annotations

import os
import zlib

import pytest
import requests
import schemathesis
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                               status_code_conformance)

from tests.conftest import Running, make_settings
from tests.hvca_helpers import Hvca, certificate_request
from tests.schema_fuzzing import fuzz_operations

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = int(os.environ.get("HVCA_FUZZ_EXAMPLES", "25"))


class Target:
    """A sandbox with one vetted account logged in, an issued certificate and a claim to aim at."""

    def __init__(self, running: Running, client: Hvca, serial: str, claim_id: str):
        self.running, self.client, self.serial, self.claim_id = running, client, serial, claim_id


@pytest.fixture(scope="module")
def hvca_target(tmp_path_factory, ca_dir, key_pool):
    running = Running(make_settings(tmp_path_factory.mktemp("hvca-fuzz"), ca_dir, profile="instant"))
    account = requests.post(running.control + "/atlas/accounts", json={}, timeout=60).json()
    client = Hvca(running, account, tmp_path_factory.mktemp("hvca-fuzz-files"))
    client.login()
    client.verified_domain("example.com")
    serial = client.call("POST", "/certificates", json=certificate_request(key_pool.get())).headers["Location"][17:]
    claim_id = client.call("POST", "/claims/domains/fuzz.example").headers["Location"].rsplit("/", 1)[1]
    yield Target(running, client, serial, claim_id)
    running.stop()


def _aim(case, target: Target) -> None:
    """Half of the cases (chosen by the generated value, so a failure reproduces) name a certificate or claim
    that exists, so the operations behind the 404 are exercised too."""
    for name, real in (("serial", target.serial), ("id", target.claim_id)):
        value = case.path_parameters.get(name) if case.path_parameters else None
        if value is not None and zlib.crc32(str(value).encode()) % 2 == 0:
            case.path_parameters[name] = real


def _session(target: Target) -> requests.Session:
    session = requests.Session()
    session.cert = target.client.session.cert
    session.verify = target.running.bundle
    return session


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
def test_hvca_listener_keeps_its_contract(hvca_target, mode):
    document = requests.get(hvca_target.running.endpoints["web"] + "/atlas/hvca/openapi.json", timeout=10).json()
    operations = [result.ok() for result in schemathesis.openapi.from_dict(document).get_all_operations()]
    assert len(operations) >= 24, "the served document lost operations"
    session = _session(hvca_target)

    def send(case):
        _aim(case, hvca_target)
        headers = {} if case.path == "/login" else {
            "Authorization": hvca_target.client.session.headers["Authorization"]}
        kwargs = case.as_transport_kwargs(base_url=hvca_target.client.base, headers=headers)
        kwargs.pop("verify", None)  # the sandbox's bundle, per request: REQUESTS_CA_BUNDLE would beat a session's
        return session.request(**kwargs, verify=hvca_target.running.bundle, timeout=30)

    fuzz_operations(operations, mode, EXAMPLES, send, CHECKS)
