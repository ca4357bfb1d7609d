"""The console's clock controls: advance (by a duration, or to the next due wait), end one wait now, run a failed
step again, and the clock's mode. A step that failed is said in a flash message and kept for a retry."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for

from sandbox.kernel.clock import parse_duration, parse_iso
from sandbox.kernel.errors import DomainError
from sandbox.kernel.flask_apps import app_sandbox
from sandbox.kernel.web_pages import local_path


def flash_failures(failures: list[dict]) -> None:
    """Say which waiting steps failed: nothing they were to do happened (the overview offers to run them again)."""
    for failure in failures:
        flash(f"The step {failure['kind']} failed ({failure['error']}): it did not happen. The overview lists it "
              "with a button to run it again once the cause is fixed.", "error")


def add_clock_pages(bp: Blueprint) -> None:
    @bp.post("/clock/advance")
    def advance():
        sandbox = app_sandbox()
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
        flash_failures(result["jobs_failed"])
        return redirect(local_path(request.form.get("back")) or url_for(".overview"))

    @bp.post("/waits/<int:job_id>/finish")
    def finish_wait(job_id: int):
        """A presenter control: this one wait ends now, without moving the clock (the other waits keep their
        times, and nobody is signed out)."""
        sandbox = app_sandbox()
        job = next((j for j in sandbox.scheduler.pending() if j["id"] == job_id), None)
        if job is None:
            flash("That wait has already ended.", "error")
        else:
            failures: list[dict] = []
            sandbox.scheduler.complete_now([job_id], failures)
            flash(f"The wait {job['kind'].split('.')[-1].replace('_', ' ')} ended now.", "ok")
            flash_failures(failures)
        return redirect(local_path(request.form.get("back")) or url_for(".overview"))

    @bp.post("/jobs/<int:job_id>/retry")
    def retry_job(job_id: int):
        try:
            result = app_sandbox().scheduler.retry(job_id)
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            if not result["jobs_failed"]:
                flash(f"The step ran ({result['jobs_run']} step(s) completed).", "ok")
            flash_failures(result["jobs_failed"])
        return redirect(url_for(".overview"))

    @bp.post("/clock/mode")
    def mode():
        sandbox = app_sandbox()
        try:
            factor = request.form.get("factor")
            sandbox.clock.set_mode(request.form.get("mode", ""), float(factor) if factor else None)
            sandbox.scheduler.wake()
        except (DomainError, ValueError) as exc:
            flash(getattr(exc, "message", str(exc)), "error")
        return redirect(url_for(".overview"))
