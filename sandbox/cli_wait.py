"""`dip-sandbox wait`: block until a sandbox started with --endpoints-file answers (for scripts and CI)."""
from __future__ import annotations

import json
from pathlib import Path

import click


def register(main: click.Group) -> None:
    @main.command(help="Wait until a sandbox started with --endpoints-file answers (for scripts and CI).")
    @click.option("--endpoints-file", type=click.Path(path_type=Path), required=True,
                  help="the file `serve --endpoints-file` writes once every listener accepts")
    @click.option("--timeout", type=float, default=30.0, show_default=True, help="seconds to wait")
    def wait(endpoints_file: Path, timeout: float):
        import time

        import requests
        deadline = time.monotonic() + timeout
        problem = f"{endpoints_file} does not exist yet"
        while time.monotonic() < deadline:
            try:
                endpoints = json.loads(Path(endpoints_file).read_text())
                health = requests.get(endpoints["control"] + "/health", timeout=2)
                if health.status_code == 200:
                    click.echo(json.dumps(endpoints, indent=2))
                    return
                problem = f"{endpoints['control']}/health answered {health.status_code}"
            except FileNotFoundError:
                problem = f"{endpoints_file} does not exist yet"
            except (ValueError, KeyError):
                problem = f"{endpoints_file} is not (yet) a complete endpoints file"
            except requests.RequestException as exc:
                problem = f"the sandbox does not answer: {exc}"
            time.sleep(0.1)
        raise click.ClickException(f"the sandbox was not ready within {timeout:g} s: {problem}")
