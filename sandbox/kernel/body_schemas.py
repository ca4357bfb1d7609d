"""Request bodies checked against the OpenAPI document that describes them, so the two cannot drift.

Each JSON interface of the web listener (control API, Atlas portal API, DIP portal API) serves an OpenAPI 3.1
document; the `requestBody` schema of an operation there is the one rule for its body. Before the route runs,
the body is validated against that schema with `jsonschema` (Draft 2020-12, the dialect of OpenAPI 3.1). The
documents close every request object (`openapi_builder.body`: `additionalProperties: false`), so an unknown or
misspelt key is refused, with the intended one where a known key is close ("did you mean 'role_code'?").

- An unknown key: 400 (the request is not what the operation takes). Any other breach (a missing field, a
  wrong type, out of bounds): 422. Both in the interface's JSON error shape, every problem in `errors`, and
  the operation's own example in the message.
- An operation that documents no body takes none: an empty body or `{}` only.
- The domain modules still judge values (an email address, a state machine); this is the shape.
"""
from __future__ import annotations

import difflib
import json
import re
from typing import Callable

from flask import Blueprint, request

from sandbox.kernel.errors import BadRequest, InvalidInput
from sandbox.kernel.json_limits import json_media_type

_PARAMETER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
_BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
_FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")


class _Operation:
    def __init__(self, method: str, path: str, operation: dict, document: dict):
        from jsonschema import Draft202012Validator
        contents = (operation.get("requestBody") or {}).get("content") or {}
        content = contents.get("application/json")
        self.forms = {media_type for media_type in contents if media_type in _FORMS}
        self.name = f"{method.upper()} {path}"
        self.takes_body = content is not None
        self.example = content.get("example") if content else None
        schema = (content or {}).get("schema") or {"type": "object", "maxProperties": 0}
        # the document's components stay reachable for $ref
        self.validator = Draft202012Validator({**schema, "components": document.get("components", {})})

    def hint(self) -> str:
        if self.example is None:
            return f"{self.name} takes no body" if not self.takes_body else ""
        return f"e.g. {json.dumps(self.example)}"


class BodyRules:
    """The body rules of one OpenAPI document, for the routes of one blueprint registered under `prefix`."""

    def __init__(self, document: Callable[[], dict], prefix: str):
        self._document = document
        self._prefix = prefix
        self._operations: dict[tuple[str, str], _Operation] | None = None

    def _operation(self, method: str, rule: str) -> _Operation | None:
        if self._operations is None:
            document = self._document()
            self._operations = {(method.upper(), path): _Operation(method, path, item, document)
                                for path, methods in document["paths"].items()
                                for method, item in methods.items() if method.upper() in _BODY_METHODS}
        path = _PARAMETER.sub(r"{\1}", rule.removeprefix(self._prefix))
        return self._operations.get((method, path))

    def check(self) -> None:
        """Refuse this request's body when it breaks its operation's schema (400 or 422, saying how)."""
        if request.method not in _BODY_METHODS or request.url_rule is None:
            return
        operation = self._operation(request.method, request.url_rule.rule)
        if operation is None or request.mimetype in operation.forms:
            return  # an HTML-form upload the operation documents (the PFX): its fields are the route's to read
        data = request.get_data(cache=True)
        content_type = request.headers.get("Content-Type")
        if content_type and not json_media_type(content_type):
            raise BadRequest(f"Content-Type {content_type} is not accepted: send application/json "
                             f"(UTF-8). {operation.hint()}".strip())
        if not data:
            payload = {}
        else:
            payload = request.get_json(force=True, silent=True)
            if payload is None:
                raise BadRequest(f"the body is not JSON. {operation.hint()}".strip())
        problems = _problems(operation, payload)
        if not problems:
            return
        unknown = any(kind == "unknown" for kind, _, _ in problems)
        errors = {field or "(body)": message for _, field, message in problems}
        summary = "; ".join(message for _, _, message in problems)
        hint = operation.hint()
        message = f"{summary} - {hint}" if hint else summary
        first = problems[0][1]
        if unknown:
            raise BadRequest(message, field=first, details={"errors": errors})
        raise InvalidInput(message, field=first, details={"errors": errors})


def _where(path) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _problems(operation: _Operation, payload) -> list[tuple[str, str | None, str]]:
    """(kind, field, message) for every breach, unknown keys first."""
    found: list[tuple[str, str | None, str]] = []
    for error in operation.validator.iter_errors(payload):
        where = _where(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = list((error.schema.get("properties") or {}).keys())
            for key in sorted(set(error.instance) - set(known)):
                field = f"{where}.{key}" if where else key
                close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
                place = f" in {where}" if where else ""
                suggestion = (f": did you mean {close[0]!r}?" if close else
                              (f" (known: {', '.join(known)})" if known else ": this operation takes no fields"))
                found.append(("unknown", field, f"unknown field {key!r}{place}{suggestion}"))
        elif error.validator == "maxProperties" and not operation.takes_body:
            found.append(("unknown", None, f"{operation.name} takes no body (send none, or {{}})"))
        elif error.validator == "required":
            missing = re.match(r"'([^']+)'", error.message)
            name = missing.group(1) if missing else error.message
            field = f"{where}.{name}" if where else name
            found.append(("invalid", field, f"{field!r} is required"))
        else:
            label = repr(where) if where else "the body"
            found.append(("invalid", where or None, f"{label}: {_describe(error)}"))
    found.sort(key=lambda problem: problem[0] != "unknown")
    return found


def _describe(error) -> str:
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "type":
        expected = schema.get("type")
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        article = "an" if str(expected)[:1] in "aeiou" else "a"
        return f"must be {article} {expected}, not {json.dumps(error.instance)[:60]}"
    if error.validator == "enum":
        return "must be one of " + ", ".join(json.dumps(value) for value in schema["enum"])
    if error.validator in ("oneOf", "anyOf"):
        # the branch whose type fits tells what is wrong (-1 for {"type": "number", "minimum": 0})
        fitting = [sub for sub in error.context if sub.validator != "type" and not sub.relative_path]
        if fitting:
            return _describe(fitting[0])
        return f"{json.dumps(error.instance)[:60]} is not any of the forms this field takes"
    bounds = {"minimum": "{} or more", "maximum": "{} or less", "exclusiveMinimum": "more than {}",
              "exclusiveMaximum": "less than {}", "minLength": "at least {} characters",
              "maxLength": "at most {} characters", "minItems": "at least {} items", "maxItems": "at most {} items"}
    if error.validator in bounds:
        value = error.validator_value
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return "must be " + bounds[error.validator].format(f"{value:,}" if isinstance(value, int) else value)
    if error.validator == "const":
        return f"must be {json.dumps(error.validator_value)}"
    return error.message


def validate_bodies(bp: Blueprint, document: Callable[[], dict], prefix: str) -> BodyRules:
    """Check every request body of `bp` (registered under `prefix`) against `document()` before its routes."""
    rules = BodyRules(document, prefix)
    bp.before_request(rules.check)
    return rules
