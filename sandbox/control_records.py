"""The control API's records of what the sandbox served: DNS records and SERVFAIL names (the sandbox's DNS
server answers from them), the outbox of every email sent, and the request journal."""
from __future__ import annotations

from flask import Blueprint, request

from sandbox.kernel.errors import BadRequest
from sandbox.kernel.flask_apps import app_sandbox
from sandbox.kernel.json_api import json_body, required


def add_record_routes(bp: Blueprint) -> None:
    # -- DNS -------------------------------------------------------------------------------------
    @bp.get("/dns/records")
    def dns_list():
        sandbox = app_sandbox()
        now = sandbox.clock.now_unix()
        records = sandbox.zones.records(request.args.get("name"), request.args.get("type"))
        return {"records": [r.describe(now) for r in records]}

    @bp.post("/dns/records")
    def dns_add():
        payload = json_body()
        sandbox = app_sandbox()
        record = sandbox.zones.add(required(payload, "name"), required(payload, "type"),
                                   required(payload, "value"), payload.get("ttl", 300))
        return record.describe(sandbox.clock.now_unix()), 201

    @bp.delete("/dns/records/<record_id>")
    def dns_delete(record_id: str):
        app_sandbox().zones.remove(record_id)
        return "", 204

    @bp.get("/dns/servfail")
    def servfail_list():
        return {"names": app_sandbox().zones.servfail_names()}

    @bp.post("/dns/servfail")
    def servfail_add():
        return {"name": app_sandbox().zones.set_servfail(required(json_body(), "name"))}, 201

    @bp.delete("/dns/servfail/<name>")
    def servfail_delete(name: str):
        app_sandbox().zones.clear_servfail(name)
        return "", 204

    # -- outbox ----------------------------------------------------------------------------------
    @bp.get("/mail")
    def mail_list():
        emails = app_sandbox().outbox.list(request.args.get("to"), request.args.get("subject"),
                                           request.args.get("since"))
        return {"emails": [e.describe() for e in emails]}

    @bp.get("/mail/<email_id>")
    def mail_get(email_id: str):
        return app_sandbox().outbox.get(email_id).describe()

    @bp.delete("/mail")
    def mail_clear():
        return {"deleted": app_sandbox().outbox.clear()}

    # -- journal ---------------------------------------------------------------------------------
    @bp.get("/journal")
    def journal():
        args = request.args
        try:
            page, per_page = int(args.get("page", 1)), int(args.get("per_page", 50))
        except ValueError:
            raise BadRequest("page and per_page are whole numbers", field="page") from None
        return app_sandbox().journal.query(listener=args.get("listener"), method=args.get("method"),
                                           path=args.get("path"), status=args.get("status"),
                                           since=args.get("since"), page=page, per_page=per_page)
