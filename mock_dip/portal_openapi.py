"""The OpenAPI document of the DIP portal API of one environment (/dip/<environment>/api/openapi.json)."""
from __future__ import annotations

from mock_dip.certificates_openapi import certificate_paths
from mock_dip.channels_openapi import channel_paths
from mock_dip.permissions import ROLES
from sandbox.kernel.openapi_builder import INT, NO_CONTENT, STR, body, document, json_response, obj, operation, path_param

_ANY = {"type": "object"}
_NULLABLE = {"type": ["string", "null"]}
_WEBHOOKS = {"type": "object", "description": "interface (IF-041), STATUS or * -> callback URL",
             "additionalProperties": STR}
_TAG = "DIP portal"
USER = obj({"id": STR, "email": STR, "first_name": STR, "last_name": STR, "organisation_id": {"type": ["string", "null"]},
            "roles": {"type": "array", "items": STR}, "dip_manager": {"type": "boolean"},
            "primary_admin": {"type": "boolean"}, "status": STR, "mfa_enrolled": {"type": "boolean"},
            "expires_at": {"type": ["string", "null"]}})
DIP_ID = obj({"dip_id": STR, "environment": STR, "organisation_id": STR, "role_code": STR, "mpid": STR,
              "mp_role_code": {"type": ["string", "null"]}, "effective_from": STR,
              "effective_to": {"type": ["string", "null"]}})
SIGN_IN_STEP = obj({"status": {"enum": ["mfa_enrolment_required", "terms_of_use_required"]}, "challenge": STR,
                    "mfa": obj({"secret": STR, "otpauth_uri": STR, "qr_svg": STR}), "terms_of_use": STR, "next": STR})


