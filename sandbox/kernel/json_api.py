"""What the JSON portal and control APIs share: reading a JSON object body, and the one documented error
shape with its mapping:

    {"error": {"status": 422, "code": "invalid_input", "message": "...", "field": "email",
               "errors": {"email": "...", "country": "..."}}}   (errors: only for forms)
"""
from __future__ import annotations

import re

from flask import request
from werkzeug.exceptions import HTTPException

from sandbox.kernel.errors import BadRequest, DomainError

_CODE = re.compile(r"(?<!^)(?=[A-Z])")


def error_body(status: int, code: str, message: str, field: str | None = None, errors: dict | None = None) -> dict:
    body = {"status": status, "code": code, "message": message, "field": field}
    if errors:
        body["errors"] = errors
    return {"error": body}


def domain_error_body(exc: DomainError) -> dict:
    """`code`: the error's own code where it names which of several known problems it is (csr_bad_signature,
    pfx_password, ...), else derived from the kind of error (invalid_input, not_found, ...)."""
    code = getattr(exc, "code", None) or exc.details.get("code") or _CODE.sub("_", type(exc).__name__).lower()
    return error_body(exc.status, code, exc.message, exc.field, exc.details.get("errors"))


def http_error_body(exc: HTTPException) -> dict:
    code = (exc.name or "error").lower().replace(" ", "_")
    return error_body(exc.code or 500, code, exc.description or exc.name)


def error_headers(exc: HTTPException) -> dict:
    """The headers an HTTP error carries besides its body (Allow on a 405, Retry-After, WWW-Authenticate)."""
    return {name: value for name, value in exc.get_headers() if name.lower() != "content-type"}


def http_error_response(exc: HTTPException) -> tuple:
    return http_error_body(exc), exc.code, error_headers(exc)


def json_body() -> dict:
    """The request's JSON object ({} for an empty body); anything else is a 400 saying so. Its shape was checked
    against the operation's documented schema before the route ran (sandbox.body_schemas)."""
    if not request.get_data():
        return {}
    payload = request.get_json(force=True, silent=True)
    if not isinstance(payload, dict):
        raise BadRequest("the body must be a JSON object")
    return payload


def required(payload: dict, name: str):
    """`payload[name]`, which must be there and not empty (else a 400 naming the field)."""
    if name not in payload or payload[name] in (None, ""):
        raise BadRequest(f"{name!r} is required", field=name)
    return payload[name]
