"""Reading a JSON body a client sent, within bounds, for every API of the sandbox.

- **UTF-8 only**, without a byte order mark (RFC 8259 section 8.1): Python's `json.loads(bytes)` would also
  take UTF-16 and UTF-32, and a BOM, which no real service here accepts.
- **Nesting depth** at most `MAX_DEPTH`, checked *before* parsing: the parser and everything after it
  (schema validation, the journal) recurse, and ~1,000 levels end in `RecursionError`.
- Size is bounded where the body is read: each listener's request limit (`MAX_CONTENT_LENGTH`, 413).

`JsonRefused` is a 400 domain error, so each API answers it in its own format. Text that is not JSON at all
stays a `ValueError` (json.JSONDecodeError), as callers already expect. Flask's apps parse with it too
(sandbox.kernel.flask_apps), but this module needs no Flask: the domain reads message bodies with it at start.
"""
from __future__ import annotations

import json
import re
from typing import Any

from sandbox.kernel.errors import BadRequest

MAX_DEPTH = 64
MAX_BODY_BYTES = 1024 * 1024  # the web and Atlas listeners (the DIP message API has dip_max_request_bytes)
_STRINGS = re.compile(rb'"(?:[^"\\]+|\\.)*"')  # JSON strings, whose brackets do not nest
_BRACKETS = bytes(range(256)).translate(None, b"[]{}")  # every byte that is not a bracket
_EMPTY_PAIR = re.compile(rb"\[\]|\{\}")


class JsonRefused(BadRequest):
    """A body refused before parsing: not UTF-8, a byte order mark, or nested too deeply."""


def nesting_depth(data: bytes, stop_above: int = MAX_DEPTH) -> int:
    """How deeply arrays and objects nest in `data` (counting stops once past `stop_above`). Each pass removes
    every innermost empty pair at once (one regex scan, in C), so the passes count the levels; a body whose
    brackets do not pair stops counting there (it is not JSON, which the parser then says)."""
    brackets = _STRINGS.sub(b"", data).translate(None, _BRACKETS)
    depth = 0
    while brackets and depth <= stop_above:
        inner = _EMPTY_PAIR.sub(b"", brackets)
        if len(inner) == len(brackets):
            break
        brackets, depth = inner, depth + 1
    return depth


def parse_json(data: bytes | str) -> Any:
    """The JSON value of a request body, or JsonRefused / ValueError saying what is wrong with it."""
    if isinstance(data, (bytes, bytearray)):
        if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
            raise JsonRefused("the body starts with a byte order mark: send UTF-8 JSON without one")
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise JsonRefused(f"the body is not UTF-8 (byte {exc.start}): JSON bodies are UTF-8") from None
        raw = bytes(data)
    else:
        text, raw = data, data.encode("utf-8", "surrogatepass")
    if text.startswith("\ufeff"):
        raise JsonRefused("the body starts with a byte order mark: send UTF-8 JSON without one")
    if nesting_depth(raw) > MAX_DEPTH:
        raise JsonRefused(f"the JSON nests more than {MAX_DEPTH} levels deep (arrays and objects); the sandbox's "
                          f"limit is {MAX_DEPTH}")
    return json.loads(text, parse_constant=_no_constant)


def _no_constant(name: str):
    raise JsonRefused(f"{name} is not JSON (RFC 8259 has no NaN or Infinity): send a number")


def unreadable(exc: Exception) -> str:
    """What to tell a client whose body `parse_json` refused."""
    if isinstance(exc, JsonRefused):
        return exc.message
    return f"the body is not valid JSON ({exc})"


def json_media_type(content_type: str | None) -> bool:
    """Whether a Content-Type names JSON in UTF-8: application/json (or a +json type), no other charset."""
    if not content_type:
        return False
    media_type, _, parameters = content_type.partition(";")
    media_type = media_type.strip().lower()
    if media_type != "application/json" and not (media_type.startswith("application/") and media_type.endswith("+json")):
        return False
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            return False
    return True
