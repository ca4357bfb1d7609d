"""The DIP portal API's DIP IDs and their API keys (mock_dip.dip_ids)."""
from __future__ import annotations

from flask import Blueprint, g

from mock_dip import permissions
from mock_dip.permissions import roles_of
from mock_dip.portal_requests import environment_dip
from sandbox.kernel.json_api import json_body


def add_dip_id_routes(bp: Blueprint) -> None:
    @bp.get("/dip-ids")
    def list_dip_ids(environment: str):
        return {"dip_ids": environment_dip().dip_ids.list(g.dip_user)}

    @bp.post("/dip-ids")
    def create_dip_id(environment: str):
        return environment_dip().dip_ids.create(g.dip_user, json_body()), 201

    @bp.get("/dip-ids/<dip_id>")
    def get_dip_id(environment: str, dip_id: str):
        dip = environment_dip()
        permissions.require(g.dip_user, roles_of(g.dip_user), "organisation.view")
        user = g.dip_user
        detail = dip.dip_ids.describe(dip.dip_ids.get(user, dip_id))
        # a DCP acting for the organisation sees the DIP ID, not the organisation's members
        configured = dip.channels.configured(dip_id)
        return {**detail, "members": None if user.get("dcp_context") else dip.dip_ids.members(user, dip_id),
                "interfaces": {"configured": [c for c in configured if c != "STATUS"],
                               "status_messages": "STATUS" in configured}}

    @bp.patch("/dip-ids/<dip_id>")
    def edit_dip_id(environment: str, dip_id: str):
        return environment_dip().dip_ids.edit(g.dip_user, dip_id, json_body())

    @bp.delete("/dip-ids/<dip_id>")
    def delete_dip_id(environment: str, dip_id: str):
        environment_dip().dip_ids.delete(g.dip_user, dip_id)
        return "", 204

    @bp.get("/dip-ids/<dip_id>/api-keys")
    def api_keys(environment: str, dip_id: str):
        return environment_dip().dip_ids.api_keys(g.dip_user, dip_id)

    @bp.post("/dip-ids/<dip_id>/api-keys/<slot>/regenerate")
    def regenerate_api_key(environment: str, dip_id: str, slot: str):
        return environment_dip().dip_ids.regenerate(g.dip_user, dip_id, slot)
