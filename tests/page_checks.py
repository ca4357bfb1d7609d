"""What every page a person sees must pass (issue 17): at 1280x800 no horizontal overflow of the page, no JSON or
traceback shown, and no serious or critical axe-core violation (axe-playwright-python, which ships axe-core:
the well-kept standard checker, rather than hand-written rules). A screenshot of each checked page is kept."""
from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

from tests.browser import screenshot

_AXE = Axe()
SERIOUS = ("serious", "critical")


def problems(page) -> list[str]:
    found = []
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if overflow > 0:
        wide = page.evaluate("""() => [...document.querySelectorAll('main *')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
            .slice(0, 3).map(e => e.tagName + '.' + e.className + ' ' + (e.textContent || '').trim().slice(0, 40))""")
        found.append(f"the page is {overflow}px wider than the window: {wide}")
    text = page.evaluate("document.body.innerText").strip()
    if text.startswith(("{", "[")) or "Traceback (most recent call last)" in text:
        found.append(f"JSON or a traceback on the page: {text[:120]!r}")
    if page.locator("link[href*='sandbox.css']").count() == 0:
        found.append("an unstyled page")
    for violation in _AXE.run(page).response["violations"]:
        if violation["impact"] in SERIOUS:
            targets = [", ".join(node["target"]) for node in violation["nodes"][:3]]
            found.append(f"axe {violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
    return found


def check(page, name: str) -> None:
    """Check the page now shown and keep its screenshot as test-artefacts/screenshots/<name>.png."""
    page.wait_for_load_state("load")
    screenshot(page, name)
    found = problems(page)
    assert not found, f"{name} ({page.url}):\n" + "\n".join(found)
