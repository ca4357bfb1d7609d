"""Members of an organisation: create (email on a whitelisted domain, one or more roles, all DIP IDs or some)
with an invitation email, edit, extend (+ the profile's member_access, added to the current expiry, or to now
once expired), offboard. The organisation view warns while the organisation lacks the recommended admins."""
from __future__ import annotations

import json

from mock_dip import permissions
from mock_dip.permissions import roles_of
from mock_dip.audit import Audit
from mock_dip.context import DipContext
from mock_dip.identity import Identity
from mock_dip.organisations import Organisations
from sandbox.kernel import form_checks as f
from sandbox.kernel.errors import Conflict, InvalidInput, NotFound

RECOMMENDED = (permissions.USER_ADMIN, permissions.CERTIFICATE_ADMIN, permissions.MESSAGE_ADMIN)


class Members:
    def __init__(self, ctx: DipContext, identity: Identity, organisations: Organisations, audit: Audit):
        self.ctx = ctx
        self.identity = identity
        self.organisations = organisations
        self.audit = audit

    def _roles(self, value, errors: f.FormErrors) -> list[str] | None:
        if not isinstance(value, list) or not value:
            errors.add("roles", f"choose one or more of: {', '.join(permissions.ROLES)}")
            return None
        unknown = [r for r in value if r not in permissions.ROLES]
        if unknown:
            errors.add("roles", f"{unknown[0]!r} is not a role; the roles are {', '.join(permissions.ROLES)}")
            return None
        return list(dict.fromkeys(value))

    def _scope(self, value, errors: f.FormErrors, organisation_id: str):
        if value in (None, "all"):
            return "all"
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            known = {r["dip_id"] for r in self.ctx.store.query(
                "select dip_id from dip_ids where environment = ? and organisation_id = ?",
                [self.ctx.environment, organisation_id])}
            unknown = [v for v in value if v not in known]
            if not unknown:
                return list(dict.fromkeys(value))
            errors.add("dip_ids", f"{unknown[0]} is not a DIP ID of this organisation")
            return None
        errors.add("dip_ids", "is \"all\" or a list of the organisation's DIP IDs")
        return None

    def describe(self, user: dict) -> dict:
        scope = user.get("dip_id_scope")
        return {**self.identity.describe(user), "dip_ids": "all" if scope in (None, "all") else json.loads(scope)}

    def member(self, organisation_id: str, user_id: str) -> dict:
        row = self.ctx.one("select * from dip_users where id = ? and organisation_id = ? and environment = ?",
                           [user_id, organisation_id, self.ctx.environment])
        if row is None:
            raise NotFound(f"no member {user_id!r} in this organisation", field="user_id")
        return row

    def list(self, actor: dict) -> list[dict]:
        permissions.require(actor, roles_of(actor), "members.view")
        rows = self.ctx.store.query("select * from dip_users where organisation_id = ? and environment = ? "
                                    "order by created_at, id", [actor["organisation_id"], self.ctx.environment])
        return [self.describe(r) for r in rows]

    def create(self, actor: dict, payload) -> dict:
        permissions.require(actor, roles_of(actor), "members.manage")
        payload = f.form(payload)
        errors = f.FormErrors()
        first, last = f.text(payload, "first_name", errors), f.text(payload, "last_name", errors)
        email = f.email(payload, "email", errors)
        roles = self._roles(payload.get("roles"), errors)
        scope = self._scope(payload.get("dip_ids"), errors, actor["organisation_id"])
        errors.raise_if_any("new member form")
        organisation = self.organisations.get(actor["organisation_id"])
        domain = email.rsplit("@", 1)[1].lower()
        if domain not in self.organisations.whitelisted(organisation["id"]):
            raise InvalidInput(f"{domain} is not a whitelisted domain of {organisation['company_name']}: ask the DIP "
                               "Manager to whitelist it, or use an address on a whitelisted domain", field="email")
        ctx = self.ctx
        with ctx.store.transaction() as db:
            user = self.identity.create_user(organisation["id"], email, first, last, roles,
                                             expires_at=ctx.clock.now_unix()
                                             + ctx.profile.wait("member_access").total_seconds())
            db["dip_users"].update(user["id"], {"dip_id_scope": "all" if scope == "all" else json.dumps(scope)})
        self.identity.invite(self.identity.get(user["id"]), organisation["company_name"])
        self.audit.record(actor["email"], "member created", organisation["id"], member=email, roles=roles)
        return self.describe(self.identity.get(user["id"]))

    def edit(self, actor: dict, user_id: str, payload) -> dict:
        permissions.require(actor, roles_of(actor), "members.manage")
        member = self.member(actor["organisation_id"], user_id)
        if member["status"] == "offboarded":
            raise Conflict("this member was offboarded", field="user_id")
        payload = f.form(payload)
        errors = f.FormErrors()
        changes = {}
        for field in ("first_name", "last_name"):
            if field in payload:
                changes[field] = f.text(payload, field, errors)
        if "roles" in payload:
            roles = self._roles(payload["roles"], errors)
            changes["roles"] = json.dumps(roles) if roles else None
        if "dip_ids" in payload:
            scope = self._scope(payload["dip_ids"], errors, actor["organisation_id"])
            changes["dip_id_scope"] = "all" if scope == "all" else json.dumps(scope)
        unknown = sorted(set(payload) - {"first_name", "last_name", "roles", "dip_ids"})
        if unknown:
            errors.add(unknown[0], "cannot be edited (the email is the member's sign-in)")
        errors.raise_if_any("member form")
        with self.ctx.store.transaction() as db:
            db["dip_users"].update(user_id, changes)
        self.audit.record(actor["email"], "member edited", actor["organisation_id"], member=member["email"],
                          changes=sorted(changes))
        return self.describe(self.identity.get(user_id))

    def extend(self, actor: dict, user_id: str) -> dict:
        permissions.require(actor, roles_of(actor), "members.manage")
        member = self.member(actor["organisation_id"], user_id)
        if member["status"] == "offboarded":
            raise Conflict("this member was offboarded", field="user_id")
        now = self.ctx.clock.now_unix()
        expiry = max(member["expires_at"] or now, now) + self.ctx.profile.wait("member_access").total_seconds()
        with self.ctx.store.transaction() as db:
            db["dip_users"].update(user_id, {"expires_at": expiry})
        self.audit.record(actor["email"], "member extended", actor["organisation_id"], member=member["email"])
        return self.describe(self.identity.get(user_id))

    def offboard(self, actor: dict, user_id: str) -> dict:
        permissions.require(actor, roles_of(actor), "members.manage")
        member = self.member(actor["organisation_id"], user_id)
        if member["id"] == actor["id"]:
            raise Conflict("you cannot offboard yourself: ask another User Admin", field="user_id")
        if member["status"] == "offboarded":
            raise Conflict("this member is already offboarded", field="user_id")
        with self.ctx.store.transaction() as db:
            db["dip_users"].update(user_id, {"status": "offboarded"})
        self.identity.sessions.revoke_user(user_id)
        self.audit.record(actor["email"], "member offboarded", actor["organisation_id"], member=member["email"])
        return self.describe(self.identity.get(user_id))

    def warnings(self, organisation_id: str) -> list[str]:
        rows = self.ctx.store.query("select roles from dip_users where organisation_id = ? and environment = ? and "
                                    "status != 'offboarded'", [organisation_id, self.ctx.environment])
        counts = {role: sum(role in json.loads(r["roles"]) for r in rows) for role in RECOMMENDED}
        out = []
        if not counts[permissions.CERTIFICATE_ADMIN] or not counts[permissions.MESSAGE_ADMIN]:
            out.append("first task: add a Certificate Admin and a Message Admin to start onboarding")
        for role, count in counts.items():
            if count < 2:
                out.append(f"fewer than two {role}s ({count}): add another to cover absence")
        return out
