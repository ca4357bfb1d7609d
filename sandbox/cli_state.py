"""The `dip-sandbox` commands of the sandbox's own state, over the control API: clock, dns, mail, snapshot, ca,
state (health, endpoints, journal, reset, artefacts) and scenario."""
from __future__ import annotations

from pathlib import Path

import click

from sandbox.cli_control import Control, client_group, control_command


def register_state_commands(main: click.Group) -> None:
    _clock_commands(main)
    _dns_commands(main)
    _mail_commands(main)
    _snapshot_commands(main)
    _ca_commands(main)
    _state_commands(main)
    _scenario_commands(main)


def _clock_commands(main: click.Group) -> None:
    clock = client_group(main, "clock", "The sandbox clock.")

    @control_command(clock, "now", "Show sandbox time, mode and factor.", "GET", lambda: "/clock")
    def _clock_now():
        pass

    @control_command(clock, "advance", "Advance by a duration (72h, 1d2h, 30m, or seconds); due jobs run.",
                     "POST", lambda duration: "/clock/advance", lambda duration: {"seconds": duration})
    @click.argument("duration")
    def _clock_advance():
        pass

    @control_command(clock, "set", "Set to a later ISO-8601 time.", "POST", lambda time: "/clock/set",
                     lambda time: {"now": time})
    @click.argument("time")
    def _clock_set():
        pass

    @control_command(clock, "mode", "Switch mode: real, scaled or manual.", "POST", lambda mode, factor: "/clock/mode",
                     lambda mode, factor: {"mode": mode, **({"factor": factor} if factor else {})})
    @click.argument("mode", type=click.Choice(["real", "scaled", "manual"]))
    @click.option("--factor", type=float, default=None, help="sandbox seconds per real second (scaled mode)")
    def _clock_mode():
        pass

    @control_command(clock, "profile", "Show the timing profile: every wait in sandbox seconds.", "GET",
                     lambda: "/profile")
    def _clock_profile():
        pass

    @control_command(clock, "jobs", "List the pending jobs (what the sandbox is waiting for) and the failed ones.",
                     "GET", lambda: "/jobs")
    def _clock_jobs():
        pass

    @control_command(clock, "retry", "Run a failed job again, now (its ID from `clock jobs`).", "POST",
                     lambda job_id: f"/jobs/{job_id}/retry")
    @click.argument("job_id", type=int)
    def _clock_retry():
        pass


def _dns_commands(main: click.Group) -> None:
    dns = client_group(main, "dns", "The sandbox DNS zones.")

    @control_command(dns, "list", "List records.", "GET", lambda name, rtype: "/dns/records",
                     params_fn=lambda name, rtype: {k: v for k, v in (("name", name), ("type", rtype)) if v})
    @click.option("--name", default=None)
    @click.option("--type", "rtype", default=None)
    def _dns_list():
        pass

    @control_command(dns, "add", "Add a record (TXT, A, AAAA or CNAME).", "POST",
                     lambda name, rtype, value, ttl: "/dns/records",
                     lambda name, rtype, value, ttl: {"name": name, "type": rtype, "value": value, "ttl": ttl})
    @click.argument("name")
    @click.argument("rtype", metavar="TYPE")
    @click.argument("value")
    @click.option("--ttl", type=int, default=300)
    def _dns_add():
        pass

    @control_command(dns, "set-txt", "Add a TXT record.", "POST", lambda name, value: "/dns/records",
                     lambda name, value: {"name": name, "type": "TXT", "value": value})
    @click.argument("name")
    @click.argument("value")
    def _dns_set_txt():
        pass

    @control_command(dns, "delete", "Remove a record by id.", "DELETE", lambda record_id: f"/dns/records/{record_id}")
    @click.argument("record_id")
    def _dns_delete():
        pass

    @control_command(dns, "servfail", "Answer SERVFAIL for a name.", "POST", lambda name: "/dns/servfail",
                     lambda name: {"name": name})
    @click.argument("name")
    def _dns_servfail():
        pass

    @control_command(dns, "unservfail", "Answer normally again for a name.", "DELETE",
                     lambda name: f"/dns/servfail/{name}")
    @click.argument("name")
    def _dns_unservfail():
        pass


