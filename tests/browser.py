"""The folder where page screenshots are kept for people to look at (test-artefacts/screenshots). The browser
fixtures (Playwright driving Debian's Chromium) are in conftest."""
from __future__ import annotations

from pathlib import Path

ARTEFACTS = Path(__file__).resolve().parent.parent / "test-artefacts" / "screenshots"


def screenshot(page, name: str) -> Path:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
