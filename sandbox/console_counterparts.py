"""Composition: the console's Counterparts page (`/console/counterparts`): publish to me (a counterpart sends a
message of an interface to a DIP ID, the payload built or pasted), the auto-reply rules, and the routing table —
forms over mock_dip.publisher and mock_dip.auto_replies, as the control API offers them; and Send a test message
(`/console/messages`: any DIP ID of an environment to any other, mock_dip.message_composer, the DIP portal's form
without a sign-in) with every built-in webhook inbox."""
from __future__ import annotations

import json

from flask import Blueprint, flash, redirect, request, url_for

from mock_dip.control import describe_route, dip_of
from mock_dip.web_send_message import draft_or_errors, step_values
from sandbox.kernel.errors import DomainError, InvalidInput
from sandbox.kernel.web_pages import form_errors
from seed_data.role_codes import roles
from seed_data.routing import routes

ENVIRONMENTS = ("uit", "prod")


def _directory(environment: str) -> dict:
    dip = dip_of(environment)
    organisations = sorted(({"id": o["id"], "company_name": o["company_name"]} for o in dip.organisations.everyone()),
                           key=lambda o: o["company_name"])
    return {"dip_ids": dip.dip_ids.directory(), "organisations": organisations,
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


def _environment(value) -> str:
    return value if value in ENVIRONMENTS else "uit"


def add_counterpart_pages(bp: Blueprint, page) -> None:
    def send_page(environment: str, values: dict, errors: dict | None = None, status: int = 200):
        dip = dip_of(environment)
        draft, step_errors = draft_or_errors(dip.composer, None, values)
        inboxes = [{"dip_id": d["dip_id"], "company_name": d["company_name"], "url": dip.inbox.url(d["dip_id"]),
                    "deliveries": dip.inbox.deliveries(d["dip_id"], limit=5)} for d in draft["senders"]]
        return page("messages.html", environment=environment, environments=ENVIRONMENTS, draft=draft, values=values,
                    errors={**step_errors, **(errors or {})}, hidden={"environment": environment},
                    action=url_for(".send_message"), post_action=url_for(".send_message_now", environment=environment),
                    inboxes=[i for i in inboxes if i["deliveries"]]), status if not step_errors else max(status, 400)

    @bp.get("/messages")
    def send_message():
        return send_page(_environment(request.args.get("environment")), step_values(request.args))

    @bp.post("/messages/<environment>")
    def send_message_now(environment: str):
        environment, values = _environment(environment), step_values(request.form)
        try:
            sent = dip_of(environment).composer.send(None, values)
        except DomainError as exc:
            return send_page(environment, values, form_errors(exc), exc.status)
        flash(f"{sent['interface']} {sent['event_code']} sent from {sent['from']} to {sent['to']}: transaction "
              f"{sent['transaction_id']}.", "ok")
        return redirect(url_for(".send_message", environment=environment))

    @bp.get("/counterparts")
    def counterparts():
        environment = _environment(request.args.get("environment"))
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
