"""`dip-sandbox client send` and `dip-sandbox client receive`: a DIP message client and a webhook, for demos and
for testing webhooks. `send` signs a JSON file of messages by the DIP scheme and posts it over mutual TLS;
`receive` serves a webhook that checks the DIP's signature on every delivery and prints what arrives."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from sandbox.kernel.clock import real_now

# What each command needs (requests, signing, a webhook server) is imported in that command: `dip-sandbox serve`
# imports this module to register the commands, and starts faster without them.

DEFAULT_ENDPOINTS = {"uit": "https://127.0.0.1:8702", "prod": "https://127.0.0.1:8703"}


def _endpoints(endpoints_file: Path | None) -> dict:
    if not endpoints_file:
        return {}
    try:
        return json.loads(Path(endpoints_file).read_text())
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"cannot read {endpoints_file}: {exc}") from None


def _load_key(path: str):
    from cryptography.hazmat.primitives.serialization import load_pem_private_key
    try:
        return load_pem_private_key(Path(path).read_bytes(), None)
    except (OSError, ValueError, TypeError) as exc:
        raise click.ClickException(f"cannot read the private key {path}: {exc}") from None


def register(main: click.Group) -> None:
    @main.group("client", help="A DIP message client and webhook (signs and checks by the DIP scheme).")
    def client():
        pass

    @client.command("send", help="Sign FILE (a JSON array of messages, or one message) and send it on an interface.")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--env", type=click.Choice(["uit", "prod"]), default="uit", show_default=True)
    @click.option("--interface", required=True, help="the channel, e.g. IF-041")
    @click.option("--api-key", required=True, envvar="DIP_SANDBOX_API_KEY", help="the sender DIP ID's API key")
    @click.option("--cert", required=True, help="mTLS certificate (PEM)")
    @click.option("--key", "key_file", required=True, help="its private key (PEM)")
    @click.option("--signing-cert", default=None, help="signing certificate (default: --cert, an mTLS & Signing one)")
    @click.option("--signing-key", default=None, help="its private key (default: --key)")
    @click.option("--url", default=None, help="DIP API base URL (default: from --endpoints-file, else the default port)")
    @click.option("--endpoints-file", type=click.Path(path_type=Path), default=None,
                  help="file written by serve --endpoints-file (URL and CA bundle)")
    @click.option("--cacert", default=None, help="CA bundle for the DIP's server certificate")
    def send(file, env, interface, api_key, cert, key_file, signing_cert, signing_key, url, endpoints_file, cacert):
        import requests

        from mock_dip import message_signature
        endpoints = _endpoints(endpoints_file)
        base = url or endpoints.get("dip_api", {}).get(env) or DEFAULT_ENDPOINTS[env]
        try:
            messages = json.loads(file.read_text())
        except ValueError as exc:
            raise click.ClickException(f"{file} is not JSON: {exc}") from None
        body = json.dumps(messages if isinstance(messages, list) else [messages]).encode()
        target = f"{base.rstrip('/')}/dip-channel/{interface}"
        headers = message_signature.sign("POST", target, body, _load_key(signing_key or key_file),
                                         Path(signing_cert or cert).read_text(), real_now())
        try:
            response = requests.post(target, data=body, timeout=60, cert=(cert, key_file),
                                     verify=cacert or endpoints.get("ca_bundle") or True,
                                     headers={**headers, "Content-Type": "application/json", "X-API-Key": api_key})
        except requests.RequestException as exc:
            raise click.ClickException(f"could not reach {target}: {exc}") from None
        click.echo(f"{response.status_code} {response.reason}")
        try:
            click.echo(json.dumps(response.json(), indent=2))
        except ValueError:
            click.echo(response.text)
        if response.status_code >= 400:
            sys.exit(1)

    @client.command("receive", help="Serve a webhook that checks the DIP's signature and prints every delivery.")
    @click.option("--port", type=int, required=True, help="port to listen on (127.0.0.1)")
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--env", type=click.Choice(["uit", "prod"]), default="uit", show_default=True)
    @click.option("--tls-cert", default=None, help="serve HTTPS with this certificate (PEM) ...")
    @click.option("--tls-key", default=None, help="... and key")
    @click.option("--dip-certificate", default=None,
                  help="the DIP's signing certificate (PEM); default: fetched from the sandbox (--endpoints-file)")
    @click.option("--endpoints-file", type=click.Path(path_type=Path), default=None)
    @click.option("--skew", type=float, default=300.0, show_default=True, help="allowed signature date skew, s")
    @click.option("--count", type=int, default=0, help="stop after this many deliveries (0: run until Ctrl-C)")
    def receive(port, host, env, tls_cert, tls_key, dip_certificate, endpoints_file, skew, count):
        import ssl

        from mock_dip.delivery_check import answer, check_delivery, delivered_items
        from mock_dip.webhook_server import QuietHTTPServer, WebhookHandler
        trusted = _dip_signing_certificate(dip_certificate, _endpoints(endpoints_file), env)
        scheme = "https" if tls_cert else "http"
        state = {"received": 0}

        class Handler(WebhookHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                url = f"{scheme}://{self.headers.get('Host', f'{host}:{port}')}{self.path}"
                now = real_now()
                report = check_delivery(url, body, self.headers, trusted, now, skew)
                items = delivered_items(body)
                click.echo(f"--- {self.path}: {len(items)} item(s), signature "
                           f"{'valid' if report.ok else 'INVALID (' + str(report.failure) + '): ' + str(report.message)}")
                click.echo(json.dumps(items, indent=2))
                status, reply = answer(items, report, now)
                self.send_answer(status, reply)
                sys.stdout.flush()
                state["received"] += 1

        server = QuietHTTPServer((host, port), Handler)  # one delivery at a time: the output stays readable
        if tls_cert:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(tls_cert, tls_key)
            server.socket = context.wrap_socket(server.socket, server_side=True)
        click.echo(f"receiving on {scheme}://{host}:{server.server_address[1]}/ (Ctrl-C stops)")
        sys.stdout.flush()
        try:
            while not count or state["received"] < count:
                server.handle_request()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()


def _dip_signing_certificate(path: str | None, endpoints: dict, env: str) -> str | None:
    if path:
        return Path(path).read_text()
    web = endpoints.get("web")
    if not web:
        click.echo("no --dip-certificate and no --endpoints-file: checking signatures with the certificate each "
                   "delivery carries, without checking that it is the DIP's", err=True)
        return None
    import requests
    answer = requests.get(f"{web}/dip/{env}/api/dip-certificates", timeout=60).json()
    return next(c["certificate_pem"] for c in answer["dip_certificates"] if c["purpose"] == "signing")
