"""The console's Snapshots page: save, restore and delete snapshots, load a named scenario, add an organisation
ready for a step of the guide (a checkpoint), and reset the sandbox."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for

from sandbox.checkpoints import CHECKPOINTS, add_checkpoint
from sandbox.kernel.errors import DomainError
from sandbox.kernel.flask_apps import app_sandbox


def add_snapshot_pages(bp: Blueprint, page) -> None:
    @bp.route("/snapshots", methods=["GET", "POST"])
    def snapshots():
        sandbox = app_sandbox()
        if request.method == "POST":
            action, name = request.form.get("action"), request.form.get("name", "")
            try:
                if action == "save":
                    sandbox.snapshots.save(name)
                    flash(f"Snapshot {name} saved.", "ok")
                elif action == "restore":
                    sandbox.restore_snapshot(name)
                    flash(f"Snapshot {name} restored: the sandbox is back where it was.", "ok")
                elif action == "delete":
                    sandbox.snapshots.delete(name)
                    flash(f"Snapshot {name} deleted.", "ok")
                elif action == "scenario":
                    made = sandbox.scenarios.load(request.form.get("scenario", ""))
                    flash(f"Scenario {made['name']} loaded in {made['seconds']:.1f} s: {made['doc']}.", "ok")
                elif action == "checkpoint":
                    made = add_checkpoint(sandbox, request.form.get("checkpoint", ""),
                                          request.form.get("company_name", ""), request.form.get("environment", "uit"))
                    flash(f"{made['company_name']} added, ready for step {made['step']} of the guide: {made['next']}.",
                          "ok")
                    sandbox.after_replace()
                elif action == "reset":
                    sandbox.reset()
                    flash("The sandbox was reset: every account, organisation, message and email is gone.", "ok")
            except DomainError as exc:
                flash(exc.message, "error")
            return redirect(url_for(".snapshots"))
        return page("snapshots.html", snapshots=sandbox.snapshots.list(), scenarios=sandbox.scenarios.list(),
                    current=sandbox.scenarios.current(), checkpoints=CHECKPOINTS)
