"""The DIP's `StandardResponse` items, always in the official types (SubmitEvents `StandardResponseBodyType`):
`sentTimestamp` a 25-character DT-003 date-time and `senderID` a 10-character DIP ID (never null: what the client
sent if it is of that type, else what the sandbox knows — its own timestamp, the sender's DIP ID; `senderID` is
left out only when no sender is known, on answers whose status has no documented body); the nullable members a string within the schema's bounds or null (a client's malformed reference is
not echoed back in a type the schema refuses); `help` at most 500 characters — several problems are packed into
as few items as fit, and the whole text stays in the journal."""
from __future__ import annotations

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
