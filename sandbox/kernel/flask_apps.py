"""The Flask class every listener's app is made from.

Werkzeug compiles two URL builders per route, with `ast` and `compile`; for the web listener's ~250 routes that
is about 0.3 s of every sandbox start, paid again by each sandbox a test session starts in one process. A
builder depends only on the rule's shape (its parts, the converters, the defaults folded into it), never on the
rule object it is bound to, so the compiled functions are shared, per process, between rules of the same shape,
and each is compiled when first used (by `url_for`) rather than when the route is added.
This overrides werkzeug's `Rule._compile_builder` (a private method, stable from werkzeug 2.2 to 3.1); should it
disappear, rules compile as before.
"""
from __future__ import annotations

import threading
from typing import Any

from flask import Flask, current_app, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import Rule

from sandbox.kernel.json_limits import MAX_BODY_BYTES, parse_json

SANDBOX_EXTENSION = "dip_sandbox"  # where the web listener's app keeps the sandbox it serves


def app_sandbox():
    """The sandbox the current app serves (the composition's Sandbox): a page or an API reaches its service, the
    clock or the outbox through it."""
    return current_app.extensions[SANDBOX_EXTENSION]


_BUILDERS: dict[tuple, object] = {}
_LOCK = threading.Lock()


class SharedBuilderRule(Rule):
    def _compile_builder(self, append_unknown: bool = True):
        key = (append_unknown, tuple(self._trace), repr(list((self.defaults or {}).items())),
               tuple((name, type(converter)) for name, converter in self._converters.items()))
        builder = _BUILDERS.get(key)
        if builder is not None:
            return builder
        compile_builder = super()._compile_builder

        def build_lazily(rule, *args, **kwargs):
            """Compiled on first use (url_for): most routes of a run are never built."""
            compiled = _BUILDERS.get(key)
            if compiled is None:
                with _LOCK:
                    compiled = _BUILDERS.setdefault(key, compile_builder(append_unknown))
            return compiled(rule, *args, **kwargs)

        return build_lazily


DRAIN_LIMIT = 32 * 1024 * 1024  # a refused body up to this size is read and dropped, so the client hears the 413


def _discard_body() -> None:
    """Read what is left of a refused request body: a client still sending when the server closes gets a broken
    connection (over TLS: an EOF error) instead of the 413. Larger bodies are not worth reading: the connection
    closes."""
    stream = request.environ.get("wsgi.input")
    left = request.content_length or 0
    if stream is None or left > DRAIN_LIMIT:
        return
    try:
        while left > 0:
            chunk = stream.read(min(left, 65536))
            if not chunk:
                return
            left -= len(chunk)
    except OSError:
        return


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider, parsing request bodies with `parse_json` (request.get_json, silent or not)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return parse_json(s)


class SandboxFlask(Flask):
    """Every listener's app: shared URL builders, JSON bodies parsed within bounds (sandbox.json_limits), and
    request bodies over MAX_BODY_BYTES refused with 413 (an app may set its own MAX_CONTENT_LENGTH)."""
    url_rule_class = SharedBuilderRule
    json_provider_class = BoundedJSONProvider

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES

    def handle_http_exception(self, e):
        """werkzeug's 413 says "exceeds the capacity limit": say which limit, before each API renders it."""
        if isinstance(e, RequestEntityTooLarge) and e.description == RequestEntityTooLarge.description:
            _discard_body()
            limit = self.config["MAX_CONTENT_LENGTH"]
            e = RequestEntityTooLarge(f"the request body is over {limit:,} bytes, the limit of this listener: send "
                                      "less (the sandbox's own requests are far smaller)")
        return super().handle_http_exception(e)
