"""The control API's time: the clock (read, advance, set, mode) and the scheduler's jobs (pending and failed, and a
failed one run again). An advance answers once every job it made due has run, with the ones that failed."""
from __future__ import annotations

from flask import Blueprint

from sandbox.kernel.clock import parse_duration, parse_iso
from sandbox.kernel.flask_apps import app_sandbox
from sandbox.kernel.json_api import json_body, required


def add_time_routes(bp: Blueprint) -> None:
    @bp.get("/clock")
    def clock_get():
        return app_sandbox().clock.describe()

    @bp.post("/clock/advance")
    def clock_advance():
        payload = json_body()
        return app_sandbox().scheduler.advance(parse_duration(required(payload, "seconds")))

    @bp.post("/clock/set")
    def clock_set():
        payload = json_body()
        return app_sandbox().scheduler.set_time(parse_iso(required(payload, "now")))

    @bp.post("/clock/mode")
    def clock_mode():
        payload = json_body()
        sandbox = app_sandbox()
        sandbox.clock.set_mode(str(required(payload, "mode")).lower(), payload.get("factor"))
        return sandbox.clock.describe()

    @bp.get("/jobs")
    def jobs():
        scheduler = app_sandbox().scheduler
        return {"jobs": scheduler.pending(), "failed": scheduler.failed()}

    @bp.post("/jobs/<int:job_id>/retry")
    def retry_job(job_id: int):
        return app_sandbox().scheduler.retry(job_id)
