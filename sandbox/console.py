"""Composition (it shows every service): the sandbox console (`/console/` on the web listener), what makes the
sandbox a training tool. The journey map of every Atlas account and DIP organisation with what each wait is
waiting for and when it falls due (a button advances the clock to it), the clock, the outbox, the DNS console
(acting as the organisations' DNS provider), the request journal with the signature debugger's details,
snapshots, named scenarios and reset.

It answers what the control API answers — loopback only unless `control_allow_remote`, and with the
`control_token` when one is set (entered once; the signed session cookie keeps only a reference to a
server-side console session, never the token: `control_api.ConsoleSessions`)."""
from __future__ import annotations

import hmac

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for

from mock_atlas.dashboard import journey_state
from mock_dip.journey import organisation_journey
from sandbox.console_clock import add_clock_pages
from sandbox.console_counterparts import add_counterpart_pages
from sandbox.console_mishaps import add_mishap_pages
from sandbox.console_records import add_record_pages
from sandbox.console_sign_in_as import add_sign_in_as_pages
from sandbox.console_snapshots import add_snapshot_pages
from sandbox.control_api import CONSOLE_SESSION_KEY, CONSOLE_SESSIONS, request_access_problem
from sandbox.kernel.clock import parse_iso
from sandbox.kernel.flask_apps import app_sandbox
from seed_data.timing import wait_docs

ADVANCES = (("+30 min", 1800), ("+24 h", 86400), ("+72 h", 259200))


def _page(template: str, **values):
    sandbox = app_sandbox()
    return render_template(f"console/{template}", clock=sandbox.clock.describe(), profile=sandbox.profile.name,
                           dip_spec=sandbox.dip_spec, advances=ADVANCES, **values)


def until(due: str, now) -> str:
    """'in 71 h', 'in 29 min', 'now': how far a wait is, in sandbox time."""
    seconds = (parse_iso(due) - now).total_seconds()
    if seconds <= 60:
        return "now"
    if seconds < 2 * 3600:
        return f"in {round(seconds / 60)} min"
    if seconds < 3 * 86400:
        return f"in {round(seconds / 3600)} h"
    return f"in {round(seconds / 86400)} days"


def journey_map(sandbox) -> dict:
    """Every Atlas account with its tiles, every DIP organisation with its steps, and the pending waits."""
    now = sandbox.clock.now()
    jobs = [{**job, "in": until(job["due"], now)} for job in sandbox.scheduler.pending()]
    organisations = []
    for environment, dip in sandbox.dip.items():
        for row in dip.organisations.everyone("participant"):
            organisations.append(organisation_journey(dip, row["id"]))
    accounts = []
    for account in sandbox.atlas.accounts():
        waits = [j for j in jobs if j["payload"].get("account_id") == account["account_id"]]
        linked = [o for o in organisations if o["atlas_account_id"] == account["account_id"]]
        accounts.append({**account, **journey_state(account), "waits": waits, "dip_organisations": linked})
    companies = {a["account_id"]: a["company_name"] for a in accounts}
    for organisation in organisations:
        organisation["atlas_company"] = companies.get(organisation["atlas_account_id"])
    return {"accounts": accounts, "organisations": organisations, "jobs": jobs}


def console_blueprint() -> Blueprint:
    bp = Blueprint("console", __name__)

    @bp.before_request
    def guard():
        sandbox = app_sandbox()
        token = sandbox.settings.control_token
        if request.endpoint == "console.token" and request.method == "POST":
            return None
        problem = request_access_problem()
        if problem is None:
            return None
        if token and "Bearer" in problem.message:
            return render_template("console/token.html", errors={}), 401
        return render_template("error.html", title="Not allowed", message=problem.message), problem.status

    @bp.post("/token")
    def token():
        sandbox = app_sandbox()
        if not sandbox.settings.control_token or \
                not hmac.compare_digest(request.form.get("token", ""), sandbox.settings.control_token):
            return render_template("console/token.html", errors={"token": "That is not the control token."}), 401
        session[CONSOLE_SESSION_KEY] = current_app.extensions[CONSOLE_SESSIONS].open()
        return redirect(url_for(".overview"))

    add_counterpart_pages(bp, _page)
    add_mishap_pages(bp, _page)

    @bp.get("/")
    def overview():
        sandbox = app_sandbox()
        docs = wait_docs()
        waits = [{"name": name, "seconds": seconds, "doc": docs.get(name, "")}
                 for name, seconds in sandbox.profile.seconds.items()]
        return _page("overview.html", journey=journey_map(sandbox), waits=waits,
                     failed_jobs=sandbox.scheduler.failed())

    add_clock_pages(bp)
    add_sign_in_as_pages(bp)
    add_record_pages(bp, _page)
    add_snapshot_pages(bp, _page)
    return bp
