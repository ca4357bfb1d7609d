"""The code blocks of the README marked `<!-- example: NAME -->`, so that tests run them as written."""
from __future__ import annotations

import re

from tests.conftest import REPO


def readme_example(name: str) -> str:
    text = (REPO / "README.md").read_text()
    found = re.search(rf"<!-- example: {re.escape(name)} -->\n```[a-z]*\n(.*?)```", text, re.S)
    assert found, f"the README has no example {name!r}"
    return found.group(1)
