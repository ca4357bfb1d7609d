"""A message the sandbox sends as a counterpart (publish to me, auto-replies): the common blocks a sender fills
(S0, S1, A0, and M0 where the routing or the schema needs it) around a payload — the one given, or one built:
from the official schema of the interface and event when --dip-spec is set (mock_dip.schema_instances), else
the built-in minimal template (the common blocks and an empty CustomBlock)."""
from __future__ import annotations

import copy
from dataclasses import dataclass

from mock_dip.common_blocks import canonical_keys
from mock_dip.context import DipContext
from mock_dip.message_ingress import ENVIRONMENT_TAGS, dip_timestamp
from mock_dip.schema_instances import Instances
from seed_data.routing import Route


@dataclass(frozen=True)
class Addressing:
    sender: dict  # the sender's DIP ID row
    recipients: list[str]
    distributor: str | None = None  # M0.distributorDIPID, for interfaces with the distributor as secondary
    correlation_id: str | None = None


def _reference(ctx: DipContext, route: Route, sender: dict) -> str:
    """`S-IF-041-<DIP ID>-<role>-<yyyymmdd>-<unique>`: the official pattern allows only digits after IF-/REP-."""
    prefix, number = route.interface_id.split("-")
    return (f"S-{prefix}-{number[:3]}-{sender['dip_id']}-{sender['role_code']}-"
            f"{ctx.clock.now().strftime('%Y%m%d')}-{ctx.random.hex(12)}")


def _template() -> dict:
    """The built-in minimal payload (no official files): common blocks are filled by `build`."""
    return {"CommonBlock": {}, "CustomBlock": {}}


def _from_schema(ctx: DipContext, route: Route, event: str) -> dict | None:
    spec = ctx.messages.spec
    found = spec.payload_schema(route.interface_id, event) if spec is not None else None
    if found is None:
        return None
    schema, resolver = found
    return Instances(int(ctx.random.hex(8), 16), ctx.clock.now()).instance(schema, resolver)


def build(ctx: DipContext, route: Route, event: str, addressing: Addressing, payload: dict | None = None) -> dict:
    """One message ({"payload": ...}) of `route`'s interface and `event` from and to `addressing`."""
    given = payload is not None
    body = canonical_keys(copy.deepcopy(payload), "payload") if given else \
        (_from_schema(ctx, route, event) or _template())
    common = body.setdefault("CommonBlock", {})
    sender = addressing.sender
    fill = dict.setdefault if given else dict.__setitem__  # a given payload keeps what it says
    s0 = common.setdefault("S0", {})
    for key, value in (("interfaceID", route.interface_id), ("schemaVersion", s0.get("schemaVersion") or "011"),
                       ("eventCode", f"[{event}]")):
        fill(s0, key, value)
    s1 = common.setdefault("S1", {})
    for key, value in (("environmentTag", ENVIRONMENT_TAGS[ctx.environment]), ("subText", None),
                       ("senderUniqueReference", _reference(ctx, route, sender)),
                       ("senderTimestamp", dip_timestamp(ctx.clock.now())), ("senderDIPID", sender["dip_id"]),
                       ("senderRoleID", sender["role_code"]), ("senderCorrelationID", addressing.correlation_id),
                       ("DIPConnectionProviderID", None)):
        fill(s1, key, value)
    a0 = common.setdefault("A0", {})
    for key, value in (("primaryRecipients", list(addressing.recipients)), ("secondaryRecipients", []),
                       ("always", [])):
        fill(a0, key, value)
    if addressing.distributor is not None or "M0" in common:
        m0 = common.setdefault("M0", {})
        for key, value in (("MPANCore", m0.get("MPANCore") or "1000000000001"),
                           ("distributorDIPID", addressing.distributor or m0.get("distributorDIPID")),
                           ("GSPGroupID", m0.get("GSPGroupID") or "_A")):
            fill(m0, key, value)
    return {"payload": body}

