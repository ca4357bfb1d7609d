"""The Atlas portal API's way to vetting: the dashboard's tiles, payment method and quotation, identity profiles
and the postal challenge."""
from __future__ import annotations

from flask import Blueprint

from mock_atlas import dashboard
from mock_atlas.portal_requests import api_account_id, atlas_of_app
from sandbox.kernel.json_api import json_body


def add_vetting_routes(bp: Blueprint) -> None:
    @bp.get("/dashboard")
    def show_dashboard():
        return {"tiles": dashboard.tiles(atlas_of_app().ctx, api_account_id())}

    @bp.post("/payment-method")
    def payment_method():
        return atlas_of_app().quotation.set_payment_method(api_account_id(), json_body())

    @bp.get("/quotation")
    def quotation():
        return atlas_of_app().quotation.describe(api_account_id())

    @bp.post("/quotation/accept")
    def accept_quotation():
        return atlas_of_app().quotation.accept(api_account_id(), json_body())

    @bp.get("/identity-profiles")
    def identity_profiles():
        return {"identity_profiles": atlas_of_app().vetting.profiles(api_account_id())}

    @bp.post("/identity-profiles")
    def request_identity_profile():
        return atlas_of_app().vetting.request_profile(api_account_id(), json_body()), 201

    @bp.post("/identity-profiles/<profile_id>/postal-code")
    def postal_code(profile_id: str):
        return atlas_of_app().vetting.enter_postal_code(api_account_id(), profile_id, json_body())
