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

from sandbox.kernel.errors import InvalidInput

REMOTE_PREFIX = "https://raw.githubusercontent.com/elexon-data/dip-api-documentation/main/"
API_FILE = "SubmitEvents-unresolved.yaml"
_VALIDATE_PATH = re.compile(r"^/validate/([^/]+)/([^/]+)$")


class SpecProblem(InvalidInput):
    """The directory does not hold the official files as expected."""

    def __init__(self, message: str):
        super().__init__(message, field="dip_spec")


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


def locate(directory: str | Path) -> Path:
    """The folder of the official files: `directory` itself (a folder of the files, or a checkout of the official
    repository), or its one sub-folder that holds them (a folder of one version)."""
    directory = Path(directory).expanduser()
    if (directory / API_FILE).is_file():
        return directory
    below = sorted(p.parent for p in directory.glob(f"*/{API_FILE}")) if directory.is_dir() else []
    if len(below) == 1:
        return below[0]
    if below:
        raise SpecProblem(f"{directory} holds several versions of the DIP API files "
                          f"({', '.join(p.name for p in below)}): point --dip-spec at one of them, e.g. {below[-1]}")
    raise SpecProblem(f"{directory} does not hold {API_FILE}: point --dip-spec at a folder of the official DIP API "
                      "files or a checkout of their repository (e.g. shared/dip-api-spec/v1.8.3)")


def version_of(directory: Path) -> str:
    """`info.version` of the SubmitEvents document, read from its text (no YAML parse needed)."""
    in_info = False
    for line in (directory / API_FILE).read_text().splitlines():
        if re.match(r"^info\s*:", line):
            in_info = True
        elif in_info and (found := re.match(r"^\s+version\s*:\s*['\"]?([^'\"\s#]+)", line)):
            return found.group(1)
        elif in_info and re.match(r"^\S", line):
            break
    return "unknown"


def describe(directory: str | Path) -> str:
    """'SubmitEvents 1.8.3 in DIR', or what is wrong with the folder (for `dip-sandbox config`)."""
    try:
        found = locate(directory)
    except SpecProblem as problem:
        return f"not usable: {problem.message}"
    return f"SubmitEvents {version_of(found)} in {found}"


class DipSpec:
    def __init__(self, directory: str | Path):
        self.directory = locate(directory)
        self.version = version_of(self.directory)
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

    def payload_schema(self, interface: str, event_code: str):
        """(schema, resolver) of the payload of one interface and event, or None (reports, unknown events)."""
        ref = self.payload_schemas.get((interface.upper(), str(event_code or "").strip("[]").upper()))
        if ref is None:
            return None
        resolved = self._registry.resolver().lookup(ref)
        return resolved.contents, resolved.resolver

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
        resolved = self._registry.resolver().lookup(ref)
        canonical = self._canonical(payload, resolved.contents, resolved.resolver)
        validator = Draft4Validator({"$ref": ref}, registry=self._registry)
        errors = sorted(validator.iter_errors(canonical), key=lambda e: list(e.absolute_path))
        problems = [f"{'.'.join(str(p) for p in e.absolute_path) or 'payload'}: {e.message}" for e in errors[:10]]
        if len(errors) > 10:
            problems.append(f"... and {len(errors) - 10} more schema errors")
        return ("MSG1001" if problems else None), problems, canonical
