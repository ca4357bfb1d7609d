"""OpenAPI documents: the Atlas portal API (/atlas/api/openapi.json) and Atlas on the control API."""
from __future__ import annotations

from sandbox.kernel.openapi_builder import (
    INT,
    NO_CONTENT,
    STR,
    body,
    document,
    json_response,
    obj,
    operation,
    path_param,
    query,
    ref,
)

_ANY = {"type": "object"}
_TILE = obj({"id": STR, "title": STR, "state": {"enum": ["locked", "waiting", "to_do", "in_progress",
                                                          "action_required", "done"]},
             "colour": STR, "detail": STR, "due_at": {"type": ["string", "null"]}})
SCHEMAS = {
    "Tile": _TILE,
    "Registration": obj({"first_name": STR, "last_name": STR, "job_title": STR, "contact_phone": STR, "email": STR,
                         "company_name": STR, "website": STR, "address_line_1": STR, "address_line_2": STR,
                         "city": STR, "postal_code": STR, "country": STR, "not_a_robot": {"type": "boolean"}},
                        ["first_name", "last_name", "job_title", "email", "company_name", "website",
                         "address_line_1", "city", "postal_code", "country", "not_a_robot"]),
    "IdentityProfile": obj({"id": STR, "type": STR, "profile_name": STR, "organization": STR, "locality": STR,
                            "state": {"type": ["string", "null"]}, "country": STR,
                            "status": {"enum": ["pending_vetting", "postal_challenge", "active", "rejected"]},
                            "vetting_due_at": {"type": ["string", "null"]}, "reason": {"type": ["string", "null"]}}),
    "ApiCredential": obj({"api_key": STR, "familiar_name": STR, "method": STR, "service_id": STR,
                          "status": {"enum": ["pending_binding", "bound", "revoked"]},
                          "binding_due_at": {"type": ["string", "null"]}, "api_secret": STR, "csv": STR,
                          "encrypted_file_base64": STR}),
    "Domain": obj({"id": STR, "domain": STR, "status": {"enum": ["PENDING", "VERIFIED"]}, "token": STR,
                   "created_at": INT, "assert_by": INT, "expires_at": INT, "verify_before": STR,
                   "expiration_date": {"type": ["string", "null"]}, "last_verification_method": {"type": ["string", "null"]},
                   "log": {"type": "array", "items": _ANY}, "result": STR, "reason": STR}),
    "AtlasAccount": _ANY,
}
_J = json_response
_P = "Atlas portal"


def _list(name: str, item: dict) -> dict:
    return _J(obj({name: {"type": "array", "items": item}}))


