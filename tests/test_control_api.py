"""The control API through real sockets, its error shape, its guards and its OpenAPI document."""
import re

import pytest
import requests

from sandbox.app import create_web_app
from tests.conftest import make_settings
from tests.openapi_checks import assert_documents_every_route


def call(running, method, path, **kwargs):
    return requests.request(method, running.control + path, timeout=10, **kwargs)


def test_health_and_endpoints(shared_running):
    running = shared_running
    health = call(running, "GET", "/health").json()
    assert health["status"] == "ok" and health["profile"] == "training"
    endpoints = call(running, "GET", "/endpoints").json()
    assert endpoints["control"] == running.control
    assert set(endpoints) >= {"web", "control", "atlas_api", "dip_api", "dns", "ca_bundle"}
    assert endpoints["atlas_api"].endswith("/v2") and set(endpoints["dip_api"]) == {"uit", "prod"}


def test_profile_names_every_wait(shared_running):
    profile = call(shared_running, "GET", "/profile").json()
    assert profile["name"] == "training"
    assert profile["waits"]["dns_propagation"] == {"seconds": 15, "doc": profile["waits"]["dns_propagation"]["doc"]}
    assert "visible" in profile["waits"]["dns_propagation"]["doc"]
    assert {"vetting", "registration_emails", "credentials_binding", "quotation_ready"} <= set(profile["waits"])


def test_clock_endpoints(running):
    assert call(running, "POST", "/clock/mode", json={"mode": "manual"}).json()["mode"] == "manual"
    before = call(running, "GET", "/clock").json()
    advanced = call(running, "POST", "/clock/advance", json={"seconds": "72h"}).json()
    from sandbox.kernel.clock import parse_iso
    assert (parse_iso(advanced["now"]) - parse_iso(before["now"])).total_seconds() == 72 * 3600
    later = call(running, "POST", "/clock/set", json={"now": "2031-01-01T00:00:00Z"}).json()
    assert later["now"] == "2031-01-01T00:00:00.000Z"
    back = call(running, "POST", "/clock/set", json={"now": "2030-01-01T00:00:00Z"})
    assert back.status_code == 409 and "never runs backwards" in back.json()["error"]["message"]
    scaled = call(running, "POST", "/clock/mode", json={"mode": "scaled", "factor": 3600}).json()
    assert scaled["mode"] == "scaled" and scaled["factor"] == 3600


def test_advance_runs_jobs_before_answering(running):
    sandbox = running.sandbox
    seen = []
    sandbox.scheduler.register("test.note", lambda payload: seen.append(payload))
    call(running, "POST", "/clock/mode", json={"mode": "manual"})
    from datetime import timedelta
    sandbox.scheduler.schedule("test.note", sandbox.clock.now() + timedelta(hours=71), {"what": "vetting"})
    assert call(running, "GET", "/jobs").json()["jobs"][0]["kind"] == "test.note"
    result = call(running, "POST", "/clock/advance", json={"seconds": 72 * 3600}).json()
    assert result["jobs_run"] == 1 and seen == [{"what": "vetting"}]


@pytest.mark.parametrize("method, path, body, status, field, text", [
    ("POST", "/clock/advance", {}, 422, "seconds", "'seconds' is required"),
    ("POST", "/clock/advance", {"seconds": "soon"}, 422, "seconds", "is not a duration"),
    ("POST", "/clock/advance", {"seconds": -1}, 422, "seconds", "0 or more"),
    ("POST", "/clock/set", {"now": "tomorrow"}, 422, "now", "not an ISO-8601 time"),
    ("POST", "/clock/mode", {"mode": "warp"}, 422, "mode", "'mode': must be one of \"real\", \"scaled\", \"manual\""),
    ("POST", "/clock/mode", {"mode": "scaled", "factor": "x"}, 422, "factor", "'factor': must be a number"),
    ("POST", "/snapshots", {"name": "../etc"}, 422, "name", "a snapshot name is"),
    ("POST", "/snapshots/none/restore", None, 404, "name", "no snapshot named 'none'"),
    ("GET", "/mail/nope", None, 404, "id", "no email with id"),
    ("POST", "/reset", {"ca": "yes"}, 422, "ca", "'ca': must be a boolean"),
    ("GET", "/journal?per_page=9999", None, 422, "per_page", "per_page is 1 to 500"),
])
def test_bad_input_gets_the_documented_error_shape(shared_running, method, path, body, status, field, text):
    response = call(shared_running, method, path, json=body)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["status"] == status and error["field"] == field and text in error["message"]
    assert error["code"]


