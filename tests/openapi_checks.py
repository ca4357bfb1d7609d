"""One check for every OpenAPI document the sandbox serves: valid, and naming every route of its app."""
from __future__ import annotations

import re

from openapi_spec_validator import validate


def assert_documents_every_route(document: dict, app, prefix: str, renames: dict[str, str] | None = None,
                                 endpoint_prefix: str | None = None) -> None:
    validate(document)
    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    checked = 0
    for rule in app.url_map.iter_rules():
        under = rule.rule == prefix or rule.rule.startswith(prefix.rstrip("/") + "/")  # /atlas/api, not /atlas/api-x
        if not under or (endpoint_prefix and not rule.endpoint.startswith(endpoint_prefix)):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix(prefix))
        for old, new in (renames or {}).items():
            path = path.replace(old, new)
        if path in ("/openapi.json", "/docs") or path.startswith("/docs/"):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented, f"{method} {prefix}{path} is not in the OpenAPI document"
            checked += 1
    assert checked > 0, f"no route under {prefix}"
