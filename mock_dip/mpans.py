"""The DIP Manager's MPAN tab: the MPANs the DIP has seen — the M0.MPANCore of every stored message, and any MPAN a
scenario seeded (table dip_mpans) — and, for one MPAN, what went through the DIP about it, newest first."""
from __future__ import annotations

import re

from mock_dip.context import DipContext
from sandbox.kernel.clock import iso_unix
from sandbox.kernel.errors import Forbidden, InvalidInput

MPAN_CORE = re.compile(r"^\d{13}$")


class Mpans:
    def __init__(self, ctx: DipContext):
        self.ctx = ctx

    @staticmethod
    def _manager(actor: dict) -> None:
        if not actor.get("is_manager"):
            raise Forbidden("the MPAN lookup is the DIP Manager's")

    def seed(self, mpan_core: str, gsp_group: str | None = None, note: str | None = None) -> dict:
        """An MPAN the DIP knows before any message names it (scenarios)."""
        if not MPAN_CORE.match(str(mpan_core)):
            raise InvalidInput(f"MPAN core {mpan_core!r} is 13 digits", field="mpan_core")
        row = {"environment": self.ctx.environment, "mpan_core": str(mpan_core), "gsp_group": gsp_group,
               "note": note, "created_at": self.ctx.clock.now_unix()}
        with self.ctx.store.transaction() as db:
            db["dip_mpans"].upsert(row, pk=("environment", "mpan_core"))
        return row

    def known(self, actor: dict, limit: int = 200) -> list[dict]:
        """Every MPAN seen, with how many messages named it and when last."""
        self._manager(actor)
        rows = self.ctx.store.query(
            "select mpan as mpan_core, count(*) as messages, max(received_at) as last_at from dip_messages where "
            "environment = ? and mpan is not null group by mpan "
            "union all select mpan_core, 0, null from dip_mpans p where environment = ? and not exists (select 1 from "
            "dip_messages m where m.environment = p.environment and m.mpan = p.mpan_core) "
            "order by 3 desc, 1 limit ?", [self.ctx.environment, self.ctx.environment, limit])
        return [{**r, "last_at": iso_unix(r["last_at"])} for r in rows]

    def lookup(self, actor: dict, mpan_core: str) -> dict:
        self._manager(actor)
        wanted = str(mpan_core or "").strip()
        if not MPAN_CORE.match(wanted):
            raise InvalidInput(f"{wanted or '(nothing)'} is not an MPAN core: 13 digits, e.g. 1000000000001",
                               field="mpan_core")
        rows = self.ctx.store.query(
            "select m.transaction_id, m.interface_id, m.event_code, m.sender_dip_id, m.primary_recipient, "
            "m.received_at, json_extract(m.payload, '$.CommonBlock.M0.distributorDIPID') as distributor, "
            "json_extract(m.payload, '$.CommonBlock.M0.GSPGroupID') as gsp_group from dip_messages m where "
            "m.environment = ? and m.mpan = ? order by m.received_at desc limit 200", [self.ctx.environment, wanted])
        seeded = self.ctx.one("select * from dip_mpans where environment = ? and mpan_core = ?",
                              [self.ctx.environment, wanted])
        return {"mpan_core": wanted, "seeded": seeded, "messages": [
            {**r, "received_at": iso_unix(r["received_at"])} for r in rows]}