def paths() -> dict:
    return {
        "/invitations/{token}/accept": {"post": operation(
            "Accept an invitation by setting a password (public; once only)", {"200": json_response(_ANY)},
            body=body(obj({"password": STR}, ["password"]), {"password": "a-long-password-1"}),
            parameters=[path_param("token", "from the invitation email")], tag=_TAG)},
        "/sessions": {
            "post": operation(
                "Sign in: email + password + totp; the first time, MFA enrolment (secret, otpauth URI, QR SVG) "
                "and the Terms of Use come as steps answered with the challenge", {
                    "200": json_response(SIGN_IN_STEP, "A further step"),
                    "201": json_response(obj({"status": STR, "token": STR, "expires_in": INT, "user": USER}),
                                         "Signed in (also sets the session cookie)")},
                body=body(obj({"email": STR, "password": STR, "totp": STR, "challenge": STR,
                               "accept_terms_of_use": {"type": "boolean"}}),
                          {"email": "ann@example.com", "password": "a-long-password-1", "totp": "123456"}), tag=_TAG),
            "delete": operation("Sign out", {"204": NO_CONTENT}, tag=_TAG)},
        "/me": {"get": operation("The signed-in user and organisation", {"200": json_response(_ANY)}, tag=_TAG)},
        "/manager/organisations": {
            "get": operation("Organisations of this environment (DIP Manager)", {"200": json_response(_ANY)},
                             tag=_TAG),
            "post": operation("Invite an organisation and its Primary Admin (DIP Manager)",
                              {"201": json_response(_ANY, "Created")},
                              body=body(obj({"company_name": STR, "company_number": STR, "primary_admin": obj({
                                  "first_name": STR, "last_name": STR, "email": STR})},
                                  ["company_name", "company_number", "primary_admin"]),
                                  {"company_name": "Super Energy Co", "company_number": "09999001",
                                   "primary_admin": {"first_name": "Pat", "last_name": "Admin",
                                                     "email": "pat@super-energy.example"}}), tag=_TAG)},
        "/organisation": {"get": operation("The organisation: details, whitelisted domains, warnings (any role)",
                                           {"200": json_response(_ANY)}, tag=_TAG)},
        "/organisation/details": {"post": operation(
            "Verify the company details, once (Primary Admin); request_dcp_status goes to the DIP Manager",
            {"200": json_response(_ANY)}, body=body(obj({"company_name": STR, "description": STR,
                                                         "company_number": STR,
                                                         "request_dcp_status": {"type": "boolean"}},
                                                        ["company_name", "description", "company_number"]),
                                                    {"company_name": "Super Energy Co", "description": "Supplier",
                                                     "company_number": "09999001", "request_dcp_status": False}),
            tag=_TAG)},
        "/members": {
            "get": operation("Members (any role)", {"200": json_response(_ANY)}, tag=_TAG),
            "post": operation("Create a member (User Admin): email on a whitelisted domain, roles, DIP IDs; an "
                              "invitation email follows", {"201": json_response(USER, "Created")},
                              body=body(obj({"first_name": STR, "last_name": STR, "email": STR,
                                             "roles": {"type": "array", "items": {"enum": list(ROLES)}},
                                             "dip_ids": {"oneOf": [{"const": "all"},
                                                                   {"type": "array", "items": STR}]}},
                                            ["first_name", "last_name", "email", "roles"]),
                                        {"first_name": "Cass", "last_name": "Cert", "email": "cass@super-energy.example",
                                         "roles": ["MP Certificate Admin"], "dip_ids": "all"}), tag=_TAG)},
        "/members/{user_id}": {"patch": operation("Edit a member's names, roles or DIP IDs (User Admin)",
                                                  {"200": json_response(USER)},
                                                  body=body(obj({"first_name": STR, "last_name": STR,
                                                                 "roles": {"type": "array", "items": STR},
                                                                 "dip_ids": _ANY}), {"roles": ["MP Message Admin"]}),
                                                  parameters=[path_param("user_id", "member id")], tag=_TAG)},
        "/members/{user_id}/extend": {"post": operation("Extend a member's access by 6 months (User Admin)",
                                                        {"200": json_response(USER)},
                                                        parameters=[path_param("user_id", "member id")], tag=_TAG)},
        "/members/{user_id}/offboard": {"post": operation("Offboard a member (User Admin)",
                                                          {"200": json_response(USER)},
                                                          parameters=[path_param("user_id", "member id")], tag=_TAG)},
        "/dip-ids": {
            "get": operation("DIP IDs of the organisation (those in the member's scope)", {"200": json_response(_ANY)},
                             tag=_TAG),
            "post": operation("Create a DIP ID (Message Admin): a requestable role code, a 4-character MPID, the "
                              "table's MP role code, effective dates", {"201": json_response(DIP_ID, "Created")},
                              body=body(obj({"role_code": STR, "mpid": STR, "mp_role_code": _NULLABLE,
                                             "effective_from": {"type": "string", "format": "date"},
                                             "effective_to": {"type": ["string", "null"], "format": "date"}},
                                            ["role_code", "mpid", "effective_from"]),
                                        {"role_code": "SUP", "mpid": "SUPE", "mp_role_code": "X",
                                         "effective_from": "2026-12-01"}), tag=_TAG)},
        "/dip-ids/{dip_id}": {
            "get": operation("A DIP ID with its members and interface configuration", {"200": json_response(_ANY)},
                             parameters=[path_param("dip_id", "10 digits")], tag=_TAG),
            "patch": operation("Edit the MPID or effective dates (Message Admin)", {"200": json_response(DIP_ID)},
                               body=body(obj({"mpid": STR, "effective_from": STR, "effective_to": _NULLABLE}),
                                         {"effective_to": "2027-12-31"}),
                               parameters=[path_param("dip_id", "10 digits")], tag=_TAG),
            "delete": operation("Delete a DIP ID (Message Admin)", {"204": NO_CONTENT},
                                parameters=[path_param("dip_id", "10 digits")], tag=_TAG)},
        "/dip-ids/{dip_id}/api-keys": {"get": operation("Show the primary and secondary API keys (Certificate Admin)",
                                                        {"200": json_response(obj({"dip_id": STR, "primary": STR,
                                                                                   "secondary": STR}))},
                                                        parameters=[path_param("dip_id", "10 digits")], tag=_TAG)},
        "/dip-ids/{dip_id}/api-keys/{slot}/regenerate": {"post": operation(
            "Regenerate the primary or secondary key: the old one stops working at once (Certificate Admin)",
            {"200": json_response(_ANY)},
            parameters=[path_param("dip_id", "10 digits"), path_param("slot", "primary or secondary")], tag=_TAG)},
        "/manager/organisations/{organisation_id}/domains": {"post": operation(
            "Whitelist a domain for an organisation's member emails (DIP Manager)", {"201": json_response(_ANY)},
            body=body(obj({"domain": STR}, ["domain"]), {"domain": "super-energy.example"}),
            parameters=[path_param("organisation_id", "organisation id")], tag=_TAG)},
        "/manager/organisations/{organisation_id}/domains/{domain}": {"delete": operation(
            "Remove a whitelisted domain (DIP Manager)", {"200": json_response(_ANY)},
            parameters=[path_param("organisation_id", "organisation id"), path_param("domain", "domain")],
            tag=_TAG)},
        "/contexts": {"get": operation("The organisations the user can act for: its own, and as a DCP those that "
                                       "nominated it (send X-DIP-Context: <organisation id> to act for one)",
                                       {"200": json_response(_ANY)}, tag=_TAG)},
        "/organisation/dcp-status-request": {"post": operation(
            "Request DIP Connection Provider status once the details are verified, or again after a rejection "
            "(User Admin); the DIP Manager decides", {"200": json_response(_ANY)}, tag=_TAG)},
        "/dcp-providers": {"get": operation(
            "The approved DCPs and the DCP IDs they created: what a nomination chooses from (any role)",
            {"200": json_response(_ANY)}, tag=_TAG)},
        "/dcp-ids": {
            "get": operation("The organisation's DCP IDs", {"200": json_response(_ANY)}, tag=_TAG),
            "post": operation("Create a DCP ID to share (approved DCPs; Message Admin)",
                              {"201": json_response(_ANY, "Created")}, tag=_TAG)},
        "/dip-ids/{dip_id}/nominations": {
            "get": operation("DCPs nominated for a DIP ID", {"200": json_response(_ANY)},
                             parameters=[path_param("dip_id", "10 digits")], tag=_TAG),
            "post": operation("Nominate a DCP for a DIP ID (Message Admin), optionally whitelisting its domains",
                              {"201": json_response(_ANY, "Created")},
                              body=body(obj({"dcp_id": STR, "dcp_organisation_id": STR,
                                             "whitelist_dcp_domains": {"type": "boolean"}}, ["dcp_id"]),
                                        {"dcp_id": "1234567890", "whitelist_dcp_domains": True}),
                              parameters=[path_param("dip_id", "10 digits")], tag=_TAG)},
        "/dip-ids/{dip_id}/nominations/{dcp_id}": {"delete": operation(
            "Withdraw a nomination (Message Admin)", {"204": NO_CONTENT},
            parameters=[path_param("dip_id", "10 digits"), path_param("dcp_id", "DCP ID")], tag=_TAG)},
        "/manager/dcp-requests": {"get": operation("Organisations that requested DCP status (DIP Manager)",
                                                   {"200": json_response(_ANY)}, tag=_TAG)},
        "/manager/organisations/{organisation_id}/dcp-status": {"post": operation(
            "Approve or reject a DCP-status request (DIP Manager); the Primary Admin is told by email",
            {"200": json_response(_ANY)}, body=body(obj({"decision": {"enum": ["approve", "reject"]},
                                                         "reason": STR}, ["decision"]), {"decision": "approve"}),
            parameters=[path_param("organisation_id", "organisation id")], tag=_TAG)},
        "/manager/central-services": {"post": operation(
            "Create a central-service DIP ID (MDS, VAS, REGS, ...) in its DIP-Manager-owned organisation",
            {"201": json_response(_ANY, "Created")},
            body=body(obj({"role_code": STR, "effective_from": STR, "effective_to": STR},
                          ["role_code", "effective_from"]), {"role_code": "VAS", "effective_from": "2026-12-01"}),
            tag=_TAG)},
        "/manager/dip-ids/{dip_id}": {"patch": operation(
            "Set a DIP ID's effective dates (DIP Manager)", {"200": json_response(DIP_ID)},
            body=body(obj({"effective_from": STR, "effective_to": STR}), {"effective_from": "2027-01-01"}),
            parameters=[path_param("dip_id", "10 digits")], tag=_TAG)},
        "/manager/promotions": {"post": operation(
            "Promote an organisation from UIT to Production (the Production DIP Manager; prod only): details, "
            "whitelisted domains, DIP IDs (effective_from set here; dip_ids overrides per DIP ID), DCP IDs and "
            "nominations copied; members, webhooks, certificates, API keys and Atlas credentials not; new API keys; "
            "the Primary User Admin invited", {"201": json_response(_ANY, "Promoted")},
            body=body(obj({"organisation_id": STR, "effective_from": {"type": "string", "format": "date"},
                           "dip_ids": _ANY, "primary_admin": _ANY}, ["organisation_id", "effective_from"]),
                      {"organisation_id": "ORG-1A2B3C4D", "effective_from": "2027-01-01"}), tag=_TAG)},
        "/manager/audit": {"get": operation("The audit log of the environment (DIP Manager)",
                                            {"200": json_response(_ANY)}, tag=_TAG)},
        "/audit": {"get": operation("The audit log of the signed-in user's organisation",
                                    {"200": json_response(_ANY)}, tag=_TAG)},
        **certificate_paths(),
        **channel_paths(),
    }


