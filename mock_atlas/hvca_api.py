"""The HVCA v2 API (`/v2` on the Atlas API listener), wire-faithful to shared/reference/atlas-hvca-api.md.
A thin adapter: parse, call the Atlas domain operations, render; errors are rendered by the app (problem+json)."""
from __future__ import annotations

import json
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, g, request

from mock_atlas.certificate_orders import InProgress, Page
from mock_atlas.service import Atlas
from sandbox.kernel.errors import BadRequest, DomainError, InvalidInput, NotFound
from sandbox.kernel.json_limits import parse_json, unreadable

JSON = "application/json"


class LengthRequired(DomainError):
    status = 411


class BadContentType(DomainError):
    status = 415


class TooManyRequests(DomainError):
    status = 429


class ServiceBusy(DomainError):
    status = 503


def _atlas() -> Atlas:
    return current_app.config["ATLAS"]


def _json(payload, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json.dumps(payload), status=status, content_type=JSON, headers=headers or {})


def _empty(status: int, headers: dict | None = None) -> Response:
    response = Response(b"", status=status, headers=headers or {})
    del response.headers["Content-Type"]  # no body, no media type
    return response


def _body(required: bool = True):
    """The JSON body; bodyless POSTs with Content-Length: 0 and no content type are fine where none is needed."""
    length = request.headers.get("Content-Length")
    chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    if length is None and not chunked:
        if required:
            raise LengthRequired("Content-Length required")
        return None
    raw = request.get_data()
    if not raw:
        if required:
            raise BadRequest("the request needs a JSON body")
        return None
    content_type = request.headers.get("Content-Type", "")
    if not content_type.lower().startswith(JSON):
        raise BadContentType(f"Bad Content-Type {content_type or '(none)'}: send application/json;charset=utf-8")
    try:
        return parse_json(raw)
    except ValueError as exc:
        raise BadRequest(unreadable(exc)) from None


def _fields(payload, allowed: tuple[str, ...]) -> dict:
    """An optional JSON object body with only the fields this endpoint knows."""
    if payload is None:
        return {}
    if not isinstance(payload, dict):
        raise BadRequest("the body must be a JSON object")
    unknown = sorted(set(payload) - set(allowed))
    if unknown:
        raise InvalidInput(f"{unknown[0]}: is not a field of this request"
                           + (f" (known: {', '.join(allowed)})" if allowed else " (it takes no body)"),
                           field=unknown[0])
    return payload


def _links(page: Page, path: str) -> dict:
    headers = {"Total-Count": str(page.total)}
    args = {k: v for k, v in request.args.items() if k not in ("page", "per_page")}
    links = []
    if page.page * page.per_page < page.total:
        links.append(f'<{path}?{urlencode({**args, "page": page.page + 1, "per_page": page.per_page})}>; rel="next"')
    if page.page > 1:
        links.append(f'<{path}?{urlencode({**args, "page": page.page - 1, "per_page": page.per_page})}>; rel="prev"')
    if links:
        headers["Links"] = headers["Link"] = ", ".join(links)
    return headers


