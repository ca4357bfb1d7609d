"""The control API's documentation: its OpenAPI document and the offline Swagger UI page (sandbox.kernel.docs_page)
with its assets, under the control API's access rule."""
from __future__ import annotations

from flask import Blueprint, send_from_directory
from swagger_ui_bundle import swagger_ui_path

from sandbox.control_api import request_access_problem
from sandbox.control_openapi import openapi_document
from sandbox.kernel.docs_page import docs_page


def docs_blueprint(extra_paths: dict | None = None, extra_schemas: dict | None = None) -> Blueprint:
    bp = Blueprint("control_docs", __name__)

    @bp.before_request
    def guard():
        """The control API's rule: loopback unless control_allow_remote, and the token (or a console session
        that entered it) when one is set."""
        problem = request_access_problem()
        if problem is not None:
            raise problem

    @bp.get("/openapi.json")
    def openapi():
        return openapi_document(extra_paths, extra_schemas)

    @bp.get("/docs")
    def docs():
        return docs_page("dip-sandbox control API", "/_sandbox/openapi.json", "/_sandbox/docs/assets")

    @bp.get("/docs/assets/<path:filename>")
    def assets(filename: str):
        return send_from_directory(swagger_ui_path, filename)

    return bp
