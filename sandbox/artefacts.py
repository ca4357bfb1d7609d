"""`dip-sandbox state artefacts`: what a failed CI job keeps — endpoints, clock, pending jobs, the whole journal
(the signature debugger's detail included), the outbox (JSON, and one text file per email) and the scenario —
read through the control API."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable


def save_artefacts(get: Callable[..., Any], out: Path) -> tuple[int, int]:
    """Write the artefacts into `out` with `get(path, params=...)` answering control API GETs as JSON; return the
    numbers of journal entries and emails written."""
    out.mkdir(parents=True, exist_ok=True)
    written = {"endpoints.json": get("/endpoints"),
               "clock.json": get("/clock"),
               "jobs.json": get("/jobs")}
    entries, page = [], 1
    while True:
        batch = get("/journal", params={"page": page, "per_page": 500})
        entries.extend(batch["entries"])
        if not batch["entries"] or len(entries) >= batch["total"]:
            break
        page += 1
    written["journal.json"] = {"entries": entries, "total": len(entries)}
    emails = get("/mail")["emails"]
    written["outbox.json"] = {"emails": emails}
    listed = get("/scenarios")
    if listed["current"]:
        written["scenario.json"] = get("/scenario")
    for name, content in written.items():
        (out / name).write_text(json.dumps(content, indent=2) + "\n")
    for number, email in enumerate(emails, start=1):
        (out / f"email-{number:03d}.txt").write_text(
            f"From: {email['from']}\nTo: {email['to']}\nSubject: {email['subject']}\nDate: {email['sent_at']}\n\n"
            f"{email['text']}\n")
    return len(entries), len(emails)
