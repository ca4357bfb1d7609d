"""DIP IDs of an organisation: create (a DIP role code from the role table — requestable ones only for
participants —, a 4-character MPID, the MP role code the table gives, effective from / to), edit, delete.
DIP IDs are 10 digits, unique in the environment. Each has a primary and a secondary API key (32 hex) that can
be shown and regenerated (the old key stops working at once). Members scoped to some DIP IDs act only on those.
"""
from __future__ import annotations

import json
import re
from datetime import date

from mock_dip import permissions
from mock_dip.audit import Audit
from mock_dip.context import DipContext
from mock_dip.permissions import roles_of
from sandbox.kernel import form_checks as f
from sandbox.kernel.clock import from_unix, iso
from sandbox.kernel.errors import Conflict, InvalidInput, NotFound
from seed_data.role_codes import role as dip_role

_MPID = re.compile(r"^[A-Z0-9]{4}$")
KEY_SLOTS = ("primary", "secondary")


def _date(payload: dict, field: str, errors: f.FormErrors, required: bool) -> str | None:
    value = payload.get(field)
    if value in (None, ""):
        if required:
            errors.add(field, "is required (YYYY-MM-DD)")
        return None
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        errors.add(field, f"{value!r} is not a date (YYYY-MM-DD)")
        return None


