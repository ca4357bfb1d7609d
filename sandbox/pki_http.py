"""CRLs, OCSP and CA certificates on the web listener (`/pki`), as issued certificates point to them."""
from __future__ import annotations

import base64
from urllib.parse import unquote

from cryptography.hazmat.primitives.serialization import Encoding
from flask import Blueprint, Response, request

from sandbox.kernel.errors import NotFound
from sandbox.kernel.flask_apps import app_sandbox

_MAX_OCSP_REQUEST = 64 * 1024


def _cas():
    return app_sandbox().cas


def _plain_error(status: int, text: str) -> Response:
    return Response(text + "\n", status=status, mimetype="text/plain")


def pki_blueprint() -> Blueprint:
    bp = Blueprint("pki", __name__)

    @bp.errorhandler(NotFound)
    def not_found(exc: NotFound):
        return _plain_error(404, exc.message)

    @bp.get("/crl/<name>.crl")
    def crl(name: str):
        return Response(_cas().crl(name), mimetype="application/pkix-crl")

    @bp.get("/ca/<name>.cer")
    def ca_certificate(name: str):
        return Response(_cas().authority(name).cert.public_bytes(Encoding.DER), mimetype="application/pkix-cert")

    @bp.get("/ca/<name>.pem")
    def ca_certificate_pem(name: str):
        return Response(_cas().authority(name).pem, mimetype="application/x-pem-file")

    @bp.post("/ocsp/<name>")
    @bp.post("/ocsp")
    def ocsp_post(name: str | None = None):
        if name:
            _cas().authority(name)
        if request.content_length and request.content_length > _MAX_OCSP_REQUEST:
            return _plain_error(413, "an OCSP request is at most 64 KiB")
        return Response(_cas().ocsp(request.get_data()), mimetype="application/ocsp-response")

    @bp.get("/ocsp/<name>/<path:encoded>")
    def ocsp_get(name: str, encoded: str):
        _cas().authority(name)
        try:
            der = base64.b64decode(unquote(encoded), validate=False)
        except ValueError:
            der = b""
        return Response(_cas().ocsp(der), mimetype="application/ocsp-response")

    return bp
