"""Atlas on the control API (`/_sandbox/atlas`): a complete account in one call, the vetting outcome,
completing a pending wait now, the accounts with their journey state, faults, and ending every HVCA token."""
from __future__ import annotations

from flask import Blueprint

from mock_atlas.service import Atlas
from sandbox.kernel.json_api import json_body
from sandbox.kernel.flask_apps import app_sandbox


def _atlas() -> Atlas:
    return app_sandbox().atlas


def add_control_routes(bp: Blueprint) -> None:
    @bp.post("/atlas/accounts")
    def atlas_create_account():
        return _atlas().create_complete_account(json_body()), 201

    @bp.get("/atlas/accounts")
    def atlas_accounts():
        return {"accounts": _atlas().accounts()}

    @bp.get("/atlas/accounts/<account_id>")
    def atlas_account(account_id: str):
        return _atlas().describe(account_id)

    @bp.post("/atlas/accounts/<account_id>/vetting")
    def atlas_vetting(account_id: str):
        atlas = _atlas()
        atlas.account(account_id)
        payload = json_body()
        return atlas.vetting.set_outcome(account_id, str(payload.get("outcome", "")), payload.get("reason"))

    @bp.post("/atlas/accounts/<account_id>/quota")
    def atlas_quota(account_id: str):
        atlas = _atlas()
        atlas.account(account_id)
        return atlas.orders.set_quota(account_id, json_body().get("value"))

    @bp.post("/atlas/tokens/expire")
    def atlas_expire_tokens():
        """Every HVCA access token ends now, so a client's re-login path can be exercised on purpose."""
        return {"expired": _atlas().api_sessions.expire_all()}

    @bp.get("/atlas/faults")
    def atlas_faults():
        return _atlas().faults.rates()

    @bp.post("/atlas/faults")
    def atlas_set_faults():
        return _atlas().faults.set_rates(json_body())

    @bp.post("/atlas/accounts/<account_id>/complete-now")
    def atlas_complete_now(account_id: str):
        wait = json_body().get("wait")
        return _atlas().complete_now(account_id, wait)
