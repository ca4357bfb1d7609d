"""What the sandbox keeps and serves, in the console: the outbox (every email sent), the DNS console (the
organisations' DNS provider: add and remove records, publish a pending domain claim's TXT record in one click)
and the request journal with each request's details (the signature debugger's among them)."""
from __future__ import annotations

import json

from flask import Blueprint, flash, redirect, render_template, request, url_for

from sandbox.kernel.clock import iso_unix
from sandbox.kernel.errors import DomainError
from sandbox.kernel.flask_apps import app_sandbox
from sandbox.kernel.web_pages import form_errors, local_path


def add_record_pages(bp: Blueprint, page) -> None:
    # -- outbox ------------------------------------------------------------------------------------
    @bp.get("/outbox")
    def outbox():
        emails = [e.describe() for e in app_sandbox().outbox.list(to=request.args.get("to") or None)]
        return page("outbox.html", emails=list(reversed(emails)), to=request.args.get("to", ""))

    @bp.get("/outbox/<email_id>")
    def email(email_id: str):
        try:
            shown = app_sandbox().outbox.get(email_id).describe()
        except DomainError as exc:
            return render_template("error.html", title="No such email", message=exc.message), exc.status
        return page("email.html", email=shown)

    # -- DNS ---------------------------------------------------------------------------------------
    @bp.route("/dns", methods=["GET", "POST"])
    def dns():
        sandbox = app_sandbox()
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
        return page("dns.html", records=records, errors=errors, values=values, claims=claims,
                    servfail=sandbox.zones.servfail_names())

    @bp.post("/dns/claims/<claim_id>/publish")
    def dns_publish(claim_id: str):
        """One click: the TXT record a pending domain claim waits for, as its DNS Admin would add it."""
        sandbox = app_sandbox()
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
            app_sandbox().zones.remove(record_id)
            flash("Record removed.", "ok")
        except DomainError as exc:
            flash(exc.message, "error")
        return redirect(url_for(".dns"))

    # -- journal -----------------------------------------------------------------------------------
    @bp.get("/journal")
    def journal():
        listener = request.args.get("listener") or None
        found = app_sandbox().journal.query(listener=listener, path=request.args.get("path") or None, per_page=100)
        for entry in found["entries"]:
            entry["detail_text"] = json.dumps(entry["detail"], indent=2) if entry.get("detail") else None
        return page("journal.html", entries=found["entries"], listener=listener or "",
                    path=request.args.get("path", ""))
