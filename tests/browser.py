"""Playwright driving Debian's Chromium headless (the Playwright browser download cannot work here), and the
folder where page screenshots are kept for people to look at (test-artefacts/screenshots)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ARTEFACTS = Path(__file__).resolve().parent.parent / "test-artefacts" / "screenshots"


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.fail("chromium is not installed: .ci/run installs it (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    opened = context.new_page()
    opened.set_default_timeout(15000)
    yield opened
    context.close()


def screenshot(page, name: str) -> Path:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
