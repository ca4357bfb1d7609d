"""A small, valid instance of a JSON Schema (the Draft 4 dialect of the official DIP files, $refs resolved through
a `referencing` resolver): required properties only, the first enum value, the lower bound of every range, and a
string matching each `pattern` (rstr, seeded, so the same schema and seed give the same instance).

Written here because hypothesis-jsonschema, the usual tool, no longer runs on current Hypothesis releases, and
because a sandbox wants one deterministic, readable instance rather than a stream of random ones."""
from __future__ import annotations

import random
from datetime import datetime

_MAX_DEPTH = 40
_FORMATS = {"email": "someone@dip-sandbox.example", "uri": "https://dip-sandbox.example/", "byte": "AA==",
            "uuid": "00000000-0000-4000-8000-000000000000"}


class Instances:
    def __init__(self, seed: int, now: datetime):
        import rstr  # composing a message from a schema: a start does not need it

        self._strings = rstr.Rstr(random.Random(seed))
        self._now = now

    def instance(self, schema, resolver, depth: int = 0):
        while isinstance(schema, dict) and "$ref" in schema:
            resolved = resolver.lookup(schema["$ref"])
            schema, resolver = resolved.contents, resolved.resolver
        if not isinstance(schema, dict) or depth > _MAX_DEPTH:
            return None
        if schema.get("enum"):
            return next((v for v in schema["enum"] if v is not None), schema["enum"][0])
        if schema.get("allOf"):
            merged: dict = {"type": "object", "properties": {}, "required": []}
            for part in schema["allOf"]:
                while isinstance(part, dict) and "$ref" in part:
                    resolved = resolver.lookup(part["$ref"])
                    part = resolved.contents
                merged["properties"].update(part.get("properties") or {})
                merged["required"] += part.get("required") or []
            return self.instance(merged, resolver, depth + 1)
        for key in ("oneOf", "anyOf"):
            if schema.get(key):
                return self.instance(schema[key][0], resolver, depth + 1)
        kind = schema.get("type")
        if isinstance(kind, list):  # "or null" (OpenAPI's nullable): give a value
            kind = next((k for k in kind if k != "null"), "null")
        if kind is None:
            kind = "object" if "properties" in schema else "string"
        return getattr(self, "_" + kind, lambda s, r, d: None)(schema, resolver, depth)

    def _object(self, schema, resolver, depth):
        properties = schema.get("properties") or {}
        return {name: self.instance(properties.get(name, {}), resolver, depth + 1)
                for name in schema.get("required") or []}

    def _array(self, schema, resolver, depth):
        count = max(schema.get("minItems", 0), 1 if schema.get("maxItems", 1) else 0)
        return [self.instance(schema.get("items", {}), resolver, depth + 1) for _ in range(count)]

    def _string(self, schema, resolver, depth):
        if "pattern" in schema:
            return self._strings.xeger(schema["pattern"])
        form = schema.get("format")
        if form == "date":
            return self._now.date().isoformat()
        if form == "date-time":
            return self._now.strftime("%Y-%m-%dT%H:%M:%S+00:00")
        if form in _FORMATS:
            return _FORMATS[form]
        length = max(schema.get("minLength", 1), 1)
        return "A" * min(length, schema.get("maxLength", length))

    @staticmethod
    def _number(schema, resolver, depth):
        low = schema.get("minimum", 0)
        if schema.get("exclusiveMinimum") is True:
            low += schema.get("multipleOf", 1)
        high = schema.get("maximum")
        return min(low, high) if high is not None and low > high else low

    def _integer(self, schema, resolver, depth):
        return int(self._number(schema, resolver, depth))

    @staticmethod
    def _boolean(schema, resolver, depth):
        return False

    @staticmethod
    def _null(schema, resolver, depth):
        return None
