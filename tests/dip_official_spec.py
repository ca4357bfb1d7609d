"""The official DIP SubmitEvents document (shared/dip-api-spec/<version>), made self-contained for schemathesis:
its references to the other official files (`https://raw.githubusercontent.com/elexon-data/dip-api-documentation/
main/<file>#<pointer>`) are inlined from the local folder, so nothing is fetched. The files are read from
../shared, never copied into the project."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from tests.conftest import SHARED

REMOTE_PREFIX = "https://raw.githubusercontent.com/elexon-data/dip-api-documentation/main/"
API_FILE = "SubmitEvents-unresolved.yaml"
VERSIONS = ("v1.8.3", "v2.1.0")


def spec_dir(version: str) -> Path:
    return SHARED / "dip-api-spec" / version


@lru_cache(maxsize=None)
def _file(directory: Path, name: str) -> dict:
    return yaml.safe_load((directory / name).read_text())


def _pointer(document: dict, pointer: str):
    node = document
    for part in [p for p in pointer.lstrip("#").split("/") if p]:
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def bundled(version: str) -> dict:
    """SubmitEvents with every cross-file reference inlined (its own `#/components/...` references kept)."""
    directory = spec_dir(version)

    def inline(node, current: str, stack: tuple):
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                name, _, pointer = (ref.removeprefix(REMOTE_PREFIX).partition("#") if ref.startswith(REMOTE_PREFIX)
                                    else (current, "", ref.lstrip("#")))
                if name == API_FILE and not ref.startswith(REMOTE_PREFIX):
                    return node  # the main document's own components stay references
                key = (name, pointer)
                if key in stack:
                    return {}  # a cycle: leave it open
                return inline(_pointer(_file(directory, name), pointer), name, stack + (key,))
            return {k: inline(v, current, stack) for k, v in node.items() if k not in ("example", "examples")}
        if isinstance(node, list):
            return [inline(v, current, stack) for v in node]
        return node

    document = inline(_file(directory, API_FILE), API_FILE, ())
    document["servers"] = [{"url": "/"}]
    return document


def json_schema(node):
    """An OpenAPI 3.0 schema as plain JSON Schema: `nullable: true` means "or null" (OpenAPI 3.0.3, Schema Object)."""
    if isinstance(node, list):
        return [json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: json_schema(value) for key, value in node.items() if key != "nullable"}
    return {"anyOf": [converted, {"type": "null"}]} if node.get("nullable") is True else converted
