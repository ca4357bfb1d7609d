"""The DIP portal API's Certificates tab and the DIP's own certificates (mock_dip.certificate_onboarding,
own_certificates)."""
from __future__ import annotations

from flask import Blueprint, g, request

from mock_dip.portal_requests import environment_dip, pem_file
from sandbox.kernel.json_api import json_body


def add_certificate_routes(bp: Blueprint) -> None:
    @bp.get("/certificates/stages")
    def certificate_stages(environment: str):
        return environment_dip().certificate_onboarding.stages(g.dip_user)

    @bp.post("/certificates/registration/confirm")
    def confirm_registration(environment: str):
        return environment_dip().certificate_onboarding.confirm_registration(g.dip_user)

    @bp.get("/certificates/api-credentials")
    def api_credentials(environment: str):
        onboarding = environment_dip().certificate_onboarding
        organisation_id = onboarding.require(g.dip_user, "certificates.view")
        return {"api_credentials": onboarding.describe_credentials(onboarding.saved_credentials(organisation_id))}

    @bp.post("/certificates/api-credentials/validate")
    def validate_api_credentials(environment: str):
        if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
            upload = request.files.get("pfx")
            values = (request.form.get("api_key"), request.form.get("api_secret"), upload.read() if upload else None)
        else:
            body = json_body()
            values = (body.get("api_key"), body.get("api_secret"), body.get("pfx"))
        return environment_dip().certificate_onboarding.validate_credentials(g.dip_user, *values)

    @bp.post("/certificates/api-credentials")
    def save_api_credentials(environment: str):
        return environment_dip().certificate_onboarding.save_credentials(g.dip_user), 201

    @bp.get("/certificates/domains")
    def certificate_domains(environment: str):
        return {"domains": environment_dip().certificate_onboarding.domains(g.dip_user)}

    @bp.post("/certificates/domains")
    def create_certificate_domain(environment: str):
        return environment_dip().certificate_onboarding.create_domain(g.dip_user, json_body()), 201

    @bp.post("/certificates/domains/<domain>/verification")
    def verify_certificate_domain(environment: str, domain: str):
        return environment_dip().certificate_onboarding.verify_domain(g.dip_user, domain, json_body())

    @bp.post("/certificates/subject-name")
    def certificate_subject_name(environment: str):
        return environment_dip().certificates.subject_name(g.dip_user, json_body())

    @bp.get("/certificates")
    def list_certificates(environment: str):
        return environment_dip().certificates.list(g.dip_user)

    @bp.post("/certificates")
    def create_certificate(environment: str):
        return environment_dip().certificates.create(g.dip_user, json_body()), 201

    @bp.get("/certificates/<serial>")
    def get_certificate(environment: str, serial: str):
        return environment_dip().certificates.get(g.dip_user, serial)

    @bp.get("/certificates/<serial>/certificate.cer")
    def download_certificate(environment: str, serial: str):
        return pem_file(*environment_dip().certificates.download(g.dip_user, serial))

    @bp.get("/certificates/<serial>/chain.pem")
    def download_chain(environment: str, serial: str):
        return pem_file(*environment_dip().certificates.download(g.dip_user, serial, chain=True))

    @bp.post("/certificates/<serial>/revoke")
    def revoke_certificate(environment: str, serial: str):
        return environment_dip().certificates.revoke(g.dip_user, serial, json_body())

    @bp.post("/certificates/<serial>/reissue")
    def reissue_certificate(environment: str, serial: str):
        return environment_dip().certificates.reissue(g.dip_user, serial, json_body()), 201

    @bp.get("/dip-certificates")
    def dip_certificates(environment: str):
        own = environment_dip().own_certificates
        return {"dip_certificates": [own.describe("signing"), own.describe("client")]}

    @bp.get("/dip-certificates/<purpose>.cer")
    def dip_certificate_file(environment: str, purpose: str):
        described = environment_dip().own_certificates.describe(purpose)
        return pem_file(f"{described['common_name']}.cer", described["certificate_pem"])