def hvca_blueprint() -> Blueprint:
    bp = Blueprint("hvca", __name__)

    @bp.before_request
    def faults_then_token():
        fault = _atlas().faults.draw()
        if fault == "429":
            raise TooManyRequests("Too Many Requests: retry after the Retry-After seconds",
                                  details={"retry_after": "1"})
        if fault == "503":
            raise ServiceBusy("Service busy: try again", details={"id": _atlas().ctx.random.hex(8)})
        if request.endpoint != "hvca.login":
            g.hvca = _atlas().hvca(request.headers.get("Authorization"), g.client_identity.serial)

    @bp.post("/login")
    def login():
        try:
            payload = _body()
        except (BadRequest, LengthRequired):
            payload = None
        if payload is None:
            raise InvalidInput("Invalid login request")
        return _json({"access_token": _atlas().api_sessions.login(payload, g.client_identity.serial)})

    # -- certificates --------------------------------------------------------------------------------
    @bp.post("/certificates")
    def request_certificate():
        serial = g.hvca.request_certificate(_body())
        return _empty(201, {"Location": f"/v2/certificates/{serial}"})

    @bp.get("/certificates/<serial>")
    def get_certificate(serial: str):
        try:
            return _json(g.hvca.certificate(serial))
        except InProgress:
            return _json({"description": "Operation in progress"}, 202)

    @bp.patch("/certificates/<serial>")
    def patch_certificate(serial: str):
        payload = _fields(_body(), ("revocation_reason", "revocation_time"))
        g.hvca.revoke(serial, payload.get("revocation_reason", "unspecified"), payload.get("revocation_time"))
        return _empty(204)

    @bp.delete("/certificates/<serial>")
    def delete_certificate(serial: str):
        g.hvca.revoke(serial)
        return _empty(204)

    @bp.post("/certificates/<serial>/rekey")
    def rekey(serial: str):
        new_serial = g.hvca.rekey(serial, _body())
        return _empty(201, {"Location": f"/v2/certificates/{new_serial}"})

    @bp.get("/trustchain")
    def trustchain():
        return _json(g.hvca.trustchain())

    @bp.get("/validationpolicy")
    def validation_policy():
        return _json(g.hvca.validation_policy())

    @bp.get("/counters/certificates/issued")
    def counter_issued():
        return _json({"value": g.hvca.counter("issued")})

    @bp.get("/counters/certificates/revoked")
    def counter_revoked():
        return _json({"value": g.hvca.counter("revoked")})

    @bp.get("/quotas/issuance")
    def quota():
        return _json({"value": g.hvca.quota()})

    @bp.get("/stats/<kind>")
    def stats(kind: str):
        if kind not in ("issued", "revoked", "expiring"):
            raise NotFound("Not found")
        page = g.hvca.stats(kind, request.args)
        return _json(page.items, headers=_links(page, f"/v2/stats/{kind}"))

    # -- domain claims -------------------------------------------------------------------------------
    @bp.get("/claims/domains")
    def list_claims():
        page = g.hvca.claims(request.args)
        return _json(page.items, headers=_links(page, "/v2/claims/domains"))

    @bp.post("/claims/domains/<domain>")
    def submit_claim(domain: str):
        _fields(_body(required=False), ())
        claim = g.hvca.claim_domain(domain)
        return _json({"token": claim["token"], "assert_by": claim["assert_by"]}, 201,
                     {"Location": f"/v2/claims/domains/{claim['id']}"})

    @bp.get("/claims/domains/<claim_id>")
    def get_claim(claim_id: str):
        return _json(g.hvca.claim(claim_id))

    @bp.delete("/claims/domains/<claim_id>")
    def delete_claim(claim_id: str):
        g.hvca.delete_claim(claim_id)
        return _empty(204)

    @bp.get("/claims/domains/<claim_id>/dns")
    def authorization_domains(claim_id: str):
        return _json(g.hvca.authorization_domains(claim_id))

    @bp.post("/claims/domains/<claim_id>/dns")
    def dns_check(claim_id: str):
        payload = _fields(_body(required=False), ("authorization_domain",))
        outcome = g.hvca.dns_check(claim_id, payload.get("authorization_domain") or None)
        return _empty({"verified": 204, "created": 201, "pending": 202}[outcome])

    @bp.post("/claims/domains/<claim_id>/http")
    def http_check(claim_id: str):
        payload = _fields(_body(required=False), ("authorization_domain", "scheme"))
        outcome = g.hvca.http_check(claim_id, payload.get("authorization_domain") or None, payload.get("scheme"))
        return _empty(204 if outcome == "verified" else 201)

    @bp.get("/claims/domains/<claim_id>/email")
    def email_addresses(claim_id: str):
        return _json(g.hvca.email_addresses(claim_id))

    @bp.post("/claims/domains/<claim_id>/email")
    def send_email(claim_id: str):
        payload = _fields(_body(), ("email_address",))
        g.hvca.send_verification_email(claim_id, payload.get("email_address"))
        return _empty(201)

    @bp.post("/claims/domains/<claim_id>/reassert")
    def reassert(claim_id: str):
        _fields(_body(required=False), ())
        if g.hvca.check_pending(claim_id):
            return _json({"description": "a DNS check of this claim is still pending"}, 202)
        claim = g.hvca.reassert(claim_id)
        return _json({"token": claim["token"], "assert_by": claim["assert_by"]}, 201,
                     {"Location": f"/v2/claims/domains/{claim['id']}"})

    return bp

