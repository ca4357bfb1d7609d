"""The code blocks of the README and of docs/ marked `<!-- example: NAME -->`, so that tests run them as written."""
from __future__ import annotations

import re

from tests.conftest import REPO

DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def documented_example(name: str) -> str:
    pattern = re.compile(rf"<!-- example: {re.escape(name)} -->\n```[a-z]*\n(.*?)```", re.S)
    found = [match.group(1) for document in DOCUMENTS for match in pattern.finditer(document.read_text())]
    assert len(found) == 1, f"{len(found)} examples named {name!r} in the README and docs/ (one expected)"
    return found[0]
