"""The Atlas portal API of an account's users and domains: list, add and remove Atlas admin users; claim, verify,
reset and delete domains."""
from __future__ import annotations

from flask import Blueprint, g, request

from mock_atlas.portal_requests import api_account_id, atlas_of_app
from sandbox.kernel.json_api import json_body


def add_domain_and_user_routes(bp: Blueprint) -> None:
    @bp.get("/users")
    def list_users():
        return {"users": atlas_of_app().users.list(api_account_id())}

    @bp.post("/users")
    def add_user():
        return atlas_of_app().users.add_admin_user(g.atlas_user, json_body()), 201

    @bp.delete("/users/<user_id>")
    def remove_user(user_id: str):
        atlas_of_app().users.remove(g.atlas_user, user_id)
        return "", 204

    @bp.get("/domains")
    def list_domains():
        return {"domains": atlas_of_app().domains.list(api_account_id(), request.args.get("status"))[0]}

    @bp.post("/domains")
    def add_domain():
        return atlas_of_app().domains.claim(api_account_id(), json_body().get("domain", "")), 201

    @bp.post("/domains/<claim_id>/verify")
    def verify_domain(claim_id: str):
        return atlas_of_app().domains.verify_dns(api_account_id(), claim_id, json_body().get("authorization_domain"))

    @bp.post("/domains/<claim_id>/reset")
    def reset_dvc(claim_id: str):
        return atlas_of_app().domains.reassert(api_account_id(), claim_id)

    @bp.delete("/domains/<claim_id>")
    def delete_domain(claim_id: str):
        atlas_of_app().domains.delete(api_account_id(), claim_id)
        return "", 204
