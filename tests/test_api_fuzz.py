"""schemathesis over every OpenAPI document the web listener serves — the control API, the Atlas portal API and
the DIP portal API of both environments, as a participant and as the DIP Manager — with generated valid and
invalid input. (The HVCA and DIP message listeners have their own runs: test_hvca_fuzz and
test_dip_official_conformance.) Every answer must be no server error, with a status code, media type and headers
its document declares; invalid input must be refused (`negative_data_rejection`: the body schemas of
sandbox.body_schemas at work), a missing required header too, and an undocumented method must get 405.
Bounded by API_FUZZ_EXAMPLES (default 6 per operation and generation mode); the run is random and hypothesis
prints the seed that reproduces a failure.

Checks left out, and why:
- `positive_data_acceptance`: a valid body is not always acceptable here — a state machine may refuse it
  (409, 422: a DIP ID that does not exist, a wait already done); the domain tests cover those.
- `use_after_free`, `ensure_resource_availability`, `ignored_auth`: stateful checks that need links between
  operations the documents do not declare; authentication has its own tests per interface.
- `response_schema_conformance`: these documents describe most 2xx bodies loosely (`{"type": "object"}`); the
  shapes that clients rely on have their own tests. Errors are checked: every 4xx must be the error shape.
- Operations that replace the whole state or build many 4096-bit keys (`POST /scenarios/{name}`,
  `POST /dip/{environment}/demo`) are left out: each costs seconds, and their tests cover them.
"""
from __future__ import annotations

import os

import pytest
import requests
import schemathesis
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, missing_required_header,
                                               negative_data_rejection, response_headers_conformance,
                                               status_code_conformance, unsupported_method)

from tests.atlas_helpers import Portal
from tests.conftest import Running, make_settings
from tests.dip_helpers import MANAGER_PASSWORD, DipPortal
from tests.message_helpers import onboard
from tests.schema_fuzzing import fuzz_operations

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "6"))
SLOW = {("POST", "/scenarios/{name}"), ("POST", "/dip/{environment}/demo")}
MODES = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
MANAGER = "dip.manager@dip-sandbox.example"
_MANAGER_SECRETS: dict[str, str] = {}  # the DIP Manager enrols MFA once per environment


def error_shape(ctx, response, case):
    """Every 4xx of these APIs is the one documented JSON error shape, with a message a person can act on."""
    if 400 <= response.status_code < 500:
        error = response.json()["error"]
        assert error["status"] == response.status_code and error["message"], response.text


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          negative_data_rejection, missing_required_header, unsupported_method, error_shape]


@pytest.fixture(scope="module")
def target(tmp_path_factory, ca_dir):
    running = Running(make_settings(tmp_path_factory.mktemp("api-fuzz"), ca_dir, profile="instant",
                                    dip_manager_password=MANAGER_PASSWORD))
    yield running
    running.stop()


def _operations(running, path: str) -> list:
    document = requests.get(running.endpoints["web"] + path, timeout=10).json()
    operations = [result.ok() for result in schemathesis.openapi.from_dict(document).get_all_operations()]
    return [o for o in operations if (o.method.upper(), o.path) not in SLOW]


def _run(running, openapi_path: str, base: str, mode, authorization: str | None = None) -> None:
    session = requests.Session()
    operations = _operations(running, openapi_path)
    assert operations

    def send(case):
        headers = {"Authorization": authorization} if authorization else {}
        kwargs = case.as_transport_kwargs(base_url=base, headers=headers)
        return session.request(**kwargs, timeout=60)

    fuzz_operations(operations, mode, EXAMPLES, send, CHECKS)


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_the_atlas_portal_api_keeps_its_contract(target, mode):
    portal = Portal(target)
    portal.register(email=f"fuzz-{mode.value}@example.com")
    portal.onboard_user(f"fuzz-{mode.value}@example.com")
    _run(target, "/atlas/api/openapi.json", target.endpoints["web"] + "/atlas/api", mode,
         portal.session.headers["Authorization"])


@pytest.mark.parametrize("environment", ["uit", "prod"])
@pytest.mark.parametrize("who", ["participant", "manager"])
@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_the_dip_portal_api_keeps_its_contract(target, environment, who, mode):
    portal = DipPortal(target, environment)
    if who == "manager":
        secret = _MANAGER_SECRETS.get(environment)
        if secret is None:
            _MANAGER_SECRETS[environment] = portal.first_sign_in(MANAGER, MANAGER_PASSWORD)
        else:
            portal.sign_in(MANAGER, secret, MANAGER_PASSWORD)
    else:
        admin = onboard(target, environment, company_name=f"Fuzz {environment} {mode.value} Ltd")["members"][0]
        portal.first_sign_in(admin["email"], admin["password"])
    _run(target, f"/dip/{environment}/api/openapi.json", target.endpoints["web"] + f"/dip/{environment}/api", mode,
         portal.session.headers["Authorization"])


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_the_control_api_keeps_its_contract(tmp_path, ca_dir, mode):
    """Last and on a sandbox of its own: it resets, restores and moves the clock of what it runs against."""
    running = Running(make_settings(tmp_path / "control-fuzz", ca_dir, profile="instant"))
    try:
        _run(running, "/_sandbox/openapi.json", running.control, mode)
        assert requests.get(running.control + "/health", timeout=10).status_code == 200
    finally:
        running.stop()