def openapi_document(environment: str) -> dict:
    return document(f"DIP {environment.upper()} portal API (dip-sandbox)",
                    "The JSON API under the DIP portal pages of one environment. Sign in with POST /sessions "
                    "(email, password, authenticator code) and send Authorization: Bearer <token>.",
                    f"/dip/{environment}/api", paths(), {}, {"dipSession": {"type": "http", "scheme": "bearer"}})


CONTROL_PATHS = {
    "/dip/{environment}/messages/{transaction_id}": {"get": operation(
        "Where a message stands in delivery: per recipient its state (Pending, Retrying, Delivered, "
        "RejectedByRecipient, DeliveryFailure, RetriesExhausted), attempts, last answer, next attempt, and why in "
        "words (e.g. no webhook configured for the interface)", {"200": json_response(_ANY)},
        parameters=[path_param("environment", "uit or prod"), path_param("transaction_id", "the DIP's transactionID")],
        tag="DIP (control)")},
    "/dip/{environment}/messages": {"get": operation(
        "The same, found by the sender's unique reference (S1.senderUniqueReference; the newest if reused)",
        {"200": json_response(_ANY)},
        parameters=[path_param("environment", "uit or prod"),
                    {"name": "reference", "in": "query", "required": True, "schema": {"type": "string"}}],
        tag="DIP (control)")},
    "/dip/{environment}/organisations/{organisation_id}/certificates": {"post": operation(
        "Another DIP certificate for an organisation in one call (a new key, issued by the DIP CA as the one-call "
        "organisation's own): mTLS, Signing or mTLS & Signing. Answers certificate_pem, key_pem, pfx_base64, "
        "chain_pem and certificate_serial",
        {"201": json_response(_ANY, "Created")},
        body=body(obj({"purpose": {"enum": ["mTLS", "Signing", "mTLS & Signing"]},
                       "expired": {"type": "boolean", "description": "a certificate whose validity just ended"}}),
                  {"purpose": "Signing"}, required=False),
        parameters=[path_param("environment", "uit or prod"), path_param("organisation_id", "ORG-...")],
        tag="DIP (control)")},
    "/dip/{environment}/certificates/{serial}/revoke": {"post": operation(
        "Revoke a DIP certificate in one call, as its Certificate Admin would (through Atlas when Atlas issued it, "
        "at the DIP CA when the sandbox did): the DIP refuses connections and signatures made with it at once",
        {"200": json_response(_ANY)},
        body=body(obj({"reason": {"enum": ["unspecified", "keyCompromise", "affiliationChanged", "superseded",
                                             "cessationOfOperation"]}}), {"reason": "keyCompromise"},
                  required=False),
        parameters=[path_param("environment", "uit or prod"), path_param("serial", "hex serial number")],
        tag="DIP (control)")},
    "/dip/{environment}/organisations": {"post": operation(
        "A fully onboarded organisation in one call: details verified, a Primary Admin with every role, DIP IDs "
        "with the roles asked for (exact dip_id values when given), an mTLS & Signing certificate with its key "
        "and PFX, webhooks per interface when given. Answers the credentials a message client needs",
        {"201": json_response(_ANY, "Created")},
        body=body(obj({"company_name": {**STR, "maxLength": 200}, "company_number": STR,
                       "domain": {**STR, "description": "default: made from company_name; it must fit the "
                                  "certificate's common name (64 characters with its prefix)"},
                       "password": STR, "admin_email": STR,
                       "dcp": {"type": "boolean", "description": "also a DCP: DCP status approved, a DCP ID"},
                       "dip_ids": {"type": "array", "items": obj({
                           "role_code": STR, "dip_id": STR, "mpid": STR, "effective_from": STR,
                           "effective_to": {"type": ["string", "null"]}, "webhooks": _WEBHOOKS})},
                       "webhooks": _WEBHOOKS}),
                  {"company_name": "Super Energy Co", "dip_ids": [{"role_code": "SUP", "dip_id": "1234567890"}],
                   "webhooks": {"IF-041": "https://127.0.0.1:9443/hook"}}),
        parameters=[path_param("environment", "uit or prod")], tag="DIP (control)")},
    "/dip/{environment}/demo": {"post": operation(
        "Load the demo organisations of the guide (Super Energy Co, Big Energy Company, Energy Demo Ltd, Smart "
        "Energy, a DCP) and the central services into an environment; members sign in with the demo password",
        {"201": json_response(_ANY, "Loaded")}, parameters=[path_param("environment", "uit or prod")],
        tag="DIP (control)")},
    "/dip/{environment}/routing": {"get": operation(
        "The routing table in force: every interface of the official DT-000-InterfaceID list (of the --dip-spec "
        "version), its event codes, the roles that send it (from) and receive it (to), secondary and always "
        "recipients, and the basis of each choice", {"200": json_response(_ANY)},
        parameters=[path_param("environment", "uit or prod")], tag="DIP (control)")},
    "/dip/{environment}/counterparts": {"post": operation(
        "The DIP ID of a sandbox counterpart of a role (a DIP-Manager-owned organisation the sandbox sends as), "
        "made on first use: address requests to it, and give it auto-reply rules",
        {"201": json_response(_ANY, "Created")}, body=body(obj({"role_code": STR}, ["role_code"]),
                                                             {"role_code": "MSS"}),
        parameters=[path_param("environment", "uit or prod")], tag="DIP (control)")},
    "/dip/{environment}/publish": {"post": operation(
        "Publish to me: a counterpart (or the DIP ID in from) sends one message of an interface and event code to "
        "a DIP ID, routed, signed by the DIP and delivered like any other. The payload given, or one built: from "
        "the official schema with --dip-spec, else the built-in minimal template",
        {"201": json_response(_ANY, "Sent")},
        body=body(obj({"to": STR, "interface": STR, "event_code": STR, "from": STR, "payload": _ANY},
                      ["to", "interface"]), {"to": "1234567890", "interface": "IF-032",
                                             "event_code": "MSAppInitialResp"}),
        parameters=[path_param("environment", "uit or prod")], tag="DIP (control)")},
    "/dip/{environment}/auto-replies": {
        "get": operation("The auto-reply rules (of one organisation with ?organisation_id=)",
                         {"200": json_response(_ANY)}, parameters=[path_param("environment", "uit or prod")],
                         tag="DIP (control)"),
        "post": operation(
            "An auto-reply rule: when a DIP ID of organisation_id receives on_interface, it answers the sender with "
            "reply_interface (and reply_event) and/or a status message after after_seconds of sandbox time",
            {"201": json_response(_ANY, "Created")},
            body=body(obj({"organisation_id": STR, "on_interface": STR, "reply_interface": STR, "reply_event": STR,
                           "status_message": {"type": "boolean"}, "after_seconds": {"type": "number"}},
                          ["organisation_id", "on_interface"]),
                      {"organisation_id": "CEN-MSS-UIT", "on_interface": "IF-031", "reply_interface": "IF-032",
                       "reply_event": "MSAppInitialResp", "after_seconds": 60}),
            parameters=[path_param("environment", "uit or prod")], tag="DIP (control)")},
    "/dip/{environment}/auto-replies/{rule_id}": {"delete": operation(
        "Remove an auto-reply rule", {"204": {"description": "Removed"}},
        parameters=[path_param("environment", "uit or prod"), path_param("rule_id", "the rule's id")],
        tag="DIP (control)")},
}
