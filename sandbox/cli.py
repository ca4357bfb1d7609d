"""The `dip-sandbox` command: `serve`, `config`, and the control API's operations against a running sandbox."""
from __future__ import annotations

import gc
import json
import logging
import os
import shutil
import signal
import sys
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

import click

from sandbox.cli_client import register as register_client_commands
from sandbox.cli_certificates import register_certificate_commands
from sandbox.cli_counterparts import register_counterpart_commands
from sandbox.cli_wait import register as register_wait_command
from sandbox.kernel.settings import SETTINGS, SettingError, load_settings


def _setting_options(func):
    for setting in reversed(SETTINGS):
        if setting.flag_kind == "flag":
            option = click.option(setting.option, setting.name, is_flag=True, default=None, help=setting.doc)
        else:
            option = click.option(setting.option, setting.name, default=None, help=setting.doc,
                                  metavar=setting.name.split("_")[-1].upper())
        func = option(func)
    return click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
                        help="TOML file of settings (also DIP_SANDBOX_CONFIG)")(func)


def _load(config_file, values):
    try:
        return load_settings(values, config_file=config_file)
    except SettingError as exc:
        raise click.UsageError(str(exc)) from None


@click.group(help="A local, offline sandbox of the MHHS DIP and GlobalSign Atlas.")
def main():
    pass


@contextmanager
def _collector_paused():
    """Start-up makes ~50,000 long-lived objects (modules, routes, schemas) and no garbage: the cyclic collector
    would walk them all again and again while they are made (a quarter of the import time, in full collections).
    Pause it, then freeze what start-up made, so the collections a running server does skip it too (gc.freeze)."""
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


@main.command(help="Start every listener of the sandbox in this process.")
@_setting_options
def serve(config_file, **values):
    settings = _load(config_file, values)
    temporary = None
    if settings.ephemeral:
        temporary = tempfile.mkdtemp(prefix="dip-sandbox-")
        settings = settings.replace(data_dir=temporary)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    server = None
    try:
        with _collector_paused():
            from sandbox.app import Sandbox
            from sandbox.kernel.errors import DomainError
            from sandbox.server import ListenerUnavailable, SandboxServer, summary
            try:
                sandbox = Sandbox(settings)
            except DomainError as exc:
                raise click.ClickException(str(exc)) from None
            server = SandboxServer(sandbox, after_build=gc.freeze)
            try:
                endpoints = server.start()
            except ListenerUnavailable as exc:
                raise click.ClickException(str(exc)) from None
        click.echo(summary(endpoints), nl=True)
        manager = sandbox.dip_manager_credentials()
        if manager:
            click.echo(f"  DIP Manager       {manager['email']} / {manager['password']}   (UIT and Prod portals; "
                       "MFA set up at first sign-in)")
        sys.stdout.flush()
        while not stop.wait(1.0):
            pass
        click.echo("dip-sandbox: stopping (finishing in-flight requests)")
    finally:
        if server is not None:
            server.stop()
        if temporary:
            shutil.rmtree(temporary, ignore_errors=True)


@main.command(help="Print the effective settings and where each comes from.")
@_setting_options
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
def config(config_file, as_json, **values):
    settings = _load(config_file, values)
    if as_json:
        click.echo(json.dumps(settings.as_dict(), indent=2))
        return
    for setting, value, source in settings.items():
        shown = ",".join(value) if isinstance(value, tuple) else value
        click.echo(f"{setting.name:22} = {shown!s:28} [{source}]  {setting.env}")
        click.echo(f"{'':25}{setting.doc}")
        if setting.name == "dip_spec" and value:
            from mock_dip.spec_validation import describe
            click.echo(f"{'':25}active: {describe(value)}")


# -- client commands -------------------------------------------------------------------------------

class Control:
    def __init__(self, url: str, token: str | None):
        import requests  # only the client commands need it; `serve` starts faster without it

        self._requests = requests
        self.url = url.rstrip("/")
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, **kwargs):
        try:
            response = self.session.request(method, self.url + path, timeout=60, **kwargs)
        except self._requests.ConnectionError:
            raise click.ClickException(f"no sandbox answers at {self.url}: start one with `dip-sandbox serve`, "
                                       "or give --control / --endpoints-file") from None
        if response.status_code >= 400:
            try:
                message = response.json()["error"]["message"]
            except (ValueError, KeyError, TypeError):
                message = response.text
            raise click.ClickException(f"{response.status_code}: {message}")
        return response


