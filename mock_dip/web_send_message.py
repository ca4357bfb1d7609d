"""The DIP portal's "Send a test message" (Messages) and the built-in webhook inbox (Message Channels): forms over
mock_dip.message_composer and mock_dip.webhook_inbox. The form goes in steps that each work without
JavaScript — sender and recipient, then the interface, then the event code and the payload — by GET, so the
address always shows the step; only sending is a POST."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, request, url_for

from mock_dip.portal_requests import environment_dip
from sandbox.kernel.errors import DomainError
from sandbox.kernel.web_pages import form_action, form_errors

STEP_FIELDS = ("from", "to", "interface", "event_code")


def step_values(form) -> dict:
    return {k: (form.get(k) or "").strip() for k in (*STEP_FIELDS, "payload")}


def draft_or_errors(composer, actor, values: dict) -> tuple[dict, dict]:
    """The draft at the furthest step `values` reach, and the errors of the first step that went wrong (the
    earlier steps stay chosen, so a person corrects only what is wrong)."""
    kept, problem = dict(values), None
    for blank in (None, *reversed(STEP_FIELDS)):
        if blank is not None:
            kept[blank] = ""
        try:
            return composer.draft(actor, kept), (form_errors(problem) if problem else {})
        except DomainError as exc:
            problem = exc  # the last one is the earliest step that is wrong
    raise problem  # not even the first step: e.g. a role that may not send


def add_send_pages(bp: Blueprint, page) -> None:
    def send_page(values: dict, errors: dict | None = None, status: int = 200):
        draft, step_errors = draft_or_errors(environment_dip().composer, g.page_user, values)
        return page("send_message.html", title="Send a test message", current="messages", draft=draft,
                    values=values, errors={**step_errors, **(errors or {})},
                    action=url_for(".send_message", environment=environment_dip().ctx.environment)), \
            status if not step_errors else max(status, 400)

    @bp.get("/messages/send")
    def send_message(environment: str):
        return send_page(step_values(request.args))

    @bp.post("/messages/send")
    def send_message_now(environment: str):
        values = step_values(request.form)
        return form_action(
            lambda: environment_dip().composer.send(g.page_user, values),
            lambda sent: f"{sent['interface']} {sent['event_code']} sent from {sent['from']} to {sent['to']}: "
                         f"transaction {sent['transaction_id']}. The DIP delivers it to the webhook {sent['to']} set "
                         f"for {sent['interface']}.",
            lambda sent: redirect(url_for(".message", environment=environment, transaction_id=sent["transaction_id"])),
            lambda exc: send_page(values, form_errors(exc), exc.status))

    # -- the built-in webhook inbox ------------------------------------------------------------------
    @bp.post("/channels/<dip_id>/use-inbox")
    def use_inbox(environment: str, dip_id: str):
        def use():
            set_ = environment_dip().channels.use_inbox(g.page_user, dip_id)
            environment_dip().delivery.wake()
            return set_

        def refused(exc: DomainError):
            flash(exc.message, "error")
            return redirect(url_for(".channels", environment=environment))
        return form_action(use, lambda set_: (f"Every channel of DIP ID {dip_id} ({len(set_)}: "
                                              f"{', '.join(c['channel'] for c in set_)}) now goes to the sandbox's "
                                              "inbox."),
                           lambda _: redirect(url_for(".inbox", environment=environment, dip_id=dip_id)), refused)

    @bp.get("/inbox/<dip_id>")
    def inbox(environment: str, dip_id: str):
        return page("inbox.html", title=f"Inbox of DIP ID {dip_id}", current="channels",
                    inbox=environment_dip().channels.inbox_deliveries(g.page_user, dip_id))