def test_not_json_and_unknown_routes(shared_running):
    response = call(shared_running, "POST", "/clock/advance", data="seconds=5",
                    headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and "the body is not JSON" in response.json()["error"]["message"]
    missing = call(shared_running, "GET", "/nothing-here")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    wrong = call(shared_running, "PUT", "/clock")
    assert wrong.status_code == 405 and wrong.json()["error"]["status"] == 405


def test_mail_filters_and_clear(running):
    outbox = running.sandbox.outbox
    outbox.send("Ann@Example.com", "New User Registration", "Accept: https://atlas.example/invite/abc now")
    outbox.send("bob@example.com", "Password Reset Code - GlobalSign Atlas", "code 123")
    everything = call(running, "GET", "/mail").json()["emails"]
    assert [e["subject"] for e in everything] == ["New User Registration", "Password Reset Code - GlobalSign Atlas"]
    assert everything[0]["links"] == ["https://atlas.example/invite/abc"]
    only_ann = call(running, "GET", "/mail", params={"to": "ann@example.com"}).json()["emails"]
    assert len(only_ann) == 1 and only_ann[0]["to"] == "Ann@Example.com"
    reset = call(running, "GET", "/mail", params={"subject": "password reset"}).json()["emails"]
    assert len(reset) == 1
    one = call(running, "GET", f"/mail/{reset[0]['id']}").json()
    assert one["text"] == "code 123"
    assert call(running, "DELETE", "/mail").json() == {"deleted": 2}
    assert call(running, "GET", "/mail").json()["emails"] == []


def test_journal_records_requests_newest_first_and_pages(running):
    for _ in range(3):
        call(running, "GET", "/health")
    page = call(running, "GET", "/journal", params={"listener": "web", "path": "/health", "per_page": 2}).json()
    assert page["total"] >= 3 and len(page["entries"]) == 2
    first, second = page["entries"]
    assert first["id"] > second["id"]
    assert first["method"] == "GET" and first["status"] == "200" and first["client"].startswith("127.0.0.1")
    assert first["duration_ms"] >= 0


def test_journal_is_bounded(start_sandbox):
    running = start_sandbox(journal_max_entries=20)
    for _ in range(130):
        call(running, "GET", "/health")
    total = call(running, "GET", "/journal").json()["total"]
    assert 20 <= total <= 20 + 100


def test_snapshots_save_restore_and_reset(running):
    call(running, "POST", "/dns/records", json={"name": "keep.example.com", "type": "TXT", "value": "v1"})
    saved = call(running, "POST", "/snapshots", json={"name": "before"})
    assert saved.status_code == 201 and saved.json()["name"] == "before"
    call(running, "POST", "/dns/records", json={"name": "later.example.com", "type": "TXT", "value": "v2"})
    running.sandbox.outbox.send("x@example.com", "after snapshot", "text")
    assert [s["name"] for s in call(running, "GET", "/snapshots").json()["snapshots"]] == ["before"]
    restored = call(running, "POST", "/snapshots/before/restore")
    assert restored.status_code == 200
    names = [r["name"] for r in call(running, "GET", "/dns/records").json()["records"]]
    assert names == ["keep.example.com"]
    assert call(running, "GET", "/mail").json()["emails"] == []
    issuing_before = running.sandbox.cas.authority("dip-issuing").pem
    reset = call(running, "POST", "/reset", json={}).json()
    assert reset["reset"] is True and reset["ca_regenerated"] is False
    assert call(running, "GET", "/dns/records").json()["records"] == []
    assert running.sandbox.cas.authority("dip-issuing").pem == issuing_before
    assert call(running, "DELETE", "/snapshots/before").status_code == 204


def test_reset_with_ca_regenerates_all_but_the_tls_root(running):
    cas = running.sandbox.cas
    tls_root, issuing = cas.authority("tls-root").pem, cas.authority("dip-issuing").pem
    assert call(running, "POST", "/reset", json={"ca": True}).json()["ca_regenerated"] is True
    assert cas.authority("tls-root").pem == tls_root
    assert cas.authority("dip-issuing").pem != issuing
    assert call(running, "GET", "/ca/intermediates").text == cas.authority("dip-issuing").pem
    # the listeners still work with the bundle the sandbox published
    assert requests.get(running.endpoints["dip_api"]["uit"] + "/", verify=running.bundle, timeout=5).status_code == 401


def test_ca_material(shared_running):
    bundle = call(shared_running, "GET", "/ca/bundle")
    assert bundle.headers["Content-Type"] == "application/x-pem-file"
    assert bundle.text.count("BEGIN CERTIFICATE") == 3
    assert call(shared_running, "GET", "/ca/roots").text == bundle.text
    assert call(shared_running, "GET", "/ca/intermediates").text.count("BEGIN CERTIFICATE") == 1


def test_control_api_is_loopback_only_and_token_protected(tmp_path, ca_dir):
    from sandbox.app import Sandbox
    sandbox = Sandbox(make_settings(tmp_path / "d", ca_dir, control_token="s3cret"))
    client = create_web_app(sandbox).test_client()
    remote = client.get("/_sandbox/health", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert remote.status_code == 403 and "loopback" in remote.json["error"]["message"]
    no_token = client.get("/_sandbox/health")
    assert no_token.status_code == 401 and "Bearer" in no_token.json["error"]["message"]
    assert client.get("/_sandbox/health", headers={"Authorization": "Bearer s3cret"}).status_code == 200
    sandbox.close()
    open_sandbox = Sandbox(make_settings(tmp_path / "e", ca_dir, control_allow_remote=True))
    client = create_web_app(open_sandbox).test_client()
    assert client.get("/_sandbox/health", environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 200
    open_sandbox.close()


def test_openapi_document_is_valid_and_covers_every_route(shared_running):
    document = call(shared_running, "GET", "/openapi.json").json()
    assert_documents_every_route(document, create_web_app(shared_running.sandbox), "/_sandbox",
                                 {"{record_id}": "{id}", "{email_id}": "{id}", "{job_id}": "{id}"}, endpoint_prefix="control.")


def test_docs_page_works_offline(shared_running):
    page = call(shared_running, "GET", "/docs")
    assert page.status_code == 200 and "/_sandbox/openapi.json" in page.text
    for asset in re.findall(r'(?:href|src)="([^"]+)"', page.text):
        assert asset.startswith("/_sandbox/docs/assets/")
        response = requests.get(shared_running.endpoints["web"] + asset, timeout=10)
        assert response.status_code == 200 and len(response.content) > 1000
