"""The Atlas account's way to vetting, in pages: the dashboard with its tiles in the guide's colours, the payment
method and quotation, and identity profiles with the postal challenge."""
from __future__ import annotations

from flask import Blueprint, redirect, request, url_for

from mock_atlas.atlas_pages import account_id, act, page
from mock_atlas.dashboard import tiles
from mock_atlas.portal_requests import atlas_of_app


def add_vetting_pages(bp: Blueprint) -> None:
    # -- dashboard, quotation, identity profiles -----------------------------------------------------
    @bp.get("/")
    def dashboardpage():
        return redirect(url_for(".dashboard"))

    @bp.get("/dashboard")
    def dashboard():
        atlas = atlas_of_app()
        return page("dashboard.html", title="Dashboard", current="dashboard",
                    account=atlas.account(account_id()), tiles=tiles(atlas.ctx, account_id()))

    @bp.post("/payment-method")
    def payment_method():
        return act(lambda: atlas_of_app().quotation.set_payment_method(account_id(), {"method": "invoice"}),
                   "Payment method set to Invoice: the quotation follows.", ".dashboard", "dashboard.html",
                   lambda: {"title": "Dashboard", "account": atlas_of_app().account(account_id()),
                            "tiles": tiles(atlas_of_app().ctx, account_id())})

    def quotation_context():
        return {"title": "Quotation", "current": "dashboard",
                "quotation": atlas_of_app().quotation.describe(account_id())}

    @bp.route("/quotation", methods=["GET", "POST"])
    def quotation():
        if request.method == "GET":
            return page("quotation.html", errors={}, values={}, **quotation_context())
        return act(lambda: atlas_of_app().quotation.accept(account_id(), {
            "accept_quotation": bool(request.form.get("accept_quotation")),
            "accept_msa": bool(request.form.get("accept_msa"))}), "Quotation accepted.", ".dashboard",
                   "quotation.html", quotation_context)

    def profiles_context():
        return {"title": "Identity Profiles", "current": "identity_profiles",
                "profiles": atlas_of_app().vetting.profiles(account_id())}

    @bp.route("/identity-profiles", methods=["GET", "POST"])
    def identity_profiles():
        if request.method == "GET":
            return page("identity_profiles.html", errors={}, values={}, **profiles_context())
        payload = {k: request.form.get(k, "") for k in ("profile_name", "organization", "locality", "state",
                                                        "country")}
        return act(lambda: atlas_of_app().vetting.request_profile(account_id(), payload),
                   "Identity profile submitted: vetting has started.", ".identity_profiles",
                   "identity_profiles.html", profiles_context)

    @bp.post("/identity-profiles/<profile_id>/postal-code")
    def postal_code(profile_id: str):
        return act(lambda: atlas_of_app().vetting.enter_postal_code(account_id(), profile_id,
                                                                    {"code": request.form.get("code", "")}),
                   "Postal challenge code accepted.", ".identity_profiles", "identity_profiles.html",
                   profiles_context)
