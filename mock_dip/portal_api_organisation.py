"""The DIP portal API's organisation, its members and its audit log (mock_dip.organisations, members, audit)."""
from __future__ import annotations

from flask import Blueprint, g

from mock_dip import permissions
from mock_dip.permissions import roles_of
from mock_dip.portal_requests import environment_dip
from sandbox.kernel.json_api import json_body


def add_organisation_routes(bp: Blueprint) -> None:
    @bp.get("/organisation")
    def organisation(environment: str):
        dip, user = environment_dip(), g.dip_user
        permissions.require(user, roles_of(user), "organisation.view")
        organisation_id = user["organisation_id"]
        return {**dip.organisations.describe(dip.organisations.get(organisation_id)),
                "whitelisted_domains": dip.organisations.whitelisted(organisation_id),
                "warnings": dip.members.warnings(organisation_id)}

    @bp.post("/organisation/details")
    def verify_details(environment: str):
        return environment_dip().organisations.verify_details(g.dip_user, json_body())

    @bp.get("/members")
    def list_members(environment: str):
        return {"members": environment_dip().members.list(g.dip_user)}

    @bp.post("/members")
    def create_member(environment: str):
        return environment_dip().members.create(g.dip_user, json_body()), 201

    @bp.patch("/members/<user_id>")
    def edit_member(environment: str, user_id: str):
        return environment_dip().members.edit(g.dip_user, user_id, json_body())

    @bp.post("/members/<user_id>/extend")
    def extend_member(environment: str, user_id: str):
        return environment_dip().members.extend(g.dip_user, user_id)

    @bp.post("/members/<user_id>/offboard")
    def offboard_member(environment: str, user_id: str):
        return environment_dip().members.offboard(g.dip_user, user_id)

    @bp.get("/audit")
    def organisation_audit(environment: str):
        return {"entries": environment_dip().audit.readable_by(g.dip_user)}
