"""The `dip-sandbox` command: `serve` and `config` here; the control API's operations against a running sandbox
in cli_state and cli_services (over cli_control), the message client in cli_client, `wait` in cli_wait."""
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
from sandbox.cli_services import register_service_commands
from sandbox.cli_state import register_state_commands
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


register_state_commands(main)
register_service_commands(main)
register_client_commands(main)
register_wait_command(main)


if __name__ == "__main__":  # pragma: no cover
    main(prog_name=os.path.basename(sys.argv[0]))