def _mail_commands(main: click.Group) -> None:
    mail = client_group(main, "mail", "The outbox of emails.")

    @control_command(mail, "list", "List emails, oldest first.", "GET", lambda to, subject, since: "/mail",
                     params_fn=lambda to, subject, since: {k: v for k, v in
                                                           (("to", to), ("subject", subject), ("since", since)) if v})
    @click.option("--to", default=None)
    @click.option("--subject", default=None, help="text the subject contains")
    @click.option("--since", default=None, help="sandbox time, ISO-8601")
    def _mail_list():
        pass

    @control_command(mail, "show", "Show one email.", "GET", lambda email_id: f"/mail/{email_id}")
    @click.argument("email_id")
    def _mail_show():
        pass

    @control_command(mail, "clear", "Empty the outbox.", "DELETE", lambda: "/mail")
    def _mail_clear():
        pass


def _snapshot_commands(main: click.Group) -> None:
    snapshot = client_group(main, "snapshot", "Snapshots of the whole state.")

    @control_command(snapshot, "save", "Save a snapshot.", "POST", lambda name: "/snapshots",
                     lambda name: {"name": name})
    @click.argument("name")
    def _snapshot_save():
        pass

    @control_command(snapshot, "list", "List snapshots.", "GET", lambda: "/snapshots")
    def _snapshot_list():
        pass

    @control_command(snapshot, "restore", "Restore a snapshot.", "POST", lambda name: f"/snapshots/{name}/restore")
    @click.argument("name")
    def _snapshot_restore():
        pass

    @control_command(snapshot, "delete", "Delete a snapshot.", "DELETE", lambda name: f"/snapshots/{name}")
    @click.argument("name")
    def _snapshot_delete():
        pass


def _ca_commands(main: click.Group) -> None:
    ca = client_group(main, "ca", "The sandbox CA certificates (PEM).")

    for _which in ("bundle", "roots", "intermediates"):
        control_command(ca, _which, f"Print the CA {_which} (PEM).", "GET", lambda _w=_which: f"/ca/{_w}")(lambda: None)


def _state_commands(main: click.Group) -> None:
    state = client_group(main, "state", "Sandbox state: health, endpoints, journal, reset.")

    @control_command(state, "health", "Is the sandbox up?", "GET", lambda: "/health")
    def _state_health():
        pass

    @control_command(state, "endpoints", "Every listener's address.", "GET", lambda: "/endpoints")
    def _state_endpoints():
        pass

    @control_command(state, "journal", "Requests to every listener, newest first.", "GET",
                     lambda listener, page, per_page: "/journal",
                     params_fn=lambda listener, page, per_page: {k: v for k, v in (
                         ("listener", listener), ("page", page), ("per_page", per_page)) if v})
    @click.option("--listener", default=None, help="web, atlas, dip_uit, dip_prod or dns")
    @click.option("--page", type=int, default=None)
    @click.option("--per-page", type=int, default=None)
    def _state_journal():
        pass

    @control_command(state, "reset", "Empty state (keeps the CA material unless --ca).", "POST",
                     lambda ca_too: "/reset", lambda ca_too: {"ca": ca_too})
    @click.option("--ca", "ca_too", is_flag=True, help="regenerate the Atlas and DIP CAs too")
    def _state_reset():
        pass

    @state.command("artefacts", help="Save what a failed CI job needs into DIR: endpoints, clock, the whole journal "
                   "(journal.json), the outbox (outbox.json and one .txt per email) and the loaded scenario.")
    @click.option("--out", "out", type=click.Path(path_type=Path), required=True, help="directory to write into")
    @click.pass_obj
    def _state_artefacts(control: Control, out: Path):
        from sandbox.artefacts import save_artefacts
        entries, emails = save_artefacts(lambda path, **kw: control.call("GET", path, **kw).json(), out)
        click.echo(f"{entries} journal entries and {emails} emails written to {out}")


def _scenario_commands(main: click.Group) -> None:
    scenario_group = client_group(main, "scenario", "Named scenarios: a known state in one call.")

    @control_command(scenario_group, "list", "List the scenarios and the one loaded.", "GET", lambda: "/scenarios")
    def _scenario_list():
        pass

    @control_command(scenario_group, "load", "Replace the state with scenario NAME and print what it made (API keys, "
                     "certificates, keys).", "POST", lambda name: f"/scenarios/{name}")
    @click.argument("name")
    def _scenario_load():
        pass

    @control_command(scenario_group, "show", "Print what the loaded scenario made.", "GET", lambda: "/scenario")
    def _scenario_show():
        pass
