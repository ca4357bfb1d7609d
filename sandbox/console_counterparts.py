"""Composition: the console's Counterparts page (`/console/counterparts`): publish to me (a counterpart sends a
message of an interface to a DIP ID, the payload built or pasted), the auto-reply rules, and the routing table —
forms over mock_dip.publisher and mock_dip.auto_replies, as the control API offers them."""
from __future__ import annotations

import json

from flask import Blueprint, flash, redirect, request, url_for

from mock_dip.control import describe_route, dip_of
from sandbox.errors import DomainError, InvalidInput
from seed_data.role_codes import roles
from seed_data.routing import routes

ENVIRONMENTS = ("uit", "prod")


def _directory(environment: str) -> dict:
    dip = dip_of(environment)
    dip_ids = dip.ctx.store.query(
        "select d.dip_id, d.role_code, o.id as organisation_id, o.company_name from dip_ids d join dip_organisations "
        "o on o.id = d.organisation_id where d.environment = ? order by o.company_name, d.dip_id", [environment])
    organisations = dip.ctx.store.query("select id, company_name from dip_organisations where environment = ? "
                                        "order by company_name", [environment])
    return {"dip_ids": dip_ids, "organisations": organisations,
            "rules": dip.auto_replies.list() if dip.auto_replies else []}


def _form_payload():
    text = request.form.get("payload", "").strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise InvalidInput(f"the payload is not JSON ({exc}): paste the payload object, or leave it empty for one "
                           "built by the sandbox", field="payload") from None


def add_counterpart_pages(bp: Blueprint, page) -> None:
    @bp.get("/counterparts")
    def counterparts():
        environment = request.args.get("environment", "uit")
        if environment not in ENVIRONMENTS:
            environment = "uit"
        version = dip_of(environment).ctx.messages.version
        table = [describe_route(r) for r in routes(version)]
        message_roles = [r.role_id for r in roles().values() if r.exchanges_messages]
        return page("counterparts.html", environment=environment, environments=ENVIRONMENTS, routes=table,
                    roles=message_roles, **_directory(environment))

    @bp.post("/counterparts/<environment>/<action>")
    def counterpart_action(environment: str, action: str):
        back = url_for(".counterparts", environment=environment)
        try:
            dip = dip_of(environment)
            if action == "publish":
                form = {k: request.form.get(k, "").strip() or None for k in ("to", "interface", "event_code", "from")}
                sent = dip.publisher.publish({**{k: v for k, v in form.items() if v}, "payload": _form_payload()})
                flash(f"{sent['interface']} {sent['event_code']} sent by {sent['from']} ({sent['from_role']}) to "
                      f"{sent['to']}: transaction {sent['transaction_id']}. The DIP delivers it to the webhook of "
                      f"{sent['to']} for {sent['interface']}.", "ok")
            elif action == "counterpart":
                made = dip.counterpart(request.form.get("role_code", ""))
                flash(f"Counterpart DIP ID {made['dip_id']} ({made['role_code']}, organisation "
                      f"{made['organisation_id']}).", "ok")
            elif action == "add-rule":
                after = request.form.get("after_seconds", "").strip() or "0"
                try:
                    seconds = float(after)
                except ValueError:
                    raise InvalidInput(f"after seconds {after!r} is a number of sandbox seconds",
                                       field="after_seconds") from None
                rule = dip.auto_replies.add({
                    "organisation_id": request.form.get("organisation_id", ""),
                    "on_interface": request.form.get("on_interface", ""),
                    "reply_interface": request.form.get("reply_interface") or None,
                    "reply_event": request.form.get("reply_event") or None,
                    "status_message": request.form.get("status_message") == "on", "after_seconds": seconds})
                flash(f"Rule {rule['id']} added: on {rule['on_interface']}, {rule['organisation_id']} answers after "
                      f"{rule['after_seconds']:g} sandbox seconds.", "ok")
            elif action == "remove-rule":
                dip.auto_replies.remove(request.form.get("rule_id", ""))
                flash("Rule removed.", "ok")
            else:
                raise InvalidInput(f"no action {action!r}", field="action")
        except DomainError as exc:
            flash(exc.message, "error")
        return redirect(back)
