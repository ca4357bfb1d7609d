"""Built-in structural checks of the common blocks of a DIP message (reference/dip-message-api.md: S0, S1, A0,
M0), without the official schema files. Field names are matched case-insensitively (the spec says so) and given
back in their canonical spelling. Each problem carries the MSG code the DIP answers with.

What needs the DIP's records (sender DIP ID and role, DCP ID, duplicates, recipients) is checked by the
ingress, over these normalised blocks."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import datetime

from seed_data.routing import Route, route

ENVIRONMENT_TAGS = ("PRD", "SITB", "SIT", "UIT", "DEV")
UNIQUE_REFERENCE = re.compile(r"^S-((IF|REP)-)?\d{3,4}-[0-9a-fA-F]{10}-[A-Z]{3,5}-\d{8}-[a-zA-Z0-9]+$")
SENDER_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$")
EVENT_CODE = re.compile(r"^\[[A-Za-z0-9-]+\]$")  # [ReadingCOS], [SN-Vacant]
MPAN_CORE = re.compile(r"^\d{13}$")
GSP_GROUP = re.compile(r"^_[A-P]$")

BLOCK_FIELDS = {
    "payload": ("CommonBlock", "CustomBlock"),
    "CommonBlock": ("S0", "S1", "A0", "M0", "M1", "D0", "R0", "P01"),
    "S0": ("interfaceID", "schemaVersion", "eventCode"),
    "S1": ("environmentTag", "subText", "senderUniqueReference", "senderTimestamp", "senderDIPID", "senderRoleID",
           "senderCorrelationID", "DIPConnectionProviderID"),
    "A0": ("primaryRecipients", "secondaryRecipients", "always"),
    "M0": ("MPANCore", "distributorDIPID", "GSPGroupID"),
}
_CANONICAL = {block: {name.lower(): name for name in names} for block, names in BLOCK_FIELDS.items()}


@functools.lru_cache(maxsize=None)
def _events(known: Route) -> frozenset[str]:
    """An interface's event codes in lower case (what a sent S0.eventCode is compared with)."""
    return frozenset(event.lower() for event in known.events)


def sender_time(stamp: str) -> datetime | None:
    """The moment of an S1.senderTimestamp of the right shape, or None when no such time exists (02-30, 25:00)."""
    if not SENDER_TIMESTAMP.match(stamp):
        return None
    try:
        return datetime.fromisoformat(stamp)  # the shape is checked: C parsing, a tenth of strptime's cost
    except ValueError:
        return None


@dataclass
class Problem:
    code: str
    help: str


@dataclass
class CheckedMessage:
    """One item of the array: its normalised payload and what is wrong with it (empty when fine)."""
    payload: dict | None
    problems: list[Problem] = field(default_factory=list)

    def add(self, code: str, text: str) -> None:
        self.problems.append(Problem(code, text))

    def block(self, name: str) -> dict:
        common = self.payload.get("CommonBlock") if isinstance(self.payload, dict) else None
        value = common.get(name) if isinstance(common, dict) else None
        return value if isinstance(value, dict) else {}


def canonical_keys(value, block: str) -> dict:
    """The object with the known field names of `block` in their canonical spelling; unknown keys kept."""
    known = _CANONICAL.get(block, {})
    out = {}
    for key, item in value.items():
        name = known.get(str(key).lower(), key)
        out[name] = canonical_keys(item, name) if isinstance(item, dict) and name in BLOCK_FIELDS else item
    return out


def _required(message: CheckedMessage, block: dict, name: str, fields: tuple[str, ...]) -> None:
    for key in fields:
        if key not in block:
            message.add("MSG1001", f"CommonBlock.{name}.{key} is required")


