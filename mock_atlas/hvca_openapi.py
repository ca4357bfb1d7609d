"""The OpenAPI document of the HVCA v2 API as the sandbox serves it (on the web listener, at
/atlas/hvca/openapi.json; the API itself is on the Atlas API listener, with mutual TLS). A contract: every
status code each operation answers, enums, patterns and bounds, the policy document's exact types
(tests/test_hvca_fuzz.py holds the listener to it with schemathesis)."""
from __future__ import annotations

from mock_atlas import hvca_schemas as s
from mock_atlas.certificate_orders import MAX_PAGE
from sandbox.kernel.openapi_builder import path_param, query

PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
_TEXTS = {400: "Bad request (the body is not JSON, or not an object)", 401: "Unauthorized", 402: "Quota Reached",
          404: "Not found", 409: "Conflict", 411: "Content-Length required", 415: "Bad Content-Type",
          422: "Validation failed (the description names each field and rule)", 424: "Claim expired: reassert first",
          429: "Rate limit (Retry-After)", 503: "Service busy (with an id)"}
ALWAYS = (401, 429, 503)          # token, faults
BODY = (400, 411, 415, 422)       # what a request body can get wrong
OPTIONAL_BODY = (400, 415, 422)   # bodyless POSTs are fine there


def _answer(description: str, schema: dict | None = None, headers: dict | None = None) -> dict:
    answer = {"description": description}
    if schema is not None:
        answer["content"] = {"application/json": {"schema": schema}}
    if headers:
        answer["headers"] = {name: {"schema": {"type": "string"}, "description": text} for name, text in headers.items()}
    return answer


def _op(summary: str, responses: dict, *, body: dict | None = None, body_required: bool = True,
        parameters: list | None = None, problems: tuple = ()) -> dict:
    codes = sorted({*ALWAYS, *problems, *((404,) if parameters and parameters[0]["in"] == "path" else ())})
    operation = {"summary": summary, "tags": ["HVCA"], "security": [{"bearer": []}],
                 "responses": {**responses, **{str(c): {"description": _TEXTS[c], "content": PROBLEM} for c in codes}}}
    if body is not None:
        operation["requestBody"] = {"required": body_required, "content": {"application/json": {"schema": body}}}
    if parameters:
        operation["parameters"] = parameters
    return operation


def _path(name: str, description: str, pattern: str | None = None) -> dict:
    parameter = path_param(name, description)
    if pattern:
        parameter["schema"] = {"type": "string", "pattern": pattern}
    return parameter


SERIAL = [_path("serial", "hex; matched case-insensitively, leading zeros ignored", "^[0-9A-Fa-f]{1,40}$")]
CLAIM = [_path("id", "claim id (32 hex digits)", "^[0-9A-Fa-f]{32}$")]
PAGING = [query("page", "from 1", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}),
          query("per_page", "1 to 1000 (default 100)", {"type": "integer", "minimum": 1, "maximum": 1000})]
WINDOW = [query("from", "Unix seconds", s.UNIX), query("to", "Unix seconds, not before from", s.UNIX)]
LIST_HEADERS = {"Total-Count": "how many items in all", "Links": "<...?page=N>; rel=\"next\" (also as Link)"}
LOCATION = {"Location": "absolute path of the new resource (/v2/...)"}
COUNT = s.closed({"value": {**s.INT, "minimum": 0}}, ["value"])
REVOCATION = s.closed({"revocation_reason": {"enum": ["unspecified", "keyCompromise", "affiliationChanged",
                                                      "superseded", "cessationOfOperation", "privilegeWithdrawn"]},
                       "revocation_time": s.UNIX})


