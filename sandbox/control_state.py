"""The control API's whole-state operations: reset (optionally with new CAs), snapshots (save, restore, delete) and
named scenarios (list, load, the one loaded)."""
from __future__ import annotations

from flask import Blueprint

from sandbox.kernel.errors import BadRequest, NotFound
from sandbox.kernel.flask_apps import app_sandbox
from sandbox.kernel.json_api import json_body, required


def add_state_routes(bp: Blueprint) -> None:
    # -- reset and snapshots ---------------------------------------------------------------------
    @bp.post("/reset")
    def reset():
        payload = json_body()
        ca = payload.get("ca", False)
        if not isinstance(ca, bool):
            raise BadRequest("'ca' is true or false", field="ca")
        return app_sandbox().reset(ca=ca)

    @bp.get("/snapshots")
    def snapshots_list():
        return {"snapshots": app_sandbox().snapshots.list()}

    @bp.post("/snapshots")
    def snapshots_save():
        return app_sandbox().snapshots.save(required(json_body(), "name")), 201

    @bp.post("/snapshots/<name>/restore")
    def snapshots_restore(name: str):
        sandbox = app_sandbox()
        restored = sandbox.restore_snapshot(name)
        return {**restored, "clock": sandbox.clock.describe()}

    @bp.delete("/snapshots/<name>")
    def snapshots_delete(name: str):
        app_sandbox().snapshots.delete(name)
        return "", 204

    # -- scenarios -------------------------------------------------------------------------------
    @bp.get("/scenarios")
    def scenarios_list():
        sandbox = app_sandbox()
        current = sandbox.scenarios.current()
        return {"scenarios": sandbox.scenarios.list(), "current": current["name"] if current else None}

    @bp.post("/scenarios/<name>")
    def scenarios_load(name: str):
        return app_sandbox().scenarios.load(name)

    @bp.get("/scenario")
    def scenario_current():
        current = app_sandbox().scenarios.current()
        if current is None:
            raise NotFound("no scenario is loaded: POST /_sandbox/scenarios/{name} loads one "
                           "(GET /_sandbox/scenarios lists them)")
        return current
