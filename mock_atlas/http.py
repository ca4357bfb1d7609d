"""The Atlas API listener (HVCA v2): mutual TLS with an Atlas client certificate, errors in
`application/problem+json` `{"description": ...}` — the one error mapping of this API."""
from __future__ import annotations

from flask import Flask, Response, g, json, request
from werkzeug.exceptions import HTTPException

from mock_atlas.hvca_api import hvca_blueprint
from mock_atlas.service import API_NAME, CLIENT_CA
from mock_ca import CertificateAuthorities
from sandbox.kernel.errors import BadRequest, DomainError
from sandbox.kernel.http_framing import repeated_credentials
from sandbox.kernel.json_api import error_headers
from sandbox.kernel.flask_apps import SandboxFlask
from sandbox.kernel.http_server import CLIENT_CHAIN_KEY, CLIENT_IDENTITY_KEY

PROBLEM = "application/problem+json;charset=utf-8"


def problem(status: int, description: str, errors: dict | None = None, problem_id: str | None = None,
            retry_after: str | None = None) -> Response:
    body = {"description": description}
    if problem_id:
        body["id"] = problem_id
    if errors:
        body["errors"] = errors
    headers = {"Retry-After": retry_after} if retry_after else {}
    return Response(json.dumps(body), status=status, content_type=PROBLEM, headers=headers)


class _OneTrailingSlash:
    """Every HVCA path answers the same with or without one trailing slash (a production CA plugin calls
    `login/`, `certificates/`, `validationpolicy/`): the slash is dropped before routing."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/v2/") and path.endswith("/") and not path.endswith("//"):
            environ["PATH_INFO"] = path[:-1]
        return self.wsgi_app(environ, start_response)


def create_atlas_api_app(cas: CertificateAuthorities, atlas) -> Flask:
    app = SandboxFlask("dip_sandbox_atlas_api")
    app.json.sort_keys = False
    app.config["ATLAS"] = atlas
    app.register_blueprint(hvca_blueprint(), url_prefix="/v2")
    app.wsgi_app = _OneTrailingSlash(app.wsgi_app)

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        errors = exc.details.get("errors") or ({exc.field: exc.message} if exc.field else None)
        return problem(exc.status, exc.message, errors, exc.details.get("id"), exc.details.get("retry_after"))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if exc.code == 404:
            return problem(404, "Not found")
        if exc.code == 405:
            answer = problem(405, f"Method Not Allowed: {request.method} is not an operation of {request.path}")
            answer.headers.update(error_headers(exc))
            return answer
        return problem(exc.code or 500, exc.description or exc.name)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("unexpected error")
        return problem(500, "internal error in the sandbox; the sandbox log has the details")

    @app.before_request
    def client_certificate():
        identity = cas.judge_client(request.environ.get(CLIENT_CHAIN_KEY, []), [CLIENT_CA], API_NAME)
        g.client_identity = identity
        request.environ[CLIENT_IDENTITY_KEY] = f"CN={identity.common_name} serial={identity.serial}"
        repeated = repeated_credentials(request.environ)
        if repeated:
            raise BadRequest(repeated)

    @app.get("/_sandbox/whoami")
    def whoami():
        """Sandbox diagnostic: the client certificate this connection presented, as the sandbox judged it."""
        return g.client_identity.describe()

    return app
