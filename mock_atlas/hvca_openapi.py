"""The OpenAPI document of the HVCA v2 API as the sandbox serves it (on the web listener, at
/atlas/hvca/openapi.json; the API itself is on the Atlas API listener, with mutual TLS)."""
from __future__ import annotations

from sandbox.openapi_builder import INT, STR, obj, path_param, query

PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
_ANY = {"type": "object"}


def _answer(description: str, schema: dict | None = None, headers: dict | None = None) -> dict:
    answer = {"description": description}
    if schema is not None:
        answer["content"] = {"application/json": {"schema": schema}}
    if headers:
        answer["headers"] = {name: {"schema": {"type": "string"}, "description": text} for name, text in headers.items()}
    return answer


def _problems(*codes: int) -> dict:
    texts = {400: "Bad request", 401: "Unauthorized", 402: "Quota Reached", 404: "Not found", 409: "Conflict",
             411: "Content-Length required", 415: "Bad Content-Type", 422: "Validation failed (the description "
             "names the field and the rule)", 424: "Claim expired: reassert first", 429: "Rate limit (Retry-After)",
             503: "Service busy (with an id)"}
    return {str(code): {"description": texts[code], "content": PROBLEM} for code in codes}


def _op(summary: str, responses: dict, *, body: dict | None = None, parameters: list | None = None,
        problems: tuple = (401, 429, 503), tag: str = "HVCA") -> dict:
    operation = {"summary": summary, "tags": [tag], "responses": {**responses, **_problems(*problems)}}
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if parameters:
        operation["parameters"] = parameters
    return operation


SERIAL = [path_param("serial", "upper-case hex; matched case-insensitively, leading zeros ignored")]
CLAIM = [path_param("id", "claim id (32 upper-case hex)")]
PAGING = [query("page", "from 1", INT), query("per_page", "1 to 1000 (default 100)", INT)]
WINDOW = [query("from", "Unix seconds", INT), query("to", "Unix seconds", INT)]
LIST_HEADERS = {"Total-Count": "how many items in all", "Links": "<...?page=N>; rel=\"next\" (also as Link)"}
LOCATION = {"Location": "absolute path of the new resource (/v2/...)"}
CERTIFICATE_REQUEST = obj({
    "validity": obj({"not_before": INT, "not_after": INT}, ["not_before"]),
    "subject_dn": obj({"common_name": STR, "country": STR, "state": STR, "locality": STR, "organization": STR,
                       "organizational_unit": {"type": "array", "items": STR}}, ["common_name"]),
    "san": obj({"dns_names": {"type": "array", "items": STR}}, ["dns_names"]),
    "extended_key_usages": {"type": "array", "items": STR},
    "signature": obj({"algorithm": STR, "hash_algorithm": STR}),
    "public_key": STR, "public_key_signature": STR}, ["validity", "subject_dn", "san", "extended_key_usages",
                                                      "public_key"])
CLAIM_SCHEMA = obj({"id": STR, "status": {"enum": ["PENDING", "VERIFIED"]}, "domain": STR, "created_at": INT,
                    "expires_at": INT, "assert_by": INT,
                    "log": {"type": "array", "items": obj({"status": STR, "description": STR, "timestamp": INT})}})
STAT = {"type": "array", "items": obj({"serial_number": STR, "not_before": INT, "not_after": INT})}


