"""The DIP portal API's DIP Manager operations (organisations, whitelists, DCP status, central services,
effective dates, promotion, every audit log)."""
from __future__ import annotations

from flask import Blueprint, g

from mock_dip.portal_requests import environment_dip
from mock_dip.promotion import promote
from sandbox.kernel.errors import NotFound
from sandbox.kernel.json_api import json_body
from sandbox.kernel.flask_apps import app_sandbox


def add_manager_routes(bp: Blueprint) -> None:
    @bp.post("/manager/organisations/<organisation_id>/domains")
    def whitelist_domain(environment: str, organisation_id: str):
        organisations = environment_dip().organisations
        return {"whitelisted_domains": organisations.whitelist(g.dip_user, organisation_id,
                                                               json_body().get("domain"))}, 201

    @bp.delete("/manager/organisations/<organisation_id>/domains/<domain>")
    def remove_domain(environment: str, organisation_id: str, domain: str):
        organisations = environment_dip().organisations
        return {"whitelisted_domains": organisations.remove_whitelisted(g.dip_user, organisation_id, domain)}

    @bp.get("/manager/dcp-requests")
    def dcp_requests(environment: str):
        return {"organisations": environment_dip().organisations.dcp_requests(g.dip_user)}

    @bp.post("/manager/organisations/<organisation_id>/dcp-status")
    def decide_dcp_status(environment: str, organisation_id: str):
        return environment_dip().organisations.decide_dcp_status(g.dip_user, organisation_id, json_body())

    @bp.post("/manager/central-services")
    def create_central_service(environment: str):
        return environment_dip().create_central_dip_id(g.dip_user, json_body()), 201

    @bp.patch("/manager/dip-ids/<dip_id>")
    def manager_effective_dates(environment: str, dip_id: str):
        return environment_dip().dip_ids.set_effective_dates(g.dip_user, dip_id, json_body())

    @bp.get("/manager/organisations")
    def manager_organisations(environment: str):
        return {"organisations": environment_dip().organisations.list(g.dip_user)}

    @bp.post("/manager/organisations")
    def invite_organisation(environment: str):
        return environment_dip().organisations.invite(g.dip_user, json_body()), 201

    @bp.post("/manager/promotions")
    def promote_organisation(environment: str):
        """Production's DIP Manager imports an organisation's UIT set-up (part C)."""
        if environment != "prod":
            raise NotFound("promotion to Production is an operation of the Production DIP: POST "
                           "/dip/prod/api/manager/promotions", field="environment")
        dips = app_sandbox().dip
        return promote(dips["uit"], dips["prod"], g.dip_user, json_body()), 201

    @bp.get("/manager/audit")
    def manager_audit(environment: str):
        return {"entries": environment_dip().audit.readable_by(g.dip_user, everyone=True)}
