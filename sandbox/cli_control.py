"""How `dip-sandbox` commands call a running sandbox's control API: where it is (--control, --endpoints-file or
the settings), its token, a group of such commands and one command per control API call."""
from __future__ import annotations

import json
from pathlib import Path

import click

from sandbox.kernel.settings import load_settings


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


def control_url(control: str | None, endpoints_file: Path | None) -> str:
    if control:
        return control
    if endpoints_file:
        try:
            return json.loads(Path(endpoints_file).read_text())["control"]
        except (OSError, ValueError, KeyError) as exc:
            raise click.ClickException(f"cannot read the control URL from {endpoints_file}: {exc}") from None
    settings = load_settings()
    return f"http://{settings.web_host}:{settings.web_port}/_sandbox"


def client_group(main: click.Group, name: str, help_text: str) -> click.Group:
    """A command group of `main` whose commands call the control API of a running sandbox."""
    @main.group(name, help=help_text)
    @click.option("--control", envvar="DIP_SANDBOX_CONTROL_URL", default=None,
                  help="control API URL (default: from the settings' web listener)")
    @click.option("--endpoints-file", type=click.Path(path_type=Path), default=None,
                  help="read the control URL from a file written by serve --endpoints-file")
    @click.option("--token", envvar="DIP_SANDBOX_CONTROL_TOKEN", default=None, help="control API bearer token")
    @click.pass_context
    def group(ctx, control, endpoints_file, token):
        ctx.obj = Control(control_url(control, endpoints_file), token)
    return group


def print_response(response) -> None:
    if response.status_code == 204:
        return
    if response.headers.get("Content-Type", "").startswith("application/json"):
        click.echo(json.dumps(response.json(), indent=2))
    else:
        click.echo(response.text, nl=False)


def control_command(group, name, help_text, method, path_fn, body_fn=None, params_fn=None):
    """Make a command of `group` that calls the control API; arguments come from the decorators."""
    def decorate(func):
        @group.command(name, help=help_text)
        @click.pass_obj
        def command(control: Control, **kwargs):
            response = control.call(method, path_fn(**kwargs),
                                    json=body_fn(**kwargs) if body_fn else None,
                                    params=params_fn(**kwargs) if params_fn else None)
            print_response(response)
        command.params.extend(getattr(func, "__click_params__", [])[::-1])
        return command
    return decorate
