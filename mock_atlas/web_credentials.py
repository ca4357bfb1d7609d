"""The Atlas pages of API access: the API credentials wizard (View and Copy: the secret shown once, with the CSV
download and the warning) and Generate mTLS Certificates."""
from __future__ import annotations

import base64

from flask import Blueprint, g, request

from mock_atlas.atlas_pages import account_id, page
from mock_atlas.portal_requests import atlas_of_app
from sandbox.kernel.errors import DomainError
from sandbox.kernel.web_pages import form_errors


def add_credential_pages(bp: Blueprint) -> None:
    # -- API credentials and the mTLS certificate ----------------------------------------------------
    def credentials_context():
        atlas = atlas_of_app()
        return {"title": "API Credentials", "current": "api_credentials",
                "credentials": atlas.credentials.list(account_id()),
                "services": atlas.credentials.services(account_id())}

    @bp.route("/api-credentials", methods=["GET", "POST"])
    def api_credentials():
        """The guide's wizard: how to receive them (View and Copy, or an encrypted file), the service, a familiar
        name; then the key and secret, shown once. The first steps are GETs (the address shows the step)."""
        source = request.form if request.method == "POST" else request.args
        values = {"method": source.get("method") or "", "service_id": source.get("service_id") or "",
                  "familiar_name": source.get("familiar_name", ""), "public_key": source.get("public_key", "")}
        step = 1 if not values["method"] else (2 if not values["service_id"] else 3)
        if request.method == "GET":
            return page("api_credentials.html", errors={}, values=values, step=step, **credentials_context())
        payload = {"method": values["method"], "service_id": values["service_id"] or None,
                   "familiar_name": values["familiar_name"]}
        if values["method"] == "encrypted_file":
            payload["public_key"] = values["public_key"]
        try:
            created = atlas_of_app().credentials.generate(g.atlas_page_user, payload)
        except DomainError as exc:
            return page("api_credentials.html", errors=form_errors(exc), values=values, step=3,
                        **credentials_context()), exc.status
        download = base64.b64encode(created["csv"].encode()).decode() if "csv" in created else \
            created["encrypted_file_base64"]
        return page("api_credentials.html", errors={}, values={}, step=4, created=created, download=download,
                    **credentials_context())

    def certificates_context():
        atlas = atlas_of_app()
        return {"title": "Generate mTLS Certificates", "current": "mtls_certificates",
                "credentials": atlas.credentials.list(account_id()),
                "certificates": atlas.credentials.client_certificates(account_id())}

    @bp.route("/mtls-certificates", methods=["GET", "POST"])
    def mtls_certificates():
        if request.method == "GET":
            return page("mtls_certificates.html", errors={}, values={}, **certificates_context())
        payload = {"familiar_name": request.form.get("familiar_name", ""), "csr": request.form.get("csr", "")}
        try:
            issued = atlas_of_app().credentials.generate_client_certificate(g.atlas_page_user, payload)
        except DomainError as exc:
            return page("mtls_certificates.html", errors=form_errors(exc), values=payload,
                        **certificates_context()), exc.status
        return page("mtls_certificates.html", errors={}, values={}, issued=issued, **certificates_context())
