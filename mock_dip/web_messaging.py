"""DIP ID pages and the messaging menus: a DIP ID (API keys with Show / Copy / Regenerate, interface
configuration, members, Nominate DCP, create), Message Channels (webhooks per DIP ID and interface), Messages
(sent and received, with each delivery's journal) and Performance (SVG charts drawn here, no chart library)."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, request, url_for

from markupsafe import escape

from mock_dip.portal_requests import environment_dip
from mock_dip.web_organisation import render_organisation
from mock_dip.webhooks import STATUS_CHANNEL
from sandbox.kernel.errors import DomainError
from sandbox.kernel.web_pages import form_action, form_errors


def bar_chart(values: dict[str, int | float], unit: str = "") -> str:
    """A horizontal bar chart as inline SVG, labelled for screen readers."""
    width, row, label_width = 640, 28, 200
    top = max(values.values(), default=0) or 1
    bars = []
    for index, (label, value) in enumerate(values.items()):
        y = index * row
        length = (width - label_width - 80) * value / top
        bars.append(f'<text x="0" y="{y + 18}" font-size="14">{escape(label)}</text>'
                    f'<rect x="{label_width}" y="{y + 4}" width="{length:.1f}" height="18" fill="#10263f"/>'
                    f'<text x="{label_width + length + 6:.1f}" y="{y + 18}" font-size="14">{value:g}{unit}</text>')
    summary = escape(", ".join(f"{k}: {v:g}{unit}" for k, v in values.items()))
    return (f'<svg role="img" aria-label="{summary}" width="{width}" height="{max(row, row * len(values))}" '
            f'xmlns="http://www.w3.org/2000/svg">{"".join(bars)}</svg>')


def add_messaging_pages(bp: Blueprint, page) -> None:
    def dip_id_page(dip_id: str, errors: dict | None = None, status: int = 200, **extra):
        dip, user = environment_dip(), g.page_user
        detail = dip.dip_ids.describe(dip.dip_ids.get(user, dip_id))
        members = None if user.get("dcp_context") else dip.dip_ids.members(user, dip_id)
        configured = set(dip.channels.configured(dip_id))
        interfaces = [{**c, "configured": c["channel"] in configured} for c in dip.channels.receivable(
            detail["role_code"])]
        return page("dip_id.html", title=f"DIP ID {dip_id}", current="organisation", dip_id=detail, members=members,
                    nominations=dip.dcps.nominations(user, dip_id), providers=dip.dcps.providers(user),
                    interfaces=interfaces, errors=errors or {}, **extra), status

    def on_dip_id_page(dip_id: str):
        """A DIP ID form's refusal: the DIP ID's page with the errors."""
        return lambda exc: dip_id_page(dip_id, form_errors(exc), exc.status)

    def to(endpoint: str, **values):
        return lambda _: redirect(url_for(endpoint, environment=request.view_args["environment"], **values))

    @bp.get("/dip-ids/<dip_id>")
    def dip_id(environment: str, dip_id: str):
        return dip_id_page(dip_id)

    @bp.post("/dip-ids/<dip_id>/keys")
    def show_keys(environment: str, dip_id: str):
        """Show (a POST, so that keys never sit in a URL or a cache)."""
        return form_action(lambda: environment_dip().dip_ids.api_keys(g.page_user, dip_id), None,
                           lambda keys: dip_id_page(dip_id, keys=keys), on_dip_id_page(dip_id))

    @bp.post("/dip-ids/<dip_id>/keys/<slot>/regenerate")
    def regenerate_key(environment: str, dip_id: str, slot: str):
        def regenerate():
            environment_dip().dip_ids.regenerate(g.page_user, dip_id, slot)
            return environment_dip().dip_ids.api_keys(g.page_user, dip_id)
        return form_action(regenerate, f"The {slot} API key was regenerated: the old one no longer works.",
                           lambda keys: dip_id_page(dip_id, keys=keys), on_dip_id_page(dip_id))

    @bp.post("/dip-ids/<dip_id>/edit")
    def edit_dip_id(environment: str, dip_id: str):
        values = {k: request.form.get(k, "") for k in ("mpid", "effective_from", "effective_to")}
        return form_action(lambda: environment_dip().dip_ids.edit(g.page_user, dip_id, {
            **values, "effective_to": values["effective_to"] or None}), f"DIP ID {dip_id} updated.",
            to(".dip_id", dip_id=dip_id), on_dip_id_page(dip_id))

    @bp.post("/dip-ids/<dip_id>/delete")
    def delete_dip_id(environment: str, dip_id: str):
        return form_action(lambda: environment_dip().dip_ids.delete(g.page_user, dip_id), f"DIP ID {dip_id} deleted.",
                           to(".organisation", tab="dip-ids"), on_dip_id_page(dip_id))

    @bp.post("/dip-ids/<dip_id>/nominations")
    def nominate_dcp(environment: str, dip_id: str):
        dcp_id = request.form.get("dcp_id", "")
        return form_action(lambda: environment_dip().dcps.nominate(g.page_user, dip_id, {
            "dcp_id": dcp_id, "whitelist_dcp_domains": bool(request.form.get("whitelist_dcp_domains"))}),
            f"DCP ID {dcp_id} nominated for DIP ID {dip_id}.", to(".dip_id", dip_id=dip_id), on_dip_id_page(dip_id))

    @bp.post("/dip-ids")
    def create_dip_id(environment: str):
        values = {k: request.form.get(k, "") for k in ("role_code", "mpid", "mp_role_code", "effective_from",
                                                       "effective_to")}
        return form_action(
            lambda: environment_dip().dip_ids.create(g.page_user, {k: v for k, v in values.items() if v}),
            lambda created: f"DIP ID {created['dip_id']} created.",
            lambda created: redirect(url_for(".dip_id", environment=environment, dip_id=created["dip_id"])),
            lambda exc: render_organisation(page, "dip-ids", form_errors(exc), values, exc.status))

    # -- message channels ----------------------------------------------------------------------------
    def own_dip_ids() -> list[dict]:
        return environment_dip().dip_ids.list(g.page_user)

    @bp.get("/channels")
    def channels(environment: str, errors: dict | None = None, status: int = 200):
        dip, user = environment_dip(), g.page_user
        listed = [{**d, "channels": dip.channels.channels(user, d["dip_id"]),
                   "receivable": dip.channels.receivable(d["role_code"]), "inbox": dip.inbox.url(d["dip_id"])}
                  for d in own_dip_ids()]
        return page("channels.html", title="Message Channels", current="channels", dip_ids=listed,
                    errors=errors or {}, status_channel=STATUS_CHANNEL, values=dict(request.form)), status

    @bp.post("/channels")
    def set_channel(environment: str):
        form = request.form

        def set_webhook():
            environment_dip().channels.set_channel(g.page_user, form.get("dip_id", ""), form.get("channel", ""),
                                                   {"callbackURL": form.get("callbackURL", "")})
            environment_dip().delivery.wake()

        def refused(exc: DomainError):
            errors = form_errors(exc)
            return channels(environment, errors if "callbackURL" in errors else {"_form": exc.message}, exc.status)
        return form_action(set_webhook, f"Webhook of {form.get('channel')} set for DIP ID {form.get('dip_id')}.",
                           to(".channels"), refused)

    @bp.post("/channels/<dip_id>/<channel>/delete")
    def remove_channel(environment: str, dip_id: str, channel: str):
        def refused(exc: DomainError):
            flash(exc.message, "error")
            return redirect(url_for(".channels", environment=environment))
        return form_action(lambda: environment_dip().channels.remove_channel(g.page_user, dip_id, channel),
                           f"Webhook of {channel} removed: messages wait for replay.", to(".channels"), refused)

    # -- messages and performance --------------------------------------------------------------------
    @bp.get("/messages")
    def messages(environment: str):
        dip, user = environment_dip(), g.page_user
        direction = request.args.get("direction")

        def listing(way: str) -> list[dict]:
            return [{"dip_id": d["dip_id"], "messages": dip.channels.messages(user, d["dip_id"], way)}
                    for d in own_dip_ids()]
        listed = listing(direction or "sent")
        if direction is None and not any(d["messages"] for d in listed):  # a receiver opens on Received
            received = listing("received")
            if any(d["messages"] for d in received):
                direction, listed = "received", received
        direction = direction or "sent"
        return page("messages.html", title="Messages", current="messages", dip_ids=listed, direction=direction)

    @bp.get("/messages/<transaction_id>")
    def message(environment: str, transaction_id: str):
        return page("message.html", title=transaction_id, current="messages",
                    message=environment_dip().channels.message(g.page_user, transaction_id))

    @bp.get("/performance")
    def performance(environment: str):
        dip, user = environment_dip(), g.page_user
        reports = [dip.channels.performance(user, d["dip_id"]) for d in own_dip_ids()]
        for report in reports:
            report["sent_chart"] = bar_chart(report["sent"]) if report["sent"] else None
            report["states_chart"] = bar_chart(report["deliveries_to_this_dip_id"])
            latency = {k: v for k, v in report["delivery_latency_ms"].items() if k != "count" and v is not None}
            report["latency_chart"] = bar_chart({k: round(v, 1) for k, v in latency.items()}, " ms") if latency \
                else None
        return page("performance.html", title="Performance", current="performance", reports=reports)