def check_message(item, interface_id: str, environment_tag: str) -> CheckedMessage:
    if not isinstance(item, dict):
        return CheckedMessage(None, [Problem("MSG1001", "each item of the array is {\"payload\": {\"CommonBlock\": "
                                                         "..., \"CustomBlock\": ...}}")])
    item = {("payload" if str(k).lower() == "payload" else k): v for k, v in item.items()}
    payload = item.get("payload")
    if not isinstance(payload, dict):
        return CheckedMessage(None, [Problem("MSG1001", "the item has no payload object")])
    message = CheckedMessage(canonical_keys(payload, "payload"))
    common = message.payload.get("CommonBlock")
    if not isinstance(common, dict):
        message.add("MSG1001", "payload.CommonBlock is required (an object)")
        return message
    if "CustomBlock" in message.payload and not isinstance(message.payload["CustomBlock"], dict):
        # optional: six official payloads have none (IF-015, IF-016 ConsumptionRequestRejected, IF-038/IF-039 ...Remove)
        message.add("MSG1001", "payload.CustomBlock is an object")
    for name in ("S0", "S1", "A0"):
        if not isinstance(common.get(name), dict):
            message.add("MSG1001", f"CommonBlock.{name} is required (an object)")
    if "D0" in common:
        message.add("MSG1001", "CommonBlock.D0 is set by the DIP on delivery: leave it out")
    s0, s1, a0 = message.block("S0"), message.block("S1"), message.block("A0")
    if s0:
        _required(message, s0, "S0", BLOCK_FIELDS["S0"])
        sent_interface = str(s0.get("interfaceID") or "")
        if sent_interface and sent_interface.upper() != interface_id.upper():
            message.add("MSG1002", f"S0.interfaceID {sent_interface} does not match the channel {interface_id.upper()}")
        event = s0.get("eventCode")
        known = route(interface_id)
        if "eventCode" in s0 and not (isinstance(event, str) and EVENT_CODE.match(event)):
            message.add("MSG1001", f"S0.eventCode {event!r} is an event code in brackets, e.g. \"[ReadingCOS]\"")
        elif isinstance(event, str) and known is not None and event.strip("[]").lower() not in _events(known):
            message.add("MSG1001", f"S0.eventCode {event} is not an event of {known.interface_id} (the official "
                                   f"list: {', '.join('[' + e + ']' for e in known.events)})")
    if s1:
        _required(message, s1, "S1", BLOCK_FIELDS["S1"])
        tag = s1.get("environmentTag")
        if "environmentTag" in s1 and tag not in ENVIRONMENT_TAGS:
            message.add("MSG1001", f"S1.environmentTag {tag!r} is one of {', '.join(ENVIRONMENT_TAGS)}")
        elif tag is not None and tag != environment_tag:
            message.add("MSG1001", f"S1.environmentTag is {tag}, but this is the {environment_tag} DIP")
        reference = s1.get("senderUniqueReference")
        if "senderUniqueReference" in s1 and not (isinstance(reference, str) and UNIQUE_REFERENCE.match(reference)):
            message.add("MSG1001", f"S1.senderUniqueReference {reference!r} does not match "
                                   f"{UNIQUE_REFERENCE.pattern}")
        stamp = s1.get("senderTimestamp")
        if "senderTimestamp" in s1 and not (isinstance(stamp, str) and SENDER_TIMESTAMP.match(stamp)):
            message.add("MSG1007", f"S1.senderTimestamp {stamp!r} is YYYY-MM-DDThh:mm:ss+00:00")
        elif "senderTimestamp" in s1 and sender_time(stamp) is None:
            message.add("MSG1007", f"S1.senderTimestamp {stamp!r} has the right shape but is not a time that "
                                   "exists (a day or hour out of range)")
        sender = s1.get("senderDIPID")
        if "senderDIPID" in s1 and not (isinstance(sender, str) and len(sender) == 10):
            message.add("MSG1009", f"S1.senderDIPID {sender!r} is a DIP ID of 10 characters")
    if a0:
        _required(message, a0, "A0", BLOCK_FIELDS["A0"])
        primary = a0.get("primaryRecipients")
        if "primaryRecipients" in a0 and not (isinstance(primary, list) and primary):
            message.add("MSG1031", "A0.primaryRecipients is a non-empty array of recipient DIP IDs")
        for name in ("secondaryRecipients", "always"):
            if a0.get(name):
                message.add("MSG1030", f"A0.{name} is set by the DIP: send an empty array")
    m0 = message.block("M0")
    if m0:
        _required(message, m0, "M0", BLOCK_FIELDS["M0"])
        if "MPANCore" in m0 and not (isinstance(m0["MPANCore"], str) and MPAN_CORE.match(m0["MPANCore"])):
            message.add("MSG1001", f"M0.MPANCore {m0['MPANCore']!r} is 13 digits")
        if "GSPGroupID" in m0 and not (isinstance(m0["GSPGroupID"], str) and GSP_GROUP.match(m0["GSPGroupID"])):
            message.add("MSG1001", f"M0.GSPGroupID {m0['GSPGroupID']!r} is _A to _P")
    return message