def portal_paths() -> dict:
    return {
        "/registrations": {"post": operation("The 'Get Started with Atlas' form (public)", {"201": _J(obj({
            "account_id": STR, "message": STR, "emails_due_at": STR}), "Created")}, body=body(ref("Registration"), {
            "first_name": "Ann", "last_name": "Admin", "job_title": "Certificate Admin", "contact_phone": "+44 20 7946 0958",
            "email": "ann@example.com", "company_name": "Sandbox Energy Supply Limited", "website": "https://example.com",
            "address_line_1": "1 Sandbox Way", "city": "Manchester", "postal_code": "M1 1AA", "country": "GB",
            "not_a_robot": True}), tag=_P)},
        "/invitations/{token}/accept": {"post": operation(
            "Accept the invitation: a 'Password Reset Code' email follows (public; once only)", {"200": _J(_ANY)},
            parameters=[path_param("token", "from the email")], tag=_P)},
        "/password-reset-codes": {"post": operation("Ask for a new password reset code (public)", {"202": _J(_ANY)},
                                                    body=body(obj({"email": STR}), {"email": "ann@example.com"}), tag=_P)},
        "/password": {"post": operation("Set the password with the emailed code (public)", {"200": _J(_ANY)},
                                        body=body(obj({"email": STR, "code": STR, "password": STR},
                                                      ["email", "code", "password"]),
                                                  {"email": "ann@example.com", "code": "12345678",
                                                   "password": "a-long-password-1"}), tag=_P)},
        "/sessions": {
            "post": operation("Sign in: a bearer token (also set as the atlas_session cookie)", {"201": _J(obj({
                "token": STR, "expires_in": INT, "user": _ANY}), "Created")},
                body=body(obj({"email": STR, "password": STR}, ["email", "password"]),
                          {"email": "ann@example.com", "password": "a-long-password-1"}), tag=_P),
            "delete": operation("Sign out", {"204": NO_CONTENT}, tag=_P)},
        "/me": {"get": operation("The signed-in user and the account's journey", {"200": _J(_ANY)}, tag=_P)},
        "/dashboard": {"get": operation("The dashboard tiles: what to do next, what is awaited and when",
                                        {"200": _list("tiles", ref("Tile"))}, tag=_P)},
        "/payment-method": {"post": operation("Set the payment method (Invoice; no payment is taken)", {"200": _J(_ANY)},
                                              body=body(obj({"method": {"enum": ["invoice"]}}, ["method"]),
                                                        {"method": "invoice"}), tag=_P)},
        "/quotation": {"get": operation("The £0 quotation", {"200": _J(_ANY)}, tag=_P)},
        "/quotation/accept": {"post": operation("Accept the quotation and the Master Services Agreement (409 before "
                                                "it is ready)", {"200": _J(_ANY)},
                                                body=body(obj({"accept_quotation": {"type": "boolean"},
                                                               "accept_msa": {"type": "boolean"}}),
                                                          {"accept_quotation": True, "accept_msa": True}), tag=_P)},
        "/identity-profiles": {
            "get": operation("Identity profiles", {"200": _list("identity_profiles", ref("IdentityProfile"))}, tag=_P),
            "post": operation("Request an IntranetSSL OV identity profile: vetting starts (409 before the tile is "
                              "ready)", {"201": _J(ref("IdentityProfile"), "Created")},
                              body=body(obj({"profile_name": STR, "organization": STR, "locality": STR, "state": STR,
                                             "country": STR}, ["profile_name", "organization", "locality", "country"]),
                                        {"profile_name": "MHHS", "organization": "Sandbox Energy Supply Limited",
                                         "locality": "Manchester", "country": "GB"}), tag=_P)},
        "/identity-profiles/{id}/postal-code": {"post": operation(
            "Enter the code of the postal challenge letter", {"200": _J(ref("IdentityProfile"))},
            body=body(obj({"code": STR}, ["code"]), {"code": "12345678"}),
            parameters=[path_param("id", "identity profile id")], tag=_P)},
        "/services": {"get": operation("The IntranetSSL OV service (ACTIVE once vetted)", {"200": _J(_ANY)}, tag=_P)},
        "/api-credentials": {
            "get": operation("API credentials (no secrets)", {"200": _list("api_credentials", ref("ApiCredential"))},
                             tag=_P),
            "post": operation("Generate API credentials: the secret is in this answer only", {"201": _J(
                ref("ApiCredential"), "Created")}, body=body(obj({
                    "method": {"enum": ["view_and_copy", "encrypted_file"]}, "service_id": STR, "familiar_name": STR,
                    "public_key": STR}, ["method", "service_id", "familiar_name"]),
                    {"method": "view_and_copy", "service_id": "IDP-0A1B2C3D", "familiar_name": "uit-credentials"}),
                tag=_P)},
        "/api-credentials/{api_key}/secret": {"get": operation("Always 409: the secret is shown only once",
                                                               {"409": ref_error()},
                                                               parameters=[path_param("api_key", "API key")], tag=_P)},
        "/api-credentials/{api_key}/revoke": {"post": operation("Revoke API credentials", {"200": _J(ref("ApiCredential"))},
                                                                parameters=[path_param("api_key", "API key")], tag=_P)},
        "/client-certificates": {
            "get": operation("Atlas client certificates issued", {"200": _J(_ANY)}, tag=_P),
            "post": operation("Generate mTLS Certificates -> Directly via the API: a CSR (RSA 4096) in, the PEM out",
                              {"201": _J(obj({"serial_number": STR, "certificate": STR, "api_key": STR}), "Created")},
                              body=body(obj({"familiar_name": STR, "csr": STR}, ["familiar_name", "csr"]),
                                        {"familiar_name": "uit-credentials",
                                         "csr": "-----BEGIN CERTIFICATE REQUEST-----\n..."}), tag=_P)},
        "/users": {
            "get": operation("Atlas users", {"200": _J(_ANY)}, tag=_P),
            "post": operation("Add an Atlas Admin User: a 'New User Registration' email follows",
                              {"201": _J(_ANY, "Created")}, body=body(obj({"email": STR, "first_name": STR,
                                                                          "last_name": STR}, ["email"]),
                                                                     {"email": "bob@example.com"}), tag=_P)},
        "/users/{id}": {"delete": operation("Remove a user", {"204": NO_CONTENT},
                                            parameters=[path_param("id", "user id")], tag=_P)},
        "/domains": {
            "get": operation("Domains", {"200": _list("domains", ref("Domain"))},
                             parameters=[query("status", "PENDING or VERIFIED")], tag=_P),
            "post": operation("New domain: a DNS verification code (token) to publish as TXT",
                              {"201": _J(ref("Domain"), "Created")},
                              body=body(obj({"domain": STR}, ["domain"]), {"domain": "example.com"}), tag=_P)},
        "/domains/{id}/verify": {"post": operation("Verify Domain (DNS TXT): result verified, no_record, wrong_value, "
                                                   "not_visible or dns_failure", {"200": _J(ref("Domain"))},
                                                   parameters=[path_param("id", "claim id")], tag=_P)},
        "/domains/{id}/reset": {"post": operation("Reset DVC: a new token and assert-by date",
                                                  {"200": _J(ref("Domain"))},
                                                  parameters=[path_param("id", "claim id")], tag=_P)},
        "/domains/{id}": {"delete": operation("Delete domain", {"204": NO_CONTENT},
                                              parameters=[path_param("id", "claim id")], tag=_P)},
    }


