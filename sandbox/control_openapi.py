"""The OpenAPI 3.1 document of the control API, served at /_sandbox/openapi.json."""
from __future__ import annotations

from sandbox.kernel.clock import MAX_FACTOR
from sandbox.kernel.openapi_builder import (INT as _INT, NO_CONTENT as _NO_CONTENT, PEM as _PEM, STR as _STR,
                                     body as _body, document, json_response as _json, obj as _obj,
                                     operation as _op, path_param as _path, query as _query, ref as _ref)

_FAILURES = {"type": "array", "description": "jobs whose handler failed in this call: kept, for POST /jobs/{id}/retry",
             "items": _obj({"id": _INT, "kind": _STR, "error": _STR})}
SCHEMAS = {
    "Clock": _obj({"now": {"type": "string", "format": "date-time"}, "mode": {"enum": ["real", "scaled", "manual"]},
                   "factor": {"type": "number"}, "jobs_run": _INT, "jobs_failed": _FAILURES},
                  ["now", "mode", "factor"]),
    "DnsRecord": _obj({"id": _STR, "name": _STR, "type": {"enum": ["TXT", "A", "AAAA", "CNAME"]}, "value": _STR,
                       "ttl": _INT, "created_at": _STR, "visible_at": _STR, "visible": {"type": "boolean"}}),
    "Email": _obj({"id": _STR, "sent_at": _STR, "from": _STR, "to": _STR, "subject": _STR, "text": _STR,
                   "links": {"type": "array", "items": _STR}}),
    "JournalPage": _obj({"entries": {"type": "array", "items": _obj({
        "id": _INT, "at": _STR, "real_at": _STR, "listener": _STR, "method": _STR, "path": _STR, "status": _STR,
        "duration_ms": {"type": "number"}, "client": {"type": ["string", "null"]},
        "detail": {"type": ["object", "null"]}})}, "total": _INT, "page": _INT, "per_page": _INT}),
    "Scenario": {"type": "object", "required": ["name", "doc"], "properties": {
        "name": _STR, "doc": _STR, "seconds": {"type": "number"},
        "atlas": {"type": "object", "description": "atlas-vetted and later: the Atlas account, its API key and "
                  "secret, client certificate and key"},
        "uit": {"type": "object", "description": "uit-onboarded and later: participant and counterpart "
                "organisations, each with dip_ids (API keys), certificate_pem, key_pem, pfx_base64, members"},
        "prod": {"type": "object", "description": "promoted: the same organisations in Production"},
        "demo": {"type": "object", "description": "demo-organisations: what was loaded per environment"}}},
    "Snapshot": _obj({"name": _STR, "size": _INT, "sandbox_time": {"type": ["string", "null"]}, "saved_at": _STR}),
    "Endpoints": _obj({"web": _STR, "control": _STR, "atlas_api": _STR,
                       "dip_api": _obj({"uit": _STR, "prod": _STR}),
                       "dns": _obj({"host": _STR, "port": _INT}), "ca_bundle": _STR}),
}

_CLOCK = "Clock"
_DNS = "DNS"
_MAIL = "Outbox"
_STATE = "State"
_CA = "CA material"
_INFO = "Sandbox"
_SCENARIOS = "Scenarios"


