"""The Flask class every listener's app is made from.

Werkzeug compiles two URL builders per route, with `ast` and `compile`; for the web listener's ~250 routes that
is about 0.3 s of every sandbox start, paid again by each sandbox a test session starts in one process. A
builder depends only on the rule's shape (its parts, the converters, the defaults folded into it), never on the
rule object it is bound to, so the compiled functions are shared, per process, between rules of the same shape.
This overrides werkzeug's `Rule._compile_builder` (a private method, stable from werkzeug 2.2 to 3.1); should it
disappear, rules compile as before.
"""
from __future__ import annotations

import threading

from flask import Flask
from werkzeug.routing import Rule

_BUILDERS: dict[tuple, object] = {}
_LOCK = threading.Lock()


class SharedBuilderRule(Rule):
    def _compile_builder(self, append_unknown: bool = True):
        key = (append_unknown, tuple(self._trace), repr(list((self.defaults or {}).items())),
               tuple((name, type(converter)) for name, converter in self._converters.items()))
        builder = _BUILDERS.get(key)
        if builder is None:
            builder = super()._compile_builder(append_unknown)
            with _LOCK:
                builder = _BUILDERS.setdefault(key, builder)
        return builder


class SandboxFlask(Flask):
    url_rule_class = SharedBuilderRule