def _control_url(control: str | None, endpoints_file: Path | None) -> str:
    if control:
        return control
    if endpoints_file:
        try:
            return json.loads(Path(endpoints_file).read_text())["control"]
        except (OSError, ValueError, KeyError) as exc:
            raise click.ClickException(f"cannot read the control URL from {endpoints_file}: {exc}") from None
    settings = load_settings()
    return f"http://{settings.web_host}:{settings.web_port}/_sandbox"


def _client_group(name: str, help_text: str) -> click.Group:
    """A command group whose commands call the control API of a running sandbox."""
    @main.group(name, help=help_text)
    @click.option("--control", envvar="DIP_SANDBOX_CONTROL_URL", default=None,
                  help="control API URL (default: from the settings' web listener)")
    @click.option("--endpoints-file", type=click.Path(path_type=Path), default=None,
                  help="read the control URL from a file written by serve --endpoints-file")
    @click.option("--token", envvar="DIP_SANDBOX_CONTROL_TOKEN", default=None, help="control API bearer token")
    @click.pass_context
    def group(ctx, control, endpoints_file, token):
        ctx.obj = Control(_control_url(control, endpoints_file), token)
    return group


def _print(response) -> None:
    if response.status_code == 204:
        return
    if response.headers.get("Content-Type", "").startswith("application/json"):
        click.echo(json.dumps(response.json(), indent=2))
    else:
        click.echo(response.text, nl=False)


def _client_command(group, name, help_text, method, path_fn, body_fn=None, params_fn=None):
    """Make a command of `group` that calls the control API; arguments come from the decorators."""
    def decorate(func):
        @group.command(name, help=help_text)
        @click.pass_obj
        def command(control: Control, **kwargs):
            response = control.call(method, path_fn(**kwargs),
                                    json=body_fn(**kwargs) if body_fn else None,
                                    params=params_fn(**kwargs) if params_fn else None)
            _print(response)
        command.params.extend(getattr(func, "__click_params__", [])[::-1])
        return command
    return decorate


clock = _client_group("clock", "The sandbox clock.")


@_client_command(clock, "now", "Show sandbox time, mode and factor.", "GET", lambda: "/clock")
def _clock_now():
    pass


@_client_command(clock, "advance", "Advance by a duration (72h, 1d2h, 30m, or seconds); due jobs run.",
                 "POST", lambda duration: "/clock/advance", lambda duration: {"seconds": duration})
@click.argument("duration")
def _clock_advance():
    pass


@_client_command(clock, "set", "Set to a later ISO-8601 time.", "POST", lambda time: "/clock/set",
                 lambda time: {"now": time})
@click.argument("time")
def _clock_set():
    pass


@_client_command(clock, "mode", "Switch mode: real, scaled or manual.", "POST", lambda mode, factor: "/clock/mode",
                 lambda mode, factor: {"mode": mode, **({"factor": factor} if factor else {})})
@click.argument("mode", type=click.Choice(["real", "scaled", "manual"]))
@click.option("--factor", type=float, default=None, help="sandbox seconds per real second (scaled mode)")
def _clock_mode():
    pass


@_client_command(clock, "profile", "Show the timing profile: every wait in sandbox seconds.", "GET",
                 lambda: "/profile")
def _clock_profile():
    pass


@_client_command(clock, "jobs", "List the pending jobs (what the sandbox is waiting for) and the failed ones.",
                 "GET", lambda: "/jobs")
def _clock_jobs():
    pass


@_client_command(clock, "retry", "Run a failed job again, now (its ID from `clock jobs`).", "POST",
                 lambda job_id: f"/jobs/{job_id}/retry")
@click.argument("job_id", type=int)
def _clock_retry():
    pass


dns = _client_group("dns", "The sandbox DNS zones.")


@_client_command(dns, "list", "List records.", "GET", lambda name, rtype: "/dns/records",
                 params_fn=lambda name, rtype: {k: v for k, v in (("name", name), ("type", rtype)) if v})
@click.option("--name", default=None)
@click.option("--type", "rtype", default=None)
def _dns_list():
    pass


@_client_command(dns, "add", "Add a record (TXT, A, AAAA or CNAME).", "POST",
                 lambda name, rtype, value, ttl: "/dns/records",
                 lambda name, rtype, value, ttl: {"name": name, "type": rtype, "value": value, "ttl": ttl})
