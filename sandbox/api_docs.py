"""API documentation pages that work offline: Swagger UI from the swagger-ui-bundle package.

Why: the assets come with a pip package (no CDN), and Swagger UI renders any OpenAPI document, so the
Atlas and DIP portal APIs can reuse this page when they publish theirs.
"""
from __future__ import annotations

from html import escape

from flask import Blueprint, Response, send_from_directory
from swagger_ui_bundle import swagger_ui_path

from sandbox.control_api import request_access_problem
from sandbox.control_openapi import openapi_document
from sandbox.json_api import register_json_errors

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<link rel="stylesheet" href="{assets}/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({{url: "{spec}", dom_id: "#swagger-ui"}});</script>
</body></html>
"""


def docs_page(title: str, spec_url: str, assets_url: str) -> Response:
    return Response(_PAGE.format(title=escape(title), spec=escape(spec_url), assets=escape(assets_url)),
                    mimetype="text/html")


def docs_blueprint(extra_paths: dict | None = None, extra_schemas: dict | None = None) -> Blueprint:
    bp = Blueprint("control_docs", __name__)
    register_json_errors(bp)

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
