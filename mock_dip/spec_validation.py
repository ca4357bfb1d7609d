"""Full schema validation of DIP messages against the official OpenAPI files (`--dip-spec DIR`, e.g.
shared/dip-api-spec/v1.8.3), which the project does not copy.

The files reference each other by `https://raw.githubusercontent.com/elexon-data/dip-api-documentation/main/
<file>`: that prefix is stripped and the file read from DIR. The API's `/validate/{IF}/{EventCode}` operations
say which payload schema serves each interface and event. OpenAPI 3.0's `nullable: true` becomes a JSON Schema
"or null" before validating (jsonschema, Draft 4 — OpenAPI 3.0's own dialect, with boolean exclusive bounds).
Field names are case-insensitive on ingress: an instance's keys are first given the spelling of the schema.
"""
from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path

REMOTE_PREFIX = "https://raw.githubusercontent.com/elexon-data/dip-api-documentation/main/"
API_FILE = "SubmitEvents-unresolved.yaml"
_VALIDATE_PATH = re.compile(r"^/validate/([^/]+)/([^/]+)$")


class SpecProblem(Exception):
    """The directory does not hold the official files as expected."""


def _oas30_to_json_schema(node):
    if isinstance(node, dict):
        converted = {k: _oas30_to_json_schema(v) for k, v in node.items() if k not in ("nullable", "example",
                                                                                     "examples")}
        if node.get("nullable") is True:
            if isinstance(converted.get("type"), str):
                converted["type"] = [converted["type"], "null"]
            if isinstance(converted.get("enum"), list) and None not in converted["enum"]:
                converted["enum"] = [*converted["enum"], None]
            if "$ref" in converted or "allOf" in converted or "oneOf" in converted or "anyOf" in converted:
                converted = {"anyOf": [{"type": "null"}, converted]}
        return converted
    if isinstance(node, list):
        return [_oas30_to_json_schema(v) for v in node]
    return node


class DipSpec:
    def __init__(self, directory: str | Path):
        self.directory = Path(directory)
        if not (self.directory / API_FILE).is_file():
            raise SpecProblem(f"{self.directory} does not hold {API_FILE}: point --dip-spec at a folder of the official "
                              "DIP API files (e.g. shared/dip-api-spec/v1.8.3)")
        self._documents: dict[str, dict] = {}
        self._event_names: dict[tuple[str, str], str] = {}

    def _document(self, name: str) -> dict:
        if name not in self._documents:
            import yaml  # only a sandbox started with --dip-spec needs it
            path = self.directory / name
            if not path.is_file():
                raise SpecProblem(f"{path} is referenced by the API files but missing")
            self._documents[name] = _oas30_to_json_schema(yaml.safe_load(path.read_text()))
        return self._documents[name]

    @cached_property
    def _registry(self):
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT4

        def retrieve(uri: str):
            name = uri.removeprefix(REMOTE_PREFIX)
            return Resource.from_contents(self._document(name), default_specification=DRAFT4)
        return Registry(retrieve=retrieve)

    @cached_property
    def payload_schemas(self) -> dict[tuple[str, str], str]:
        """(interface, event code without brackets), upper-cased -> reference of the payload schema."""
        schemas = {}
        for path, item in (self._document(API_FILE).get("paths") or {}).items():
            match = _VALIDATE_PATH.match(path)
            if not match:
                continue
            try:
                schema = item["post"]["requestBody"]["content"]["application/json"]["schema"]
                ref = schema["items"]["properties"]["payload"]["$ref"]
            except (KeyError, TypeError):
                continue
            if not ref.startswith(REMOTE_PREFIX):
                ref = REMOTE_PREFIX + API_FILE + ref
            schemas[(match.group(1).upper(), match.group(2).upper())] = ref
            self._event_names[(match.group(1).upper(), match.group(2).upper())] = match.group(2)
        if not schemas:
            raise SpecProblem(f"{API_FILE} in {self.directory} has no /validate/{{IF}}/{{EventCode}} operations")
        return schemas

    def interfaces(self) -> set[str]:
        return {interface for interface, _ in self.payload_schemas}

    def events(self, interface: str) -> list[str]:
        return sorted(self._event_names[(i, event)] for i, event in self.payload_schemas if i == interface.upper())

    def _canonical(self, instance, schema, resolver, depth: int = 0):
        """The instance with its object keys spelt as the schema spells its properties."""
        if depth > 60:
            return instance
        while isinstance(schema, dict) and "$ref" in schema:
            resolved = resolver.lookup(schema["$ref"])
            schema, resolver = resolved.contents, resolved.resolver
        if not isinstance(schema, dict):
            return instance
        alternatives = [s for key in ("allOf", "anyOf", "oneOf") for s in schema.get(key, [])]
        if isinstance(instance, dict):
            properties = dict(schema.get("properties") or {})
            for alternative in alternatives:
                while isinstance(alternative, dict) and "$ref" in alternative:
                    resolved = resolver.lookup(alternative["$ref"])
                    alternative = resolved.contents
                if isinstance(alternative, dict):
                    properties.update(alternative.get("properties") or {})
            spelling = {name.lower(): name for name in properties}
            out = {}
            for key, value in instance.items():
                name = spelling.get(str(key).lower(), key)
                out[name] = self._canonical(value, properties.get(name), resolver, depth + 1) \
                    if name in properties else value
            return out
        if isinstance(instance, list) and isinstance(schema.get("items"), dict):
            return [self._canonical(v, schema["items"], resolver, depth + 1) for v in instance]
        return instance

    def validate(self, payload, interface: str, event_code: str) -> tuple[str | None, list[str], object]:
        """(MSG code or None, problems, the payload with canonical keys) for one message's payload."""
        from jsonschema import Draft4Validator
        key = (interface.upper(), str(event_code or "").strip("[]").upper())
        if key[0] not in self.interfaces():
            return None, [], payload  # reports (REP-...) have no payload schema of their own: built-in checks only
        ref = self.payload_schemas.get(key)
        if ref is None:
            return "MSG1001", [f"S0.eventCode {event_code} is not an event of {interface.upper()} (the API files "
                               f"know {', '.join('[' + e + ']' for e in self.events(interface))})"], payload
        resolver = self._registry.resolver()
        resolved = resolver.lookup(ref)
        canonical = self._canonical(payload, resolved.contents, resolved.resolver)
        validator = Draft4Validator({"$ref": ref}, registry=self._registry)
        errors = sorted(validator.iter_errors(canonical), key=lambda e: list(e.absolute_path))
        problems = [f"{'.'.join(str(p) for p in e.absolute_path) or 'payload'}: {e.message}" for e in errors[:10]]
        if len(errors) > 10:
            problems.append(f"... and {len(errors) - 10} more schema errors")
        return ("MSG1001" if problems else None), problems, canonical