@click.argument("name")
@click.argument("rtype", metavar="TYPE")
@click.argument("value")
@click.option("--ttl", type=int, default=300)
def _dns_add():
    pass


@_client_command(dns, "set-txt", "Add a TXT record.", "POST", lambda name, value: "/dns/records",
                 lambda name, value: {"name": name, "type": "TXT", "value": value})
@click.argument("name")
@click.argument("value")
def _dns_set_txt():
    pass


@_client_command(dns, "delete", "Remove a record by id.", "DELETE", lambda record_id: f"/dns/records/{record_id}")
@click.argument("record_id")
def _dns_delete():
    pass


@_client_command(dns, "servfail", "Answer SERVFAIL for a name.", "POST", lambda name: "/dns/servfail",
                 lambda name: {"name": name})
@click.argument("name")
def _dns_servfail():
    pass


@_client_command(dns, "unservfail", "Answer normally again for a name.", "DELETE",
                 lambda name: f"/dns/servfail/{name}")
@click.argument("name")
def _dns_unservfail():
    pass


mail = _client_group("mail", "The outbox of emails.")


@_client_command(mail, "list", "List emails, oldest first.", "GET", lambda to, subject, since: "/mail",
                 params_fn=lambda to, subject, since: {k: v for k, v in
                                                       (("to", to), ("subject", subject), ("since", since)) if v})
@click.option("--to", default=None)
@click.option("--subject", default=None, help="text the subject contains")
@click.option("--since", default=None, help="sandbox time, ISO-8601")
def _mail_list():
    pass


@_client_command(mail, "show", "Show one email.", "GET", lambda email_id: f"/mail/{email_id}")
@click.argument("email_id")
def _mail_show():
    pass


@_client_command(mail, "clear", "Empty the outbox.", "DELETE", lambda: "/mail")
def _mail_clear():
    pass


snapshot = _client_group("snapshot", "Snapshots of the whole state.")


@_client_command(snapshot, "save", "Save a snapshot.", "POST", lambda name: "/snapshots", lambda name: {"name": name})
@click.argument("name")
def _snapshot_save():
    pass


@_client_command(snapshot, "list", "List snapshots.", "GET", lambda: "/snapshots")
def _snapshot_list():
    pass


@_client_command(snapshot, "restore", "Restore a snapshot.", "POST", lambda name: f"/snapshots/{name}/restore")
@click.argument("name")
def _snapshot_restore():
    pass


@_client_command(snapshot, "delete", "Delete a snapshot.", "DELETE", lambda name: f"/snapshots/{name}")
@click.argument("name")
def _snapshot_delete():
    pass


ca = _client_group("ca", "The sandbox CA certificates (PEM).")


for _which in ("bundle", "roots", "intermediates"):
    _client_command(ca, _which, f"Print the CA {_which} (PEM).", "GET", lambda _w=_which: f"/ca/{_w}")(lambda: None)


state = _client_group("state", "Sandbox state: health, endpoints, journal, reset.")


@_client_command(state, "health", "Is the sandbox up?", "GET", lambda: "/health")
def _state_health():
    pass


@_client_command(state, "endpoints", "Every listener's address.", "GET", lambda: "/endpoints")
def _state_endpoints():
    pass


@_client_command(state, "journal", "Requests to every listener, newest first.", "GET",
                 lambda listener, page, per_page: "/journal",
                 params_fn=lambda listener, page, per_page: {k: v for k, v in (
                     ("listener", listener), ("page", page), ("per_page", per_page)) if v})
@click.option("--listener", default=None, help="web, atlas, dip_uit, dip_prod or dns")
@click.option("--page", type=int, default=None)
@click.option("--per-page", type=int, default=None)
def _state_journal():
    pass


