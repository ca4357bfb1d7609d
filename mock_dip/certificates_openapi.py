"""The Certificates tab's part of the DIP portal API's OpenAPI document."""
from __future__ import annotations

from sandbox.kernel.openapi_builder import PEM, STR, body, json_response, obj, operation, path_param

_ANY = {"type": "object"}
_TAG = "DIP portal: Certificates"
_NULLABLE = {"type": ["string", "null"]}
CERTIFICATE = obj({"serial_number": STR, "status": {"enum": ["PENDING", "ISSUED", "EXPIRED", "REVOKED", "SUPERSEDED"]},
                   "created_at": STR, "expires_at": _NULLABLE, "not_before": _NULLABLE, "created_by": STR,
                   "common_name": STR, "dn_and_h": STR, "type": {"enum": ["mTLS", "Signing", "mTLS & Signing"]},
                   "reissue_of": _NULLABLE, "superseded_by": _NULLABLE, "revoked_at": _NULLABLE,
                   "revocation_reason": _NULLABLE})
DOMAIN = obj({"domain": STR, "status": {"enum": ["PENDING", "VERIFIED"]}, "claim_id": STR,
              "txt_record": obj({"name": STR, "type": STR, "value": STR}), "last_result": _NULLABLE,
              "last_reason": _NULLABLE})
_SERIAL = path_param("serial", "certificate serial number (hex)")
_FORM = {"host_name": STR, "domain": STR, "purpose": {"enum": ["mTLS", "Signing", "mTLS & Signing"]}}
_FORM_EXAMPLE = {"host_name": "2059", "domain": "super-energy.example", "purpose": "mTLS & Signing"}
_CSR_EXAMPLE = "-----BEGIN CERTIFICATE REQUEST-----\n...\n-----END CERTIFICATE REQUEST-----\n"


def certificate_paths() -> dict:
    return {
        "/certificates/stages": {"get": operation(
            "The five stages (GlobalSign Registration, API Credentials, Domain Creation, Domain Verification, "
            "Certificate Creation): which is current, the registration link, the saved credentials, the domains",
            {"200": json_response(_ANY)}, tag=_TAG)},
        "/certificates/registration/confirm": {"post": operation(
            "Stage 1 Next: GlobalSign registration is complete (Certificate Admin; the company details must be "
            "verified)", {"200": json_response(_ANY)}, tag=_TAG)},
        "/certificates/api-credentials": {
            "get": operation("The saved Atlas API credentials (never the secret)", {"200": json_response(_ANY)},
                             tag=_TAG),
            "post": operation("Save the validated credentials: 'Onboarding status updated successfully'",
                              {"201": json_response(_ANY, "Saved")}, tag=_TAG)},
        "/certificates/api-credentials/validate": {"post": operation(
            "Validate API key + API secret + password-less PFX (multipart/form-data, field pfx; or JSON with the "
            "PFX in base64): the DIP opens the PFX and logs in to Atlas with them -> 'Added successfully'. Each "
            "problem has its code: pfx_password, pfx_is_pem, pfx_no_key, pfx_key_mismatch, unknown_issuer, "
            "expired, revoked, atlas_credentials, atlas_certificate, ...", {"200": json_response(_ANY)},
            body=body(obj({"api_key": STR, "api_secret": STR, "pfx": {"type": "string", "format": "byte"}},
                          ["api_key", "api_secret", "pfx"]),
                      {"api_key": "0123456789abcdef", "api_secret": "...", "pfx": "MIIJ..."}, form=True), tag=_TAG)},
        "/certificates/domains": {
            "get": operation("Domains of stages 3 and 4 with their TXT records", {"200": json_response(_ANY)},
                             tag=_TAG),
            "post": operation("Stage 3: create a domain (an Atlas domain claim); answers the TXT record for the DNS "
                              "Admin (name '@', value = token)", {"201": json_response(DOMAIN, "Created")},
                              body=body(obj({"domain": STR}, ["domain"]), {"domain": "super-energy.example"}),
                              tag=_TAG)},
        "/certificates/domains/{domain}/verification": {"post": operation(
            "Stage 4: the TXT record is added (record_added: true) -> Atlas DNS check -> result SUCCESS, or FAIL "
            "with the reason (no record, wrong value, not visible yet, DNS failure); retry allowed",
            {"200": json_response(DOMAIN)}, body=body(obj({"record_added": {"type": "boolean"}}, ["record_added"]),
                                                      {"record_added": True}),
            parameters=[path_param("domain", "the domain")], tag=_TAG)},
        "/certificates/subject-name": {"post": operation(
            "Stage 5 form: the Subject Name energydip-<nonprod|prod>.<host>.<domain> and the DN&H to copy, with "
            "the openssl command line of the guide", {"200": json_response(_ANY)},
            body=body(obj(_FORM, ["host_name", "domain", "purpose"]), _FORM_EXAMPLE), tag=_TAG)},
        "/certificates": {
            "get": operation("Currently Active Certificates and Certificates History",
                             {"200": json_response(obj({"active": {"type": "array", "items": CERTIFICATE},
                                                        "history": {"type": "array", "items": CERTIFICATE}}))},
                             tag=_TAG),
            "post": operation("Stage 5: Create Certificate from a pasted CSR (RSA 4096, CN = Subject Name, SANs = "
                              "DN&H and Subject Name), issued through Atlas with the saved credentials",
                              {"201": json_response(CERTIFICATE, "Created")},
                              body=body(obj({**_FORM, "csr": STR}, ["host_name", "domain", "purpose", "csr"]),
                                        {**_FORM_EXAMPLE, "csr": _CSR_EXAMPLE}), tag=_TAG)},
        "/certificates/{serial}": {"get": operation("One certificate", {"200": json_response(CERTIFICATE)},
                                                    parameters=[_SERIAL], tag=_TAG)},
        "/certificates/{serial}/certificate.cer": {"get": operation(
            "Download the certificate (PEM .cer)", {"200": PEM}, parameters=[_SERIAL], tag=_TAG)},
        "/certificates/{serial}/chain.pem": {"get": operation(
            "Download its chain (issuing CA, then root)", {"200": PEM}, parameters=[_SERIAL], tag=_TAG)},
        "/certificates/{serial}/revoke": {"post": operation(
            "Revoke through Atlas with a reason (CRL and OCSP show it)", {"200": json_response(CERTIFICATE)},
            body=body(obj({"reason": {"enum": ["unspecified", "keyCompromise", "affiliationChanged", "superseded",
                                               "cessationOfOperation"]}}, ["reason"]), {"reason": "keyCompromise"}),
            parameters=[_SERIAL], tag=_TAG)},
        "/certificates/{serial}/reissue": {"post": operation(
            "Reissue: a new CSR for the same Subject Name (an Atlas rekey); the previous certificate is revoked as "
            "superseded once the new one is issued", {"201": json_response(CERTIFICATE, "Created")},
            body=body(obj({"csr": STR}, ["csr"]), {"csr": _CSR_EXAMPLE}), parameters=[_SERIAL], tag=_TAG)},
        "/dip-certificates": {"get": operation(
            "The DIP's own certificates (public): the signing certificate that verifies DIP-signed messages, and "
            "the client certificate the DIP presents to HTTPS webhooks", {"200": json_response(_ANY)}, tag=_TAG)},
        "/dip-certificates/{purpose}.cer": {"get": operation(
            "Download one of the DIP's own certificates (public)", {"200": PEM},
            parameters=[path_param("purpose", "signing or client")], tag=_TAG)},
    }
