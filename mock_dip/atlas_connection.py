"""The DIP's connection to GlobalSign Atlas: it opens the participant's password-less PFX, presents its client
certificate and logs in with the participant's API key and secret — the HVCA operations, so Atlas applies every
rule it applies to any client. Whatever Atlas refuses becomes a portal error that says what to do."""
from __future__ import annotations

import base64
from contextlib import contextmanager
from dataclasses import dataclass

from mock_atlas.hvca_session import HvcaSession
from mock_ca.errors import CertificateProblem
from mock_ca.pkcs12 import PfxContents, read_pfx
from mock_dip.context import DipContext
from sandbox.kernel.errors import Conflict, DomainError, InvalidInput


class AtlasRefused(InvalidInput):
    """Atlas said no to something the DIP asked on the participant's behalf (422 in the portal API: the portal
    session is fine, the participant's Atlas set-up is what needs attention)."""


_CERTIFICATE_HINTS = {
    "unknown_issuer": "upload the PFX made from the mTLS certificate generated with these API credentials in the "
                      "Atlas portal (Generate mTLS Certificates)",
    "expired": "generate a new mTLS certificate in the Atlas portal and export a new password-less PFX",
    "revoked": "generate a new mTLS certificate in the Atlas portal and export a new password-less PFX",
    "wrong_purpose": "upload the Atlas mTLS (API authentication) certificate",
}

_LOGIN_PROBLEMS = {
    "credentials": ("api_secret", "GlobalSign Atlas did not accept this API key and secret: copy both again from "
                                  "the credentials you generated (the secret is shown only once, when they are "
                                  "created; its CSV download holds it)"),
    "revoked": ("api_key", "these API credentials are revoked in GlobalSign Atlas: generate new ones"),
    "certificate": ("pfx", "the certificate in the PFX was not generated for these API credentials: upload the PFX "
                           "of the mTLS certificate created with this API key in the Atlas portal"),
}


@contextmanager
def atlas_call(what: str, field: str | None = None):
    """Run HVCA operations; an Atlas refusal becomes AtlasRefused naming `what` the DIP was doing."""
    try:
        yield
    except AtlasRefused:
        raise
    except DomainError as refusal:
        raise AtlasRefused(f"GlobalSign Atlas refused to {what}: {refusal.message}",
                           field=field or refusal.field) from None


@dataclass(frozen=True)
class Login:
    session: HvcaSession
    pfx: PfxContents


class AtlasConnection:
    def __init__(self, ctx: DipContext):
        self.ctx = ctx

    def log_in(self, api_key: str, api_secret: str, pfx: bytes) -> Login:
        """Open the PFX and log in to Atlas with it; each known problem has its own message and field."""
        contents = read_pfx(pfx)
        try:
            session = self.ctx.atlas.hvca_connect(api_key, api_secret, contents.certificate)
        except CertificateProblem as problem:
            message = problem.message.replace("the client certificate", "the certificate in the PFX", 1)
            hint = _CERTIFICATE_HINTS.get(problem.code)
            raise AtlasRefused(f"{message}{': ' + hint if hint and hint not in message else ''}",
                               field="pfx", details={"code": problem.code}) from None
        except DomainError as refusal:
            reason = refusal.details.get("reason")
            if reason in _LOGIN_PROBLEMS:
                field, message = _LOGIN_PROBLEMS[reason]
                raise AtlasRefused(message, field=field, details={"code": f"atlas_{reason}"}) from None
            raise AtlasRefused(f"GlobalSign Atlas refused the login: {refusal.message}", field="api_key") from None
        return Login(session, contents)

    def session(self, credentials: dict | None) -> HvcaSession:
        """An Atlas session with the organisation's saved credentials (stage 2)."""
        if credentials is None:
            raise Conflict("the organisation has no saved GlobalSign API credentials: complete stage 2 (API "
                           "Credentials) first", field="stage")
        try:
            return self.log_in(credentials["api_key"], credentials["api_secret"],
                               base64.b64decode(credentials["pfx_base64"])).session
        except AtlasRefused as refusal:
            raise AtlasRefused(f"the saved GlobalSign API credentials no longer work ({refusal.message}): use "
                               "Update API Credentials", field="api_credentials") from None
