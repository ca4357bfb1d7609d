"""The DIP portal API's DIP Connection Providers: contexts, DCP status, DCP IDs, nominations (mock_dip.dcps)."""
from __future__ import annotations

from flask import Blueprint, g

from mock_dip.portal_requests import CONTEXT_HEADER, environment_dip
from sandbox.kernel.json_api import json_body


def add_dcp_routes(bp: Blueprint) -> None:
    @bp.get("/contexts")
    def contexts(environment: str):
        return {"contexts": environment_dip().dcps.contexts(g.signed_in_user), "header": CONTEXT_HEADER}

    @bp.post("/organisation/dcp-status-request")
    def request_dcp_status(environment: str):
        return environment_dip().dcps.request_status(g.dip_user)

    @bp.get("/dcp-providers")
    def dcp_providers(environment: str):
        return {"providers": environment_dip().dcps.providers(g.dip_user)}

    @bp.get("/dcp-ids")
    def list_dcp_ids(environment: str):
        return {"dcp_ids": environment_dip().dcps.dcp_ids(g.dip_user)}

    @bp.post("/dcp-ids")
    def create_dcp_id(environment: str):
        return environment_dip().dcps.create_dcp_id(g.dip_user), 201

    @bp.get("/dip-ids/<dip_id>/nominations")
    def list_nominations(environment: str, dip_id: str):
        return {"nominations": environment_dip().dcps.nominations(g.dip_user, dip_id)}

    @bp.post("/dip-ids/<dip_id>/nominations")
    def nominate(environment: str, dip_id: str):
        return environment_dip().dcps.nominate(g.dip_user, dip_id, json_body()), 201

    @bp.delete("/dip-ids/<dip_id>/nominations/<dcp_id>")
    def withdraw_nomination(environment: str, dip_id: str, dcp_id: str):
        environment_dip().dcps.withdraw(g.dip_user, dip_id, dcp_id)
        return "", 204