def ref_error() -> dict:
    return {"description": "Refused", "content": {"application/json": {"schema": ref("Error")}}}


def openapi_document() -> dict:
    return document("GlobalSign Atlas portal API (dip-sandbox)",
                    "The JSON API under the Atlas portal pages: registration, invitation, password, dashboard, "
                    "quotation, identity profiles and vetting, API credentials, mTLS certificates, users, domains. "
                    "Sign in with POST /sessions and send Authorization: Bearer <token>.",
                    "/atlas/api", portal_paths(), SCHEMAS, {"atlasSession": {"type": "http", "scheme": "bearer"}})


def control_paths() -> dict:
    tag = "Atlas (control)"
    account = [path_param("account_id", "Atlas account id")]
    return {
        "/atlas/accounts": {
            "post": operation("An account that has completed the journey (vetted, credentials bound, a client "
                              "certificate issued), with its credentials and client certificate/key/PFX",
                              {"201": _J(obj({"account_id": STR, "api_key": STR, "api_secret": STR,
                                              "client_cert_pem": STR, "client_key_pem": STR,
                                              "client_pfx_base64": STR}), "Created")},
                              body=body(obj({"company_name": STR, "email": STR, "familiar_name": STR}),
                                        {"company_name": "Sandbox Energy Supply Limited"}), tag=tag),
            "get": operation("Accounts with their journey state", {"200": _list("accounts", ref("AtlasAccount"))},
                             tag=tag)},
        "/atlas/accounts/{account_id}/quota": {"post": operation(
            "Set the account's HVCA issuance quota (certificates in all)", {"200": _J(_ANY)},
            body=body(obj({"value": INT}, ["value"]), {"value": 0}), parameters=account, tag=tag)},
        "/atlas/faults": {
            "get": operation("The HVCA fault rates", {"200": _J(obj({"rate_429": {"type": "number"},
                                                                    "rate_503": {"type": "number"}}))}, tag=tag),
            "post": operation("Answer a share of HVCA requests 429 (Retry-After) or 503 (id); deterministic under "
                              "--seed", {"200": _J(_ANY)}, body=body(obj({"rate_429": {"type": "number"},
                                                                         "rate_503": {"type": "number"}}),
                                                                     {"rate_429": 0.2, "rate_503": 0.0}), tag=tag)},
        "/atlas/tokens/expire": {"post": operation(
            "End every HVCA access token now (tokens last 10 minutes of real time): exercises a client's re-login "
            "path", {"200": _J(obj({"expired": INT}))}, tag=tag)},
        "/atlas/accounts/{account_id}": {"get": operation("One account", {"200": _J(ref("AtlasAccount"))},
                                                          parameters=account, tag=tag)},
        "/atlas/accounts/{account_id}/vetting": {"post": operation(
            "Choose the vetting outcome (auto: by the company register)", {"200": _J(_ANY)},
            body=body(obj({"outcome": {"enum": ["auto", "approve", "reject", "postal-challenge"]}, "reason": STR},
                          ["outcome"]), {"outcome": "postal-challenge"}), parameters=account, tag=tag)},
        "/atlas/accounts/{account_id}/complete-now": {"post": operation(
            "Complete the account's pending waits now (or one: registration_emails, password_reset_code, "
            "quotation_ready, identity_profile_tile, vetting, postal_letter, credentials_binding)",
            {"200": _J(_ANY)}, body=body(obj({"wait": STR}), {"wait": "vetting"}), parameters=account, tag=tag)},
    }