def openapi_document() -> dict:
    paths = {
        "/login": {"post": _op("Log in with the API key and secret, over mTLS with the credentials' client "
                               "certificate; the token lasts 10 minutes of sandbox time",
                               {"200": _answer("Token", obj({"access_token": STR}))},
                               body=obj({"api_key": STR, "api_secret": STR}, ["api_key", "api_secret"]),
                               problems=(401, 422, 429, 503))},
        "/certificates": {"post": _op("Request a certificate (DIP issuing CA; subject, SANs and EKUs from the JSON, "
                                      "only the key from the CSR)", {"201": _answer("Created", headers=LOCATION)},
                                      body=CERTIFICATE_REQUEST, problems=(400, 401, 402, 411, 415, 422, 429, 503))},
        "/certificates/{serial}": {
            "get": _op("The certificate", {"200": _answer("Issued or revoked", obj({
                "certificate": STR, "status": {"enum": ["ISSUED", "REVOKED"]}, "updated_at": INT})),
                "202": _answer("Operation in progress", obj({"description": STR}))}, parameters=SERIAL,
                problems=(401, 404, 429, 503)),
            "patch": _op("Revoke", {"204": _answer("Revoked")}, parameters=SERIAL,
                         body=obj({"revocation_reason": {"enum": ["unspecified", "keyCompromise", "affiliationChanged",
                                                                  "superseded", "cessationOfOperation",
                                                                  "privilegeWithdrawn"]},
                                   "revocation_time": INT}),
                         problems=(400, 401, 404, 409, 411, 415, 422, 429, 503)),
            "delete": _op("Revoke (legacy)", {"204": _answer("Revoked")}, parameters=SERIAL,
                          problems=(401, 404, 409, 429, 503))},
        "/certificates/{serial}/rekey": {"post": _op("A new certificate for a new key (same subject and SANs)",
                                                     {"201": _answer("Created", headers=LOCATION)}, parameters=SERIAL,
                                                     body=obj({"public_key": STR, "public_key_signature": STR},
                                                              ["public_key"]),
                                                     problems=(400, 401, 402, 404, 411, 415, 422, 429, 503))},
        "/trustchain": {"get": _op("Issuing CA first, root last", {"200": _answer("PEM strings", {
            "type": "array", "items": STR})})},
        "/validationpolicy": {"get": _op("The MHHS service's validation policy", {"200": _answer("Policy", _ANY)})},
        "/counters/certificates/issued": {"get": _op("Certificates issued", {"200": _answer("Count", obj({
            "value": INT}))})},
        "/counters/certificates/revoked": {"get": _op("Certificates revoked", {"200": _answer("Count", obj({
            "value": INT}))})},
        "/quotas/issuance": {"get": _op("Certificates that may still be issued", {"200": _answer("Remaining", obj({
            "value": INT}))})},
        **{f"/stats/{kind}": {"get": _op(f"Certificates {kind} in a window", {"200": _answer(
            "A page", STAT, LIST_HEADERS)}, parameters=PAGING + WINDOW, problems=(401, 422, 429, 503))}
           for kind in ("issued", "revoked", "expiring")},
        "/claims/domains": {"get": _op("Domain claims", {"200": _answer("A page", {"type": "array",
                                                                                  "items": CLAIM_SCHEMA},
                                                                        LIST_HEADERS)},
                                       parameters=PAGING + [query("status", "PENDING or VERIFIED")],
                                       problems=(401, 422, 429, 503))},
        "/claims/domains/{domain}": {"post": _op("Claim a domain: a token to publish as TXT, assert by 30 days",
                                                 {"201": _answer("Created", obj({"token": STR, "assert_by": INT}),
                                                                 LOCATION)},
                                                 parameters=[path_param("domain", "the domain")],
                                                 problems=(401, 409, 422, 429, 503))},
        "/claims/domains/{id}": {
            "get": _op("A claim", {"200": _answer("Claim", CLAIM_SCHEMA)}, parameters=CLAIM,
                       problems=(401, 404, 429, 503)),
            "delete": _op("Delete a claim", {"204": _answer("Deleted")}, parameters=CLAIM,
                          problems=(401, 404, 429, 503))},
        "/claims/domains/{id}/dns": {"post": _op(
            "DNS check: TXT at the domain (or authorization_domain) equal to the token",
            {"201": _answer("Check created, not verified yet (it retries every 5 minutes, 12 times)"),
             "202": _answer("An earlier check is still pending"), "204": _answer("Verified")},
            parameters=CLAIM, body=obj({"authorization_domain": STR}), problems=(401, 404, 422, 424, 429, 503))},
        "/claims/domains/{id}/http": {"post": _op(
            "HTTP check: GET <scheme>://<domain>/.well-known/pki-validation/gsdv.txt must hold the token",
            {"201": _answer("Not verified yet"), "204": _answer("Verified")}, parameters=CLAIM,
            body=obj({"authorization_domain": STR, "scheme": {"enum": ["http", "https"]}}),
            problems=(401, 404, 422, 424, 429, 503))},
        "/claims/domains/{id}/email": {
            "get": _op("The constructed addresses", {"200": _answer("Addresses", {"type": "array", "items": STR})},
                       parameters=CLAIM, problems=(401, 404, 429, 503)),
            "post": _op("Send a verification email (its link verifies the claim)", {"201": _answer("Sent")},
                        parameters=CLAIM, body=obj({"email_address": STR}, ["email_address"]),
                        problems=(401, 404, 422, 424, 429, 503))},
        "/claims/domains/{id}/reassert": {"post": _op("A new token and assert_by", {
            "201": _answer("Reasserted", obj({"token": STR, "assert_by": INT}), LOCATION),
            "202": _answer("A DNS check is still pending")}, parameters=CLAIM, problems=(401, 404, 429, 503))},
    }
    problem = obj({"description": STR, "id": STR, "errors": {"type": "object", "additionalProperties": STR}},
                  ["description"])
    return {"openapi": "3.1.0",
            "info": {"title": "GlobalSign Atlas HVCA v2 API (dip-sandbox)", "version": "2",
                     "description": "Served on the Atlas API listener with mutual TLS (an Atlas client certificate). "
                                    "Bearer token from POST /login on every other call."},
            "servers": [{"url": "/v2"}], "paths": paths,
            "components": {"schemas": {"Problem": problem},
                           "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}}}