class DipIds:
    def __init__(self, ctx: DipContext, audit: Audit):
        self.ctx = ctx
        self.audit = audit

    @staticmethod
    def describe(row: dict) -> dict:
        return {"dip_id": row["dip_id"], "environment": row["environment"], "organisation_id": row["organisation_id"],
                "role_code": row["role_code"], "mpid": row["mpid"], "mp_role_code": row["mp_role_code"],
                "effective_from": row["effective_from"], "effective_to": row["effective_to"],
                "created_at": iso(from_unix(row["created_at"]))}

    # -- scope -----------------------------------------------------------------------------------
    @staticmethod
    def in_scope(user: dict, dip_id: str) -> bool:
        scope = user.get("dip_id_scope")
        return scope in (None, "all") or dip_id in json.loads(scope)

    def get(self, actor: dict, dip_id: str) -> dict:
        row = self.ctx.one("select * from dip_ids where environment = ? and dip_id = ? and organisation_id = ?",
                           [self.ctx.environment, dip_id, actor["organisation_id"]])
        if row is None or not self.in_scope(actor, dip_id):
            raise NotFound(f"no DIP ID {dip_id} in your organisation (or not among your DIP IDs)", field="dip_id")
        return row

    def directory(self) -> list[dict]:
        """Every DIP ID of this environment with its organisation's name, by name: the sandbox's own views."""
        return self.ctx.store.query(
            "select d.dip_id, d.role_code, o.id as organisation_id, o.company_name from dip_ids d join "
            "dip_organisations o on o.id = d.organisation_id where d.environment = ? order by o.company_name, d.dip_id",
            [self.ctx.environment])

    def list(self, actor: dict) -> list[dict]:
        permissions.require(actor, roles_of(actor), "organisation.view")
        rows = self.ctx.store.query("select * from dip_ids where environment = ? and organisation_id = ? "
                                    "order by created_at, dip_id", [self.ctx.environment, actor["organisation_id"]])
        return [self.describe(r) for r in rows if self.in_scope(actor, r["dip_id"])]

    # -- create / edit / delete ------------------------------------------------------------------
    def _check(self, payload: dict, errors: f.FormErrors, central: bool) -> dict:
        values = {}
        code = str(payload.get("role_code", "")).strip().upper()
        entry = dip_role(code)
        if entry is None:
            errors.add("role_code", f"{code or '(none)'} is not a DIP role code (e.g. SUP, MSS, SDS, REGS)")
        elif not entry.requestable and not central:
            errors.add("role_code", f"{code} ({entry.service_name}) is a central service: participants cannot "
                                    "request it")
        values["role_code"] = code
        mpid = str(payload.get("mpid") or "").strip().upper()
        if central and not mpid:
            mpid = None  # central services have no MPID
        elif not _MPID.match(mpid):
            errors.add("mpid", "is 4 letters or digits (the Market Participant ID)")
        values["mpid"] = mpid
        given = payload.get("mp_role_code")
        expected = entry.mp_role_code if entry else None
        if entry is not None and expected is not None and given not in (None, "", expected):
            errors.add("mp_role_code", f"the MP role code of {code} is {expected}, not {given!r}")
        if entry is not None and expected is None and given not in (None, ""):
            errors.add("mp_role_code", f"{code} has no MP role code")
        values["mp_role_code"] = expected
        values["effective_from"] = _date(payload, "effective_from", errors, True)
        values["effective_to"] = _date(payload, "effective_to", errors, False)
        if values["effective_from"] and values["effective_to"] and values["effective_to"] < values["effective_from"]:
            errors.add("effective_to", "is before effective_from")
        return values

    def _overlap(self, organisation_id: str, values: dict, except_dip_id: str | None = None) -> None:
        rows = self.ctx.store.query(
            "select * from dip_ids where environment = ? and organisation_id = ? and role_code = ? and mpid = ? "
            "and dip_id != ?", [self.ctx.environment, organisation_id, values["role_code"], values["mpid"],
                                except_dip_id or ""])
        end = values["effective_to"] or "9999-12-31"
        for row in rows:
            if row["effective_from"] <= end and values["effective_from"] <= (row["effective_to"] or "9999-12-31"):
                raise InvalidInput(f"DIP ID {row['dip_id']} already serves {values['role_code']} for MPID "
                                   f"{values['mpid']} from {row['effective_from']} to "
                                   f"{row['effective_to'] or 'open-ended'}: the effective dates overlap",
                                   field="effective_from")

    def create(self, actor: dict, payload, central: bool = False, fixed_dip_id: str | None = None) -> dict:
        """A new DIP ID; `fixed_dip_id` (control API only) takes an exact value instead of a generated one."""
        if not central:
            permissions.require(actor, roles_of(actor), "dip_ids.manage")
        payload = f.form(payload)
        errors = f.FormErrors()
        values = self._check(payload, errors, central)
        errors.raise_if_any("DIP ID")
        self._overlap(actor["organisation_id"], values)
        ctx = self.ctx
        if fixed_dip_id is not None:
            if not re.fullmatch(r"\d{10}", str(fixed_dip_id)):
                raise InvalidInput(f"dip_id {fixed_dip_id!r} is 10 digits", field="dip_id")
            if ctx.one("select 1 as x from dip_ids where environment = ? and dip_id = ?", [ctx.environment,
                                                                                             str(fixed_dip_id)]):
                raise Conflict(f"DIP ID {fixed_dip_id} already exists in {ctx.environment_name}", field="dip_id")
        row = {"dip_id": str(fixed_dip_id) if fixed_dip_id else ctx.unique_number("dip_ids", "dip_id"),
               "environment": ctx.environment,
               "organisation_id": actor["organisation_id"], **values, "primary_key": ctx.random.hex(16),
               "secondary_key": ctx.random.hex(16), "created_at": ctx.clock.now_unix()}
        with ctx.store.transaction() as db:
            db["dip_ids"].insert(row)
        self.audit.record(actor["email"], "DIP ID created", actor["organisation_id"], dip_id=row["dip_id"],
                          role_code=values["role_code"], mpid=values["mpid"])
        return self.describe(row)

    def edit(self, actor: dict, dip_id: str, payload) -> dict:
        permissions.require(actor, roles_of(actor), "dip_ids.manage")
        row = self.get(actor, dip_id)
        payload = f.form(payload)
        unknown = sorted(set(payload) - {"mpid", "effective_from", "effective_to"})
        if unknown:
            raise InvalidInput(f"{unknown[0]} cannot be edited (create a new DIP ID for another role)",
                               field=unknown[0])
        merged = {"role_code": row["role_code"], "mpid": row["mpid"], "mp_role_code": row["mp_role_code"],
                  "effective_from": row["effective_from"], "effective_to": row["effective_to"], **payload}
        errors = f.FormErrors()
        values = self._check(merged, errors, central=True)
        errors.raise_if_any("DIP ID")
        self._overlap(actor["organisation_id"], values, dip_id)
        with self.ctx.store.transaction() as db:
            db["dip_ids"].update((self.ctx.environment, dip_id), {k: values[k] for k in
                                                                  ("mpid", "effective_from", "effective_to")})
        self.audit.record(actor["email"], "DIP ID edited", actor["organisation_id"], dip_id=dip_id)
        return self.describe(self.get(actor, dip_id))

    def set_effective_dates(self, manager: dict, dip_id: str, payload) -> dict:
        """The DIP Manager sets the effective dates of any DIP ID of the environment."""
        permissions.require_manager(manager)
        row = self.ctx.one("select * from dip_ids where environment = ? and dip_id = ?", [self.ctx.environment, dip_id])
        if row is None:
            raise NotFound(f"no DIP ID {dip_id} in {self.ctx.environment_name}", field="dip_id")
        payload = f.form(payload)
        unknown = sorted(set(payload) - {"effective_from", "effective_to"})
        if unknown:
            raise InvalidInput(f"{unknown[0]}: the DIP Manager sets effective_from and effective_to here",
                               field=unknown[0])
        merged = {k: row[k] for k in ("role_code", "mpid", "mp_role_code", "effective_from", "effective_to")}
        merged.update(payload)
        errors = f.FormErrors()
        values = self._check(merged, errors, central=True)
        errors.raise_if_any("effective dates")
        self._overlap(row["organisation_id"], values, dip_id)
        with self.ctx.store.transaction() as db:
            db["dip_ids"].update((self.ctx.environment, dip_id), {"effective_from": values["effective_from"],
                                                                  "effective_to": values["effective_to"]})
        self.audit.record(manager["email"], "DIP ID effective dates set", row["organisation_id"], dip_id=dip_id,
                          effective_from=values["effective_from"], effective_to=values["effective_to"])
        return self.describe(self.ctx.one("select * from dip_ids where environment = ? and dip_id = ?",
                                          [self.ctx.environment, dip_id]))

    def delete(self, actor: dict, dip_id: str) -> None:
        permissions.require(actor, roles_of(actor), "dip_ids.manage")
        self.get(actor, dip_id)
        with self.ctx.store.transaction() as db:
            db.execute("delete from dip_ids where environment = ? and dip_id = ?", [self.ctx.environment, dip_id])
        self.audit.record(actor["email"], "DIP ID deleted", actor["organisation_id"], dip_id=dip_id)

    # -- API keys --------------------------------------------------------------------------------
    def api_keys(self, actor: dict, dip_id: str) -> dict:
        permissions.require(actor, roles_of(actor), "api_keys.manage")
        row = self.get(actor, dip_id)
        return {"dip_id": dip_id, "primary": row["primary_key"], "secondary": row["secondary_key"]}

    def regenerate(self, actor: dict, dip_id: str, slot: str) -> dict:
        permissions.require(actor, roles_of(actor), "api_keys.manage")
        if slot not in KEY_SLOTS:
            raise NotFound("the API keys are 'primary' and 'secondary'", field="slot")
        self.get(actor, dip_id)
        with self.ctx.store.transaction() as db:
            db["dip_ids"].update((self.ctx.environment, dip_id), {f"{slot}_key": self.ctx.random.hex(16)})
        self.audit.record(actor["email"], f"{slot} API key regenerated", actor["organisation_id"], dip_id=dip_id)
        return self.api_keys(actor, dip_id)

    def by_api_key(self, key: str) -> dict | None:
        """The DIP ID of this environment whose primary or secondary key this is (the message API asks)."""
        return self.ctx.one("select * from dip_ids where environment = ? and (primary_key = ? or secondary_key = ?)",
                            [self.ctx.environment, key, key])

    def members(self, actor: dict, dip_id: str) -> list[dict]:
        permissions.require(actor, roles_of(actor), "members.view")
        self.get(actor, dip_id)
        rows = self.ctx.store.query("select * from dip_users where organisation_id = ? and environment = ? and "
                                    "status != 'offboarded' order by created_at", [actor["organisation_id"],
                                                                                   self.ctx.environment])
        return [{"id": r["id"], "email": r["email"], "roles": json.loads(r["roles"])} for r in rows
                if self.in_scope(r, dip_id)]

