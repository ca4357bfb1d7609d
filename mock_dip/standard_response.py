"""The DIP's `StandardResponse` items, always in the official types (SubmitEvents `StandardResponseBodyType`):
`sentTimestamp` a 25-character DT-003 date-time and `senderID` a 10-character DIP ID (never null: what the client
sent if it is of that type, else what the sandbox knows — its own timestamp, the sender's DIP ID; `senderID` is
left out only when no sender is known, on answers whose status has no documented body); the nullable members a string within the schema's bounds or null (a client's malformed reference is
not echoed back in a type the schema refuses); `help` at most 500 characters — several problems are packed into
as few items as fit, and the whole text stays in the journal."""
from __future__ import annotations

import json

HELP_MAX = 500
# member: (minimum length, maximum length) of the official string type; exact lengths where min == max
_BOUNDS = {"transactionID": (1, 65), "senderUniqueReference": (1, 200), "correlationID": (1, 60),
           "sentTimestamp": (25, 25), "senderID": (10, 10), "recipientID": (10, 10),
           "DIPConnectionProviderID": (10, 10), "message": (1, 200), "help": (1, HELP_MAX),
           "serviceTicketURL": (1, 250)}


def _fits(name: str, value) -> bool:
    low, high = _BOUNDS[name]
    return isinstance(value, str) and low <= len(value) <= high


def response_item(message: str, help_text: str | None = None, *, stamp: str, sender_id: str | None = None,
                  **fields) -> dict:
    """One item. `stamp` (the DIP's own DT-003 timestamp) stands in for a missing or malformed sentTimestamp;
    `sender_id` is the authenticated sender's DIP ID (without one — a request refused before the sender was
    known, whose status has no documented body — the member is left out rather than null)."""
    values = {"transactionID": None, "senderUniqueReference": None, "correlationID": None, "sentTimestamp": None,
              "senderID": sender_id, "recipientID": None, "DIPConnectionProviderID": None, "message": message,
              "help": shorten(help_text) if help_text else None, "serviceTicketURL": None, **fields}
    item = {name: value if _fits(name, value) else None for name, value in values.items()}
    if item["sentTimestamp"] is None:
        item["sentTimestamp"] = stamp
    if item["senderID"] is None:
        del item["senderID"]
    return item


def shorten(text: str) -> str:
    return text if len(text) <= HELP_MAX else text[:HELP_MAX - 1] + "…"


def packed(problems: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(first code, help) per item: the problems' "CODE: help" texts joined with "; " while they fit in 500
    characters, one problem too long for an item alone shortened."""
    items: list[tuple[str, str]] = []
    for code, text in problems:
        part = shorten(f"{code}: {text}")
        if items and len(items[-1][1]) + 2 + len(part) <= HELP_MAX:
            items[-1] = (items[-1][0], f"{items[-1][1]}; {part}")
        else:
            items.append((code, part))
    return items


# Members the official types allow to be null (DT-...N); sentTimestamp (DT-003) and senderID (DT-006) are not.
_NULLABLE = {"transactionID", "senderUniqueReference", "correlationID", "recipientID", "DIPConnectionProviderID",
             "message", "help", "serviceTicketURL"}


def answer_problems(answer) -> list[str]:
    """What keeps a webhook's answer from being the documented StandardResponse (none when it is one): a JSON
    object whose `messageArray` (which every example of the document has, so the sandbox requires it) holds at
    least one item with the ten members in their official types, and a DT-003 `timestamp` when there is one."""
    if not isinstance(answer, dict):
        return ["the body is not a JSON object {\"messageArray\": [...], \"timestamp\": ...}"]
    problems = []
    items = answer.get("messageArray")
    if not isinstance(items, list) or not items:
        problems.append("messageArray is not an array of at least one item (one per message delivered)")
    for number, item in enumerate(items if isinstance(items, list) else [], 1):
        if not isinstance(item, dict):
            problems.append(f"messageArray item {number} is not an object")
            continue
        missing = [name for name in _BOUNDS if name not in item]
        if missing:
            problems.append(f"messageArray item {number} lacks {', '.join(missing)}")
        for name, (low, high) in _BOUNDS.items():
            value = item.get(name)
            if name in item and not (_fits(name, value) or (value is None and name in _NULLABLE)):
                size = f"{low}" if low == high else f"{low} to {high}"
                problems.append(f"messageArray item {number}: {name} {json.dumps(value)} is not a string of {size} "
                                "characters"
                                + (" or null" if name in _NULLABLE else ""))
    if "timestamp" in answer and not _fits("sentTimestamp", answer["timestamp"]):
        problems.append(f"timestamp {json.dumps(answer['timestamp'])} is not a date-time such as "
                        "2026-12-01T09:00:00+00:00")
    return problems[:6]