def _paths() -> dict:
    return {
        "/login": {"post": {**_op("Log in with the API key and secret, over mTLS with the credentials' client "
                                  "certificate; the token lasts 10 minutes of real time",
                                  {"200": _answer("Token", s.closed({"access_token": s.STR}, ["access_token"]))},
                                  body=s.closed({"api_key": s.STR, "api_secret": s.STR}, ["api_key", "api_secret"]),
                                  problems=(401, 415, 422)), "security": []}},
        "/certificates": {"post": _op("Request a certificate (DIP issuing CA; subject, SANs and EKUs from the JSON, "
                                      "only the key from the CSR), judged by the validation policy",
                                      {"201": _answer("Created", headers=LOCATION)}, body=s.CERTIFICATE_REQUEST,
                                      problems=(*BODY, 402))},
        "/certificates/{serial}": {
            "get": _op("The certificate", {"200": _answer("Issued or revoked", s.CERTIFICATE),
                                           "202": _answer("Operation in progress", s.IN_PROGRESS)}, parameters=SERIAL),
            "patch": _op("Revoke", {"204": _answer("Revoked")}, parameters=SERIAL, body=REVOCATION,
                         problems=(*BODY, 409)),
            "delete": _op("Revoke (legacy)", {"204": _answer("Revoked")}, parameters=SERIAL, problems=(409,))},
        "/certificates/{serial}/rekey": {"post": _op("A new certificate for a new key (same subject, SANs and key "
                                                     "usages)", {"201": _answer("Created", headers=LOCATION)},
                                                     parameters=SERIAL, body=s.REKEY_REQUEST, problems=(*BODY, 402))},
        "/trustchain": {"get": _op("Issuing CA first, root last", {"200": _answer("PEM strings", {
            "type": "array", "items": s.STR, "minItems": 1})})},
        "/validationpolicy": {"get": _op("The MHHS service's validation policy", {"200": _answer(
            "Policy", {"$ref": "#/components/schemas/ValidationPolicy"})})},
        "/counters/certificates/issued": {"get": _op("Certificates issued", {"200": _answer("Count", COUNT)})},
        "/counters/certificates/revoked": {"get": _op("Certificates revoked", {"200": _answer("Count", COUNT)})},
        "/quotas/issuance": {"get": _op("Certificates that may still be issued", {"200": _answer("Remaining", COUNT)})},
        **{f"/stats/{kind}": {"get": _op(f"Certificates {kind} in a window", {"200": _answer(
            "A page", s.STAT, LIST_HEADERS)}, parameters=PAGING + WINDOW, problems=(422,))}
           for kind in ("issued", "revoked", "expiring")},
        "/claims/domains": {"get": _op("Domain claims", {"200": _answer("A page", {"type": "array",
                                                                                  "items": s.CLAIM}, LIST_HEADERS)},
                                       parameters=PAGING + [query("status", "PENDING or VERIFIED",
                                                                  {"enum": ["PENDING", "VERIFIED"]})],
                                       problems=(422,))},
        "/claims/domains/{domain}": {"post": _op(
            "Claim a domain: a token to publish as TXT, assert by 30 days",
            {"201": _answer("Created", s.CLAIM_TOKEN, LOCATION)}, parameters=[path_param("domain", "the domain")],
            body=s.closed({}), body_required=False, problems=(*OPTIONAL_BODY, 409))},
        "/claims/domains/{id}": {
            "get": _op("A claim", {"200": _answer("Claim", s.CLAIM)}, parameters=CLAIM),
            "delete": _op("Delete a claim", {"204": _answer("Deleted")}, parameters=CLAIM)},
        "/claims/domains/{id}/dns": {
            "get": _op("The authorization domains: where the TXT record may stand (the claimed domain and each "
                       "parent down to the registrable domain)",
                       {"200": _answer("Domains, most specific first", {"type": "array", "items": s.STR,
                                                                        "minItems": 1})}, parameters=CLAIM),
            "post": _op("DNS check: TXT at the domain (or authorization_domain) equal to the token",
                        {"201": _answer("Check created, not verified yet (it retries every 5 minutes, 12 times)"),
                         "202": _answer("An earlier check is still pending"), "204": _answer("Verified")},
                        parameters=CLAIM, body=s.closed({"authorization_domain": s.STR}), body_required=False,
                        problems=(*OPTIONAL_BODY, 424))},
        "/claims/domains/{id}/http": {"post": _op(
            "HTTP check: GET <scheme>://<domain>/.well-known/pki-validation/gsdv.txt must hold the token",
            {"201": _answer("Not verified yet"), "204": _answer("Verified")}, parameters=CLAIM,
            body=s.closed({"authorization_domain": s.STR, "scheme": {"enum": ["http", "https"]}}),
            body_required=False, problems=(*OPTIONAL_BODY, 424))},
        "/claims/domains/{id}/email": {
            "get": _op("The constructed addresses", {"200": _answer("Addresses", {"type": "array", "items": s.STR})},
                       parameters=CLAIM),
            "post": _op("Send a verification email (its link verifies the claim)", {"201": _answer("Sent")},
                        parameters=CLAIM, body=s.closed({"email_address": s.STR}, ["email_address"]),
                        problems=(*BODY, 424))},
        "/claims/domains/{id}/reassert": {"post": _op("A new token and assert_by", {
            "201": _answer("Reasserted", s.CLAIM_TOKEN, LOCATION),
            "202": _answer("A DNS check is still pending", s.IN_PROGRESS)}, parameters=CLAIM,
            body=s.closed({}), body_required=False, problems=OPTIONAL_BODY)},
    }


def openapi_document() -> dict:
    return {"openapi": "3.1.0",
            "info": {"title": "GlobalSign Atlas HVCA v2 API (dip-sandbox)", "version": "2",
                     "description": "Served on the Atlas API listener with mutual TLS (an Atlas client certificate). "
                                    "Bearer token from POST /login on every other call. Every path also answers "
                                    "with one trailing slash."},
            "servers": [{"url": "/v2"}], "paths": _paths(),
            "components": {"schemas": {"Problem": s.PROBLEM, "ValidationPolicy": s.VALIDATION_POLICY},
                           "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}}}
