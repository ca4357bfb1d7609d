"""The Atlas portal API of API access: the services, API credentials (generate, the secret once, revoke) and
mTLS client certificates."""
from __future__ import annotations

from flask import Blueprint, g

from mock_atlas.portal_requests import api_account_id, atlas_of_app
from sandbox.kernel.json_api import json_body


def add_credential_routes(bp: Blueprint) -> None:
    @bp.get("/services")
    def services():
        return {"services": atlas_of_app().credentials.services(api_account_id())}

    @bp.get("/api-credentials")
    def list_credentials():
        return {"api_credentials": atlas_of_app().credentials.list(api_account_id())}

    @bp.post("/api-credentials")
    def generate_credentials():
        return atlas_of_app().credentials.generate(g.atlas_user, json_body()), 201

    @bp.get("/api-credentials/<api_key>/secret")
    def credential_secret(api_key: str):
        atlas_of_app().credentials.secret_again(api_account_id(), api_key)

    @bp.post("/api-credentials/<api_key>/revoke")
    def revoke_credentials(api_key: str):
        return atlas_of_app().credentials.revoke(api_account_id(), api_key)

    @bp.get("/client-certificates")
    def list_client_certificates():
        return {"client_certificates": atlas_of_app().credentials.client_certificates(api_account_id())}

    @bp.post("/client-certificates")
    def generate_client_certificate():
        return atlas_of_app().credentials.generate_client_certificate(g.atlas_user, json_body()), 201
