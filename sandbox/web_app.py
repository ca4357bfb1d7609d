"""Composition: the web listener's app (portals and their pages, console, control API and its docs, CRL/OCSP/CA
certificates, the outbox).

Its modules (pages, forms, the portal and control APIs, their OpenAPI documents) are imported here and nowhere
on the way to a start: `SandboxServer` builds this app on the web listener's first request (server.LazyApp)."""
from __future__ import annotations

import re

from flask import Flask, render_template, request
from werkzeug.exceptions import BadRequest as BadRequestHttp, Forbidden as ForbiddenHttp, HTTPException

from mock_atlas.control import add_control_routes as add_atlas_control_routes
from mock_atlas.portal_api import links_blueprint as atlas_links_blueprint, portal_blueprint as atlas_portal_blueprint
from mock_atlas.portal_openapi import (SCHEMAS as ATLAS_SCHEMAS, control_paths as atlas_control_paths,
                                       openapi_document as atlas_portal_document)
from mock_atlas.web import pages_blueprint as atlas_pages_blueprint
from mock_dip.control import add_control_routes as add_dip_control_routes
from mock_dip.inbox_endpoint import inbox_blueprint
from mock_dip.portal_api import portal_blueprint as dip_portal_blueprint
from mock_dip.portal_openapi import CONTROL_PATHS as DIP_CONTROL_PATHS, openapi_document as dip_portal_document
from mock_dip.web import pages_blueprint as dip_pages_blueprint
from sandbox.api_docs import docs_blueprint
from sandbox.app import VERSION, Sandbox
from sandbox.kernel.body_schemas import validate_bodies
from sandbox.console import console_blueprint
from sandbox.control_api import CONSOLE_SESSIONS, ConsoleSessions, control_blueprint
from sandbox.control_openapi import openapi_document as control_document
from sandbox.kernel.cross_origin import cross_origin_problem
from sandbox.kernel.errors import DomainError
from sandbox.kernel.flask_apps import SANDBOX_EXTENSION, SandboxFlask
from sandbox.kernel.http_framing import repeated_credentials
from sandbox.kernel.json_api import domain_error_body, error_body, error_headers, http_error_response
from sandbox.kernel.openapi_builder import INT, json_response, obj, operation
from sandbox.pki_http import pki_blueprint
from sandbox.kernel.web_pages import error_page, setup_pages

# Where an address that matched no route answers in the JSON error shape (sandbox.kernel.json_api): under a machine
# interface, segment by segment (/atlas/api/x is the portal API's, /atlas/api-credentials/x a wrong page).
JSON_API_PATH = re.compile(r"^(/_sandbox|/atlas/api|/atlas/hvca|/pki|/inbox|/dip/[^/]+/api)(/|$)")

SESSION_PATHS = {"/sessions/expire": {"post": operation(
    "End every portal sign-in (Atlas and both DIP portals) now: they last 12 hours of real time, whatever the "
    "sandbox clock does, so a clock jump signs nobody out", {"200": json_response(obj({"expired": INT}))},
    tag="State")}}



def create_web_app(sandbox: Sandbox) -> Flask:
    """The web listener: control API and its docs, CRL/OCSP/CA certificates (portals come later)."""
    app = SandboxFlask("dip_sandbox_web")
    app.extensions[SANDBOX_EXTENSION] = sandbox
    app.json.sort_keys = False
    control = control_blueprint()
    add_atlas_control_routes(control)
    add_dip_control_routes(control)

    @control.post("/sessions/expire")
    def expire_sessions():
        """Every portal sign-in ends now: sessions last 12 h of real time, whatever the sandbox clock does."""
        # both DIP environments keep their sessions in one table (dip_sessions): one call ends them all
        expired = sandbox.atlas.users.sessions.expire_all() + sandbox.dip["uit"].identity.sessions.expire_all()
        return {"expired": expired}
    # machine interfaces (bearer tokens, SameSite cookies, OCSP POSTs): not the pages' CSRF-protected forms
    control_paths = {**atlas_control_paths(), **DIP_CONTROL_PATHS, **SESSION_PATHS}
    atlas_portal, dip_portal = atlas_portal_blueprint(), dip_portal_blueprint()
    for blueprint, document, prefix in (
            (control, lambda: control_document(control_paths, ATLAS_SCHEMAS), "/_sandbox"),
            (atlas_portal, atlas_portal_document, "/atlas/api"),
            (dip_portal, lambda: dip_portal_document("uit"), "/dip/<environment>/api")):
        validate_bodies(blueprint, document, prefix)  # each body against the schema its document shows
    interfaces = [(control, "/_sandbox"), (atlas_portal, "/atlas/api"), (atlas_links_blueprint(), "/atlas"),
                  (dip_portal, "/dip/<environment>/api"), (pki_blueprint(), "/pki"),
                  (docs_blueprint(control_paths, ATLAS_SCHEMAS), "/_sandbox"), (inbox_blueprint(), "/inbox")]
    setup_pages(app, sandbox.web_secret_key(), [blueprint for blueprint, _ in interfaces],
                sandbox.store.changes if sandbox.settings.live_pages else None)
    for blueprint, prefix in interfaces:
        app.register_blueprint(blueprint, url_prefix=prefix)
    json_interfaces = {blueprint.name for blueprint, _ in interfaces}
    app.extensions[CONSOLE_SESSIONS] = ConsoleSessions()
    app.register_blueprint(dip_pages_blueprint(), url_prefix="/dip/<environment>")
    app.register_blueprint(console_blueprint(), url_prefix="/console")
    app.register_blueprint(atlas_pages_blueprint(), url_prefix="/atlas")

    @app.before_request
    def request_guards():
        """Repeated credential headers anywhere; forged cross-site calls on the JSON interfaces."""
        repeated = repeated_credentials(request.environ)
        if repeated:
            raise BadRequestHttp(repeated)
        if request.blueprint in json_interfaces:
            problem = cross_origin_problem(request.method, request.headers, request.host_url,
                                           bool(request.cookies))
            if problem:
                raise ForbiddenHttp(problem)

    def for_a_script() -> bool:
        """The one decision of the web listener's error shape: JSON for the machine interfaces (by the blueprint
        that answered, or by the path of an address that matched no route); a page for everything else, including
        a wrong address under the Atlas or DIP pages."""
        if request.blueprint:
            return request.blueprint in json_interfaces
        return bool(JSON_API_PATH.match(request.path))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if for_a_script():
            return http_error_response(exc)
        return error_page(exc.name, exc.description or exc.name, exc.code or 500, error_headers(exc))

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        """A domain refusal a page did not catch itself: still the API's shape or a page, never a 500."""
        if for_a_script():
            return domain_error_body(exc), exc.status
        return error_page("Not available", exc.message, exc.status)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("unexpected error")
        message = "internal error in the sandbox; the sandbox log has the details"
        if for_a_script():
            return error_body(500, "internal_error", message), 500
        return error_page("Something went wrong", message[0].upper() + message[1:] + ".", 500)

    @app.get("/")
    def index():
        """A person (a browser) gets the landing page with links to everything; a script gets JSON."""
        if request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html":
            return render_template("landing.html", title="dip-sandbox", endpoints=sandbox.endpoints)
        return {"name": "dip-sandbox", "version": VERSION, "control": "/_sandbox", "console": "/console/",
                "docs": "/_sandbox/docs", "openapi": "/_sandbox/openapi.json", "endpoints": sandbox.endpoints}

    return app
