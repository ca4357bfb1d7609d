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
import json

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for

from mock_atlas.dashboard import journey_state
from mock_dip.journey import organisation_journey
from mock_atlas.portal_api import COOKIE as ATLAS_COOKIE
from mock_dip.portal_requests import session_cookie
from mock_dip.web_manager import CONTEXT_COOKIE
from sandbox.kernel.clock import iso_unix, parse_duration, parse_iso
from sandbox.checkpoints import CHECKPOINTS, add_checkpoint
from sandbox.console_counterparts import add_counterpart_pages
from sandbox.console_mishaps import add_mishap_pages
from sandbox.control_api import CONSOLE_SESSION_KEY, CONSOLE_SESSIONS, request_access_problem
from sandbox.kernel.errors import DomainError
from sandbox.kernel.web_pages import form_errors, local_path
from seed_data.timing import wait_docs

ADVANCES = (("+30 min", 1800), ("+24 h", 86400), ("+72 h", 259200))


def _sandbox():
    return current_app.extensions["dip_sandbox"]


def _page(template: str, **values):
    sandbox = _sandbox()
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


def _flash_failures(failures: list[dict]) -> None:
    """Say which waiting steps failed: nothing they were to do happened (the overview offers to run them again)."""
    for failure in failures:
        flash(f"The step {failure['kind']} failed ({failure['error']}): it did not happen. The overview lists it "
              "with a button to run it again once the cause is fixed.", "error")


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
        sandbox = _sandbox()
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
        sandbox = _sandbox()
        if not sandbox.settings.control_token or \
                not hmac.compare_digest(request.form.get("token", ""), sandbox.settings.control_token):
            return render_template("console/token.html", errors={"token": "That is not the control token."}), 401
        session[CONSOLE_SESSION_KEY] = current_app.extensions[CONSOLE_SESSIONS].open()
        return redirect(url_for(".overview"))

    add_counterpart_pages(bp, _page)
    add_mishap_pages(bp, _page)

    @bp.get("/")
    def overview():
        sandbox = _sandbox()
        docs = wait_docs()
        waits = [{"name": name, "seconds": seconds, "doc": docs.get(name, "")}
                 for name, seconds in sandbox.profile.seconds.items()]
        return _page("overview.html", journey=journey_map(sandbox), waits=waits,
                     failed_jobs=sandbox.scheduler.failed())

    # -- clock -------------------------------------------------------------------------------------
    @bp.post("/clock/advance")
    def advance():
        sandbox = _sandbox()
        try:
            if request.form.get("to_next"):
                jobs = sandbox.scheduler.pending()
                if not jobs:
                    raise DomainError("nothing is waiting: there is no next due event")
                target = request.form.get("due") or jobs[0]["due"]
                result = sandbox.scheduler.set_time(max(parse_iso(target), sandbox.clock.now()))
            else:
                result = sandbox.scheduler.advance(parse_duration(request.form.get("duration", "")))
        except DomainError as exc:
            flash(exc.message, "error")
            return redirect(url_for(".overview"))
        flash(f"Sandbox time is now {result['now']} ({result['jobs_run']} waiting step(s) completed).", "ok")
        _flash_failures(result["jobs_failed"])
        return redirect(local_path(request.form.get("back")) or url_for(".overview"))

    @bp.post("/waits/<int:job_id>/finish")
    def finish_wait(job_id: int):
        """A presenter control: this one wait ends now, without moving the clock (the other waits keep their
        times, and nobody is signed out)."""
        sandbox = _sandbox()
        job = next((j for j in sandbox.scheduler.pending() if j["id"] == job_id), None)
        if job is None:
            flash("That wait has already ended.", "error")
        else:
            failures: list[dict] = []
            sandbox.scheduler.complete_now([job_id], failures)
            flash(f"The wait {job['kind'].split('.')[-1].replace('_', ' ')} ended now.", "ok")
            _flash_failures(failures)
        return redirect(local_path(request.form.get("back")) or url_for(".overview"))

    @bp.post("/jobs/<int:job_id>/retry")
    def retry_job(job_id: int):
        try:
            result = _sandbox().scheduler.retry(job_id)
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            if not result["jobs_failed"]:
                flash(f"The step ran ({result['jobs_run']} step(s) completed).", "ok")
            _flash_failures(result["jobs_failed"])
        return redirect(url_for(".overview"))

    # -- sign in as ---------------------------------------------------------------------------------
    @bp.post("/sign-in-as/dip/<environment>/<user_id>")
    def sign_in_as_dip(environment: str, user_id: str):
        """The trainer becomes a member in this browser, in one click, and lands on their next action."""
        sandbox = _sandbox()
        if environment not in sandbox.dip:
            flash(f"no DIP environment {environment}", "error")
            return redirect(url_for(".overview"))
        try:
            signed = sandbox.dip[environment].identity.sign_in_as(user_id)
        except DomainError as exc:
            flash(exc.message, "error")
            return redirect(url_for(".overview"))
        response = redirect(local_path(request.form.get("next")) or f"/dip/{environment}/home")
        response.set_cookie(session_cookie(environment), signed["token"], httponly=True, samesite="Lax",
                            path=f"/dip/{environment}")
        response.delete_cookie(CONTEXT_COOKIE.format(environment=environment), path=f"/dip/{environment}")
        flash(f"Signed in as {signed['user']['email']} (their authenticator app shows {signed['totp_now']} now).",
              "ok")
        return response

    @bp.post("/sign-in-as/atlas/<user_id>")
    def sign_in_as_atlas(user_id: str):
        try:
            token = _sandbox().atlas.users.sign_in_as(user_id)
        except DomainError as exc:
            flash(exc.message, "error")
            return redirect(url_for(".overview"))
        response = redirect(local_path(request.form.get("next")) or "/atlas/dashboard")
        response.set_cookie(ATLAS_COOKIE, token, httponly=True, samesite="Lax", path="/atlas")
        return response

    @bp.post("/clock/mode")
    def mode():
        sandbox = _sandbox()
        try:
            factor = request.form.get("factor")
            sandbox.clock.set_mode(request.form.get("mode", ""), float(factor) if factor else None)
            sandbox.scheduler.wake()
        except (DomainError, ValueError) as exc:
            flash(getattr(exc, "message", str(exc)), "error")
        return redirect(url_for(".overview"))

    # -- outbox ------------------------------------------------------------------------------------
    @bp.get("/outbox")
    def outbox():
        emails = [e.describe() for e in _sandbox().outbox.list(to=request.args.get("to") or None)]
        return _page("outbox.html", emails=list(reversed(emails)), to=request.args.get("to", ""))

    @bp.get("/outbox/<email_id>")
    def email(email_id: str):
        try:
            shown = _sandbox().outbox.get(email_id).describe()
        except DomainError as exc:
            return render_template("error.html", title="No such email", message=exc.message), exc.status
        return _page("email.html", email=shown)

    # -- DNS ---------------------------------------------------------------------------------------
    @bp.route("/dns", methods=["GET", "POST"])
    def dns():
        sandbox = _sandbox()
        errors, values = {}, {}
        if request.method == "POST":
            values = {k: request.form.get(k, "") for k in ("name", "type", "value")}
            try:
                record = sandbox.zones.add(values["name"], values["type"] or "TXT", values["value"])
                flash(f"{record.type} record added to {record.name}; visible at {iso_unix(record.visible_at)} "
                      "(sandbox time).", "ok")
                return redirect(url_for(".dns"))
            except DomainError as exc:
                errors = form_errors(exc)
        now = sandbox.clock.now_unix()
        records = [r.describe(now) for r in sandbox.zones.records()]
        published = {(r["name"], r["value"]) for r in records if r["type"] == "TXT"}
        claims = [{**c, "published": (c["txt_name"], c["txt_value"]) in published}
                  for c in sandbox.atlas.domains.pending_claims()]
        return _page("dns.html", records=records, errors=errors, values=values, claims=claims,
                     servfail=sandbox.zones.servfail_names())

    @bp.post("/dns/claims/<claim_id>/publish")
    def dns_publish(claim_id: str):
        """One click: the TXT record a pending domain claim waits for, as its DNS Admin would add it."""
        sandbox = _sandbox()
        claim = next((c for c in sandbox.atlas.domains.pending_claims() if c["claim_id"] == claim_id), None)
        if claim is None:
            flash("That domain claim is no longer waiting for its DNS record.", "error")
            return redirect(url_for(".dns"))
        record = sandbox.zones.add(claim["txt_name"], "TXT", claim["txt_value"])
        flash(f"TXT record of {claim['domain']} published for {claim['company_name']}: visible at "
              f"{iso_unix(record.visible_at)} (sandbox time), after the DNS propagation wait.", "ok")
        return redirect(local_path(request.form.get("back")) or url_for(".dns"))

    @bp.post("/dns/<record_id>/delete")
    def dns_delete(record_id: str):
        try:
            _sandbox().zones.remove(record_id)
            flash("Record removed.", "ok")
        except DomainError as exc:
            flash(exc.message, "error")
        return redirect(url_for(".dns"))

    # -- journal -----------------------------------------------------------------------------------
    @bp.get("/journal")
    def journal():
        listener = request.args.get("listener") or None
        page = _sandbox().journal.query(listener=listener, path=request.args.get("path") or None, per_page=100)
        for entry in page["entries"]:
            entry["detail_text"] = json.dumps(entry["detail"], indent=2) if entry.get("detail") else None
        return _page("journal.html", entries=page["entries"], listener=listener or "",
                     path=request.args.get("path", ""))

    # -- snapshots and reset -----------------------------------------------------------------------
    @bp.route("/snapshots", methods=["GET", "POST"])
    def snapshots():
        sandbox = _sandbox()
        if request.method == "POST":
            action, name = request.form.get("action"), request.form.get("name", "")
            try:
                if action == "save":
                    sandbox.snapshots.save(name)
                    flash(f"Snapshot {name} saved.", "ok")
                elif action == "restore":
                    sandbox.restore_snapshot(name)
                    flash(f"Snapshot {name} restored: the sandbox is back where it was.", "ok")
                elif action == "delete":
                    sandbox.snapshots.delete(name)
                    flash(f"Snapshot {name} deleted.", "ok")
                elif action == "scenario":
                    made = sandbox.scenarios.load(request.form.get("scenario", ""))
                    flash(f"Scenario {made['name']} loaded in {made['seconds']:.1f} s: {made['doc']}.", "ok")
                elif action == "checkpoint":
                    made = add_checkpoint(sandbox, request.form.get("checkpoint", ""),
                                          request.form.get("company_name", ""), request.form.get("environment", "uit"))
                    flash(f"{made['company_name']} added, ready for step {made['step']} of the guide: {made['next']}.",
                          "ok")
                    sandbox.after_replace()
                elif action == "reset":
                    sandbox.reset()
                    flash("The sandbox was reset: every account, organisation, message and email is gone.", "ok")
            except DomainError as exc:
                flash(exc.message, "error")
            return redirect(url_for(".snapshots"))
        return _page("snapshots.html", snapshots=sandbox.snapshots.list(), scenarios=sandbox.scenarios.list(),
                     current=sandbox.scenarios.current(), checkpoints=CHECKPOINTS)

    return bp