def openapi_document(extra_paths: dict | None = None, extra_schemas: dict | None = None) -> dict:
    paths = {
        "/health": {"get": _op("Liveness, sandbox time, timing profile and the official DIP API version in use "
                               "(--dip-spec; null: built-in checks only)", {"200": _json(_obj({
            "status": _STR, "now": _STR, "profile": _STR,
            "dip_spec": {"type": ["object", "null"], "properties": {"version": _STR, "directory": _STR}}}))},
            tag=_INFO)},
        "/profile": {"get": _op("The timing profile: every wait of the journey in sandbox seconds",
                                {"200": _json(_obj({"name": _STR, "waits": {"type": "object", "additionalProperties":
                                    _obj({"seconds": {"type": "number"}, "doc": _STR})}}))}, tag=_CLOCK)},
        "/endpoints": {"get": _op("Every listener's address and the CA bundle path (the endpoints-file JSON)",
                                  {"200": _json(_ref("Endpoints"))}, tag=_INFO)},
        "/clock": {"get": _op("The sandbox clock", {"200": _json(_ref("Clock"))}, tag=_CLOCK)},
        "/clock/advance": {"post": _op(
            "Advance the clock; every job that falls due runs, in order, before the answer",
            {"200": _json(_ref("Clock"))},
            body=_body(_obj({"seconds": {"oneOf": [{"type": "number", "minimum": 0},
                                                   {"type": "string", "example": "72h"}]}}, ["seconds"]),
                       {"seconds": 259200}), tag=_CLOCK)},
        "/clock/set": {"post": _op("Set the clock to a later time (it never runs backwards: 409)",
                                   {"200": _json(_ref("Clock"))},
                                   body=_body(_obj({"now": {"type": "string", "format": "date-time"}}, ["now"]),
                                              {"now": "2026-12-01T09:00:00Z"}), tag=_CLOCK)},
        "/clock/mode": {"post": _op("Switch between real, scaled (factor sandbox seconds per real second) and manual",
                                    {"200": _json(_ref("Clock"))},
                                    body=_body(_obj({"mode": {"enum": ["real", "scaled", "manual"]},
                                                     "factor": {"type": "number", "exclusiveMinimum": 0,
                                                                "maximum": MAX_FACTOR}}, ["mode"]),
                                               {"mode": "scaled", "factor": 3600}), tag=_CLOCK)},
        "/jobs": {"get": _op("Pending jobs on the sandbox clock (what the sandbox is waiting for), and the jobs that "
                             "failed (kept for a retry)",
                             {"200": _json(_obj({"jobs": {"type": "array", "items": _obj({
                                 "id": _INT, "kind": _STR, "due": _STR, "payload": {"type": "object"}})},
                                 "failed": {"type": "array", "items": _obj({
                                     "id": _INT, "kind": _STR, "due": _STR, "failed_at": _STR, "error": _STR,
                                     "payload": {"type": "object"}})}}))},
                             tag=_CLOCK)},
        "/jobs/{id}/retry": {"post": _op("Run a failed job again, now", {"200": _json(_obj({
            "jobs_run": _INT, "jobs_failed": _FAILURES}))}, parameters=[_path("id", "the job's id")], tag=_CLOCK)},
        "/dns/records": {
            "get": _op("DNS records in the sandbox zones", {"200": _json(_obj({"records": {
                "type": "array", "items": _ref("DnsRecord")}}))},
                parameters=[_query("name", "exact name"), _query("type", "TXT, A, AAAA or CNAME")], tag=_DNS),
            "post": _op("Add a record; it becomes visible after the profile's dns_propagation wait",
                        {"201": _json(_ref("DnsRecord"), "Created")},
                        body=_body(_obj({"name": _STR, "type": {"enum": ["TXT", "A", "AAAA", "CNAME"]},
                                         "value": _STR, "ttl": _INT}, ["name", "type", "value"]),
                                   {"name": "example.com", "type": "TXT", "value": "0123456789abcdef0123456789abcdef"}),
                        tag=_DNS)},
        "/dns/records/{id}": {"delete": _op("Remove a record", {"204": _NO_CONTENT},
                                            parameters=[_path("id", "record id")], tag=_DNS)},
        "/dns/servfail": {
            "get": _op("Names answered with SERVFAIL", {"200": _json(_obj({"names": {
                "type": "array", "items": _STR}}))}, tag=_DNS),
            "post": _op("Answer SERVFAIL for a name and every name below it", {"201": _json(_obj({"name": _STR}),
                                                                                             "Created")},
                        body=_body(_obj({"name": _STR}, ["name"]), {"name": "broken.example.com"}), tag=_DNS)},
        "/dns/servfail/{name}": {"delete": _op("Answer normally again", {"204": _NO_CONTENT},
                                               parameters=[_path("name", "domain name")], tag=_DNS)},
        "/mail": {
            "get": _op("The outbox, oldest first", {"200": _json(_obj({"emails": {
                "type": "array", "items": _ref("Email")}}))},
                parameters=[_query("to", "recipient (case-insensitive)"),
                            _query("subject", "text the subject contains"),
                            _query("since", "sandbox time, ISO-8601")], tag=_MAIL),
            "delete": _op("Empty the outbox", {"200": _json(_obj({"deleted": _INT}))}, tag=_MAIL)},
        "/mail/{id}": {"get": _op("One email", {"200": _json(_ref("Email"))},
                                  parameters=[_path("id", "email id")], tag=_MAIL)},
        "/journal": {"get": _op("Requests to every listener, newest first", {"200": _json(_ref("JournalPage"))},
                                parameters=[_query("listener", "web, atlas, dip_uit, dip_prod or dns"),
                                            _query("method", "HTTP method or DNS query type"),
                                            _query("path", "text the path contains"),
                                            _query("status", "HTTP status or DNS rcode"),
                                            _query("since", "sandbox time, ISO-8601"),
                                            _query("page", "1 to 1,000,000,000",
                                                   {"type": "integer", "minimum": 1, "maximum": 10 ** 9}),
                                            _query("per_page", "1 to 500, default 50",
                                                   {"type": "integer", "minimum": 1, "maximum": 500})], tag=_STATE)},
        "/reset": {"post": _op("Empty state; keeps the CA material unless ca is true (the TLS root always stays)",
                               {"200": _json(_obj({"reset": {"type": "boolean"}, "ca_regenerated": {"type": "boolean"},
                                                   "clock": _ref("Clock")}))},
                               body=_body(_obj({"ca": {"type": "boolean"}}), {"ca": False}, required=False),
                               tag=_STATE)},
        "/snapshots": {
            "get": _op("Saved snapshots", {"200": _json(_obj({"snapshots": {
                "type": "array", "items": _ref("Snapshot")}}))}, tag=_STATE),
            "post": _op("Save a consistent copy of the whole state under a name", {"201": _json(_ref("Snapshot"),
                                                                                                  "Created")},
                        body=_body(_obj({"name": _STR}, ["name"]), {"name": "after-vetting"}), tag=_STATE)},
        "/snapshots/{name}/restore": {"post": _op("Go back to a snapshot (the clock included)",
                                                  {"200": _json(_ref("Snapshot"))},
                                                  parameters=[_path("name", "snapshot name")], tag=_STATE)},
        "/snapshots/{name}": {"delete": _op("Delete a snapshot", {"204": _NO_CONTENT},
                                            parameters=[_path("name", "snapshot name")], tag=_STATE)},
        "/scenarios": {"get": _op("The named scenarios, and the one loaded", {"200": _json(_obj({
            "scenarios": {"type": "array", "items": _obj({"name": _STR, "doc": _STR})},
            "current": {"type": ["string", "null"]}}))}, tag=_SCENARIOS)},
        "/scenarios/{name}": {"post": _op(
            "Replace the state with a named scenario (fresh, atlas-vetted, uit-onboarded, promoted, "
            "demo-organisations) and answer what it made: accounts, organisations, API keys, certificates, keys",
            {"200": _json(_ref("Scenario"))}, parameters=[_path("name", "scenario name")], tag=_SCENARIOS)},
        "/scenario": {"get": _op("What the loaded scenario made (404 when none is loaded)",
                                 {"200": _json(_ref("Scenario"))}, tag=_SCENARIOS)},
        "/tls/server-certificates": {"post": _op(
            "A server certificate (and its key) from the sandbox TLS root, which the DIP trusts for HTTPS "
            "webhooks: for a test's webhook receiver",
            {"201": _json(_obj({"certificate_pem": _STR, "key_pem": _STR,
                                "names": {"type": "array", "items": _STR}}), "Created")},
            body=_body(_obj({"names": {"type": "array", "items": _STR}}), {"names": ["localhost", "127.0.0.1"]}),
            tag=_CA)},
        "/ca/bundle": {"get": _op("Every sandbox root (for curl --cacert / requests verify=)", {"200": _PEM}, tag=_CA)},
        "/ca/roots": {"get": _op("The root CA certificates", {"200": _PEM}, tag=_CA)},
        "/ca/intermediates": {"get": _op("The intermediate CA certificates", {"200": _PEM}, tag=_CA)},
    }
    return document("dip-sandbox control API",
                    "Drives the sandbox: its clock, DNS zones, outbox, journal, snapshots, CA material and the "
                    "simulated services. Loopback-only by default; a bearer token when control_token is set.",
                    "/_sandbox", {**paths, **(extra_paths or {})}, {**SCHEMAS, **(extra_schemas or {})},
                    {"controlToken": {"type": "http", "scheme": "bearer"}})
