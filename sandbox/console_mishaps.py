"""Composition: the console's "What goes wrong" page (`/console/what-goes-wrong`): per Atlas account and per DIP
organisation, one click makes a thing the guide warns about happen (mock_atlas.mishaps, mock_dip.mishaps), and
the page says what follows."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for

from mock_atlas.mishaps import CONSEQUENCES as ATLAS_MISHAPS
from mock_dip.mishaps import CONSEQUENCES as DIP_MISHAPS
from sandbox.kernel.errors import DomainError
from sandbox.kernel.flask_apps import app_sandbox

TITLES = {"vetting_rejected": "Vetting rejected", "postal_challenge": "Postal challenge",
          "credentials_unbound": "Credentials used before binding", "member_access_expired": "Member access expired",
          "certificate_revoked": "Certificate revoked"}


def add_mishap_pages(bp: Blueprint, page) -> None:
    @bp.get("/what-goes-wrong")
    def mishaps():
        organisations = []
        for environment, dip in app_sandbox().dip.items():
            for row in dip.organisations.everyone("participant"):
                members = [{"id": m["id"], "email": m["email"]} for m in dip.identity.active_members(row["id"])]
                organisations.append({"id": row["id"], "company_name": row["company_name"], "environment": environment,
                                      "members": members})
        return page("mishaps.html", accounts=app_sandbox().atlas.accounts(), organisations=organisations,
                    atlas_mishaps=ATLAS_MISHAPS, dip_mishaps=DIP_MISHAPS, titles=TITLES)

    def done(caused: dict) -> None:
        flash(f"{TITLES[caused['mishap']]}: {caused['consequence']}", "ok")

    @bp.post("/what-goes-wrong/atlas/<account_id>/<mishap>")
    def atlas_mishap(account_id: str, mishap: str):
        try:
            done(app_sandbox().atlas.mishaps.cause(account_id, mishap))
        except DomainError as exc:
            flash(exc.message, "error")
        return redirect(url_for(".mishaps"))

    @bp.post("/what-goes-wrong/dip/<environment>/<organisation_id>/<mishap>")
    def dip_mishap(environment: str, organisation_id: str, mishap: str):
        dip = app_sandbox().dip.get(environment)
        try:
            if dip is None:
                raise DomainError(f"no DIP environment {environment}")
            done(dip.mishaps.cause(organisation_id, mishap, request.form.get("user_id")))
        except DomainError as exc:
            flash(exc.message, "error")
        return redirect(url_for(".mishaps"))