@_client_command(state, "reset", "Empty state (keeps the CA material unless --ca).", "POST",
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


scenario_group = _client_group("scenario", "Named scenarios: a known state in one call.")


@_client_command(scenario_group, "list", "List the scenarios and the one loaded.", "GET", lambda: "/scenarios")
def _scenario_list():
    pass


@_client_command(scenario_group, "load", "Replace the state with scenario NAME and print what it made (API keys, "
                 "certificates, keys).", "POST", lambda name: f"/scenarios/{name}")
@click.argument("name")
def _scenario_load():
    pass


@_client_command(scenario_group, "show", "Print what the loaded scenario made.", "GET", lambda: "/scenario")
def _scenario_show():
    pass


atlas = _client_group("atlas", "The simulated GlobalSign Atlas.")


@atlas.group("accounts", help="Atlas accounts.")
def atlas_accounts():
    pass


@_client_command(atlas_accounts, "create", "An account that has completed the journey, with credentials and a "
                 "client certificate.", "POST", lambda company, email: "/atlas/accounts",
                 lambda company, email: {k: v for k, v in (("company_name", company), ("email", email)) if v})
@click.option("--company", default=None, help="company name (default: Sandbox Energy Supply Limited)")
@click.option("--email", default=None, help="Certificate Admin's email")
def _atlas_accounts_create():
    pass


@_client_command(atlas_accounts, "list", "Accounts with their journey state.", "GET", lambda: "/atlas/accounts")
def _atlas_accounts_list():
    pass


@atlas.group("vetting", help="Choose an account's vetting outcome, or complete vetting now.")
def atlas_vetting():
    pass


for _outcome in ("approve", "reject", "postal-challenge", "auto"):
    _client_command(atlas_vetting, _outcome, f"Vetting of ACCOUNT ends with: {_outcome}.", "POST",
                    lambda account, reason: f"/atlas/accounts/{account}/vetting",
                    lambda account, reason, _o=_outcome: {"outcome": _o, **({"reason": reason} if reason else {})})(
        click.option("--reason", default=None, help="reason given in the rejection email")(
            click.argument("account")(lambda: None)))


@_client_command(atlas_vetting, "complete-now", "Vetting of ACCOUNT completes now (no clock change).", "POST",
                 lambda account: f"/atlas/accounts/{account}/complete-now", lambda account: {"wait": "vetting"})
@click.argument("account")
def _atlas_vetting_complete_now():
    pass


@_client_command(atlas, "expire-tokens", "End every HVCA access token now: clients must log in again.", "POST",
                 lambda: "/atlas/tokens/expire")
def _atlas_expire_tokens():
    pass


@_client_command(atlas, "complete-now", "Every pending wait of ACCOUNT (or --wait NAME) completes now.", "POST",
                 lambda account, wait: f"/atlas/accounts/{account}/complete-now",
                 lambda account, wait: {"wait": wait} if wait else {})
@click.argument("account")
@click.option("--wait", default=None, help="one wait: registration_emails, vetting, credentials_binding, ...")
def _atlas_complete_now():
    pass


dip_group = _client_group("dip", "The simulated DIP.")


@_client_command(dip_group, "demo", "Load the demo organisations and central services into an environment.",
                 "POST", lambda env: f"/dip/{env}/demo")
@click.option("--env", type=click.Choice(["uit", "prod"]), default="uit", show_default=True)
def _dip_demo():
    pass


def _onboard_body(env, company, role, webhook, dcp):
    hooks = {}
    for entry in webhook:
        channel, sep, url = entry.partition("=")
        if not sep:
            raise click.BadParameter(f"{entry!r} is INTERFACE=URL, e.g. IF-041=https://127.0.0.1:9443/hook",
                                     param_hint="--webhook")
        hooks[channel] = url
    return {**({"company_name": company} if company else {}), "dip_ids": [{"role_code": r} for r in role or ["SUP"]],
            "webhooks": hooks, "dcp": dcp}


@_client_command(dip_group, "onboard", "A fully onboarded organisation in one call: DIP IDs, API keys, an mTLS & "
                 "Signing certificate with its key and PFX, webhooks.", "POST",
                 lambda env, company, role, webhook, dcp: f"/dip/{env}/organisations", _onboard_body)
@click.option("--env", type=click.Choice(["uit", "prod"]), default="uit", show_default=True)
@click.option("--company", default=None, help="company name (default: generated)")
@click.option("--role", multiple=True, help="a DIP ID of this role code (repeatable; default SUP)")
@click.option("--webhook", multiple=True, help="INTERFACE=URL webhook for every DIP ID (repeatable)")
@click.option("--dcp", is_flag=True, help="an approved DIP Connection Provider with a DCP ID")
def _dip_onboard():
    pass


register_certificate_commands(dip_group, _client_command)
register_counterpart_commands(dip_group, _client_command)
register_client_commands(main)
register_wait_command(main)


if __name__ == "__main__":  # pragma: no cover
    main(prog_name=os.path.basename(sys.argv[0]))
