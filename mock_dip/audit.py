"""The audit log: every portal action, who did it, for which organisation, when, in which environment."""
from __future__ import annotations

import json

from mock_dip import permissions
from mock_dip.context import DipContext
from sandbox.kernel.clock import from_unix, iso


class Audit:
    def __init__(self, ctx: DipContext):
        self.ctx = ctx

    def record(self, actor: str, action: str, organisation_id: str | None = None, **detail) -> None:
        with self.ctx.store.transaction() as db:
            db["dip_audit"].insert({"environment": self.ctx.environment, "at": self.ctx.clock.now_unix(),
                                    "actor": actor, "organisation_id": organisation_id, "action": action,
                                    "detail": json.dumps(detail) if detail else None})

    def readable_by(self, user: dict, everyone: bool = False, limit: int = 200) -> list[dict]:
        """The log `user` asks for: every organisation's (`everyone`), for the DIP Manager only; else their
        organisation's, with the audit.view permission (a User Admin; the DIP Manager is no member)."""
        if everyone:
            permissions.require_manager(user)
            return self.entries(limit=limit)
        permissions.require(user, permissions.roles_of(user), "audit.view")
        return self.entries(user["organisation_id"], limit)

    def entries(self, organisation_id: str | None = None, limit: int = 200) -> list[dict]:
        sql, params = "select * from dip_audit where environment = ?", [self.ctx.environment]
        if organisation_id is not None:
            sql += " and organisation_id = ?"
            params.append(organisation_id)
        rows = self.ctx.store.query(sql + " order by id desc limit ?", params + [limit])
        return [{"at": iso(from_unix(r["at"])), "environment": r["environment"], "actor": r["actor"],
                 "organisation_id": r["organisation_id"], "action": r["action"],
                 "detail": json.loads(r["detail"]) if r["detail"] else None} for r in rows]
