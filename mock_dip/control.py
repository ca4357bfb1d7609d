"""The DIP on the control API (`/_sandbox/dip/...`): the demo organisations of seed_data, a fully onboarded
organisation in one call, the routing table, and the sandbox as the other side of the conversation
(counterparts, publish to me, auto-replies)."""
from __future__ import annotations

from flask import Blueprint, request

from mock_dip.demo import load_demo
from mock_dip.ready_organisations import issue_certificate, onboard_organisation
from mock_dip.service import Dip
from sandbox.kernel.errors import InvalidInput, NotFound
from sandbox.kernel.json_api import json_body
from sandbox.kernel.flask_apps import app_sandbox
from seed_data.role_codes import role
from seed_data.routing import Route, routes


def dip_of(environment: str) -> Dip:
    dips = app_sandbox().dip
    if environment not in dips:
        raise NotFound(f"no DIP environment {environment!r}: use uit or prod", field="environment")
    return dips[environment]


def add_control_routes(bp: Blueprint) -> None:
    @bp.post("/dip/<environment>/demo")
    def dip_load_demo(environment: str):
        return load_demo(dip_of(environment)), 201

    @bp.post("/dip/<environment>/organisations")
    def dip_onboard_organisation(environment: str):
        return onboard_organisation(dip_of(environment), json_body()), 201

    @bp.post("/dip/<environment>/organisations/<organisation_id>/certificates")
    def dip_issue_certificate(environment: str, organisation_id: str):
        return issue_certificate(dip_of(environment), organisation_id, json_body()), 201

    @bp.post("/dip/<environment>/certificates/<serial>/revoke")
    def dip_revoke_certificate(environment: str, serial: str):
        return dip_of(environment).certificates.revoke_now(serial, str(json_body().get("reason") or "unspecified"))

    @bp.get("/dip/<environment>/messages/<transaction_id>")
    def dip_message_delivery(environment: str, transaction_id: str):
        return dip_of(environment).delivery_report.find(transaction_id=transaction_id)

    @bp.get("/dip/<environment>/messages")
    def dip_message_by_reference(environment: str):
        return dip_of(environment).delivery_report.find(reference=request.args.get("reference"))

    @bp.get("/dip/<environment>/routing")
    def dip_routing(environment: str):
        dip = dip_of(environment)
        return {"version": dip.ctx.messages.version, "strict": dip.ctx.messages.strict_routing,
                "interfaces": [describe_route(r) for r in routes(dip.ctx.messages.version)]}

    @bp.post("/dip/<environment>/counterparts")
    def dip_counterpart(environment: str):
        dip = dip_of(environment)
        role_code = str(json_body().get("role_code") or "").upper()
        entry = role(role_code)
        if entry is None or not entry.exchanges_messages:
            raise InvalidInput("role_code is a DIP role code that exchanges messages (SUP, MSS, SDS, REGS, MDS, ...)",
                               field="role_code")
        return dip.dip_ids.describe(dip.counterpart(entry.role_id)), 201

    @bp.post("/dip/<environment>/publish")
    def dip_publish(environment: str):
        return dip_of(environment).publisher.publish(json_body()), 201

    @bp.get("/dip/<environment>/auto-replies")
    def dip_auto_replies(environment: str):
        return {"rules": dip_of(environment).auto_replies.list(request.args.get("organisation_id"))}

    @bp.post("/dip/<environment>/auto-replies")
    def dip_auto_reply_add(environment: str):
        return dip_of(environment).auto_replies.add(json_body()), 201

    @bp.delete("/dip/<environment>/auto-replies/<rule_id>")
    def dip_auto_reply_remove(environment: str, rule_id: str):
        dip_of(environment).auto_replies.remove(rule_id)
        return "", 204


def describe_route(found: Route) -> dict:
    return {"interface": found.interface_id, "name": found.name, "events": list(found.events),
            "from": list(found.senders), "to": list(found.recipients), "secondary": list(found.secondary),
            "always": list(found.always), "since": found.since, "basis": found.basis}
