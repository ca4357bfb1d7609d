"""The control API's CA material: the bundle, roots and intermediates as PEM, and server certificates from the
sandbox TLS root (which the DIP trusts) for a participant's own HTTPS webhook."""
from __future__ import annotations

import re

from flask import Blueprint, Response

from sandbox.kernel.errors import BadRequest
from sandbox.kernel.flask_apps import app_sandbox
from sandbox.kernel.json_api import json_body


def _pem(text: str) -> Response:
    return Response(text, mimetype="application/x-pem-file")


def add_pki_routes(bp: Blueprint) -> None:
    # -- CA material -----------------------------------------------------------------------------
    @bp.get("/ca/bundle")
    def ca_bundle():
        return _pem(app_sandbox().cas.bundle_path.read_text())

    @bp.get("/ca/roots")
    def ca_roots():
        return _pem("".join(a.pem for a in app_sandbox().cas.roots()))

    @bp.get("/ca/intermediates")
    def ca_intermediates():
        return _pem("".join(a.pem for a in app_sandbox().cas.intermediates()))

    @bp.post("/tls/server-certificates")
    def tls_server_certificate():
        """A server certificate from the sandbox TLS root, which the DIP trusts for HTTPS webhooks."""
        names = json_body().get("names") or ["localhost", "127.0.0.1"]
        if not isinstance(names, list) or not all(isinstance(n, str) and re.fullmatch(r"[A-Za-z0-9.:*-]{1,253}", n)
                                                  for n in names):
            raise BadRequest("names is a list of DNS names or IP addresses", field="names")
        cert_pem, key_pem = app_sandbox().cas.new_server_certificate(names)
        return {"certificate_pem": cert_pem, "key_pem": key_pem, "names": names}, 201
