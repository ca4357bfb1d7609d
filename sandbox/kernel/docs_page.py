"""An API's documentation page that works offline: Swagger UI from the swagger-ui-bundle package.

Why: the assets come with a pip package (no CDN), and Swagger UI renders any OpenAPI document, so the control
API, the Atlas portal API and the DIP portal API each publish theirs with this one page.
"""
from __future__ import annotations

from html import escape

from flask import Response

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
