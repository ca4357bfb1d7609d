"""What goes wrong, on purpose (the console's "What goes wrong" page): what a trainer shows happening to a DIP
organisation, one click each, with the guide's consequence — the real state change (an access that ended, a
certificate revoked at the CA), so every page and API answers as it would."""
from __future__ import annotations

from mock_dip.audit import Audit
from mock_dip.context import DipContext
from mock_dip.dip_certificates import DipCertificates
from sandbox.kernel.errors import Conflict

CONSEQUENCES = {
    "member_access_expired": "The member's access ended: their sign-in is refused until a User Admin of the "
                             "organisation extends it (Members tab, Extend).",
    "certificate_revoked": "The newest DIP certificate is revoked at the CA (keyCompromise): connections and "
                           "signatures made with it are refused at once; a Certificate Admin creates a new one.",
}


class DipMishaps:
    def __init__(self, ctx: DipContext, audit: Audit, certificates: DipCertificates):
        self.ctx = ctx
        self.audit = audit
        self.certificates = certificates

    def cause(self, organisation_id: str, mishap: str, user_id: str | None = None) -> dict:
        if mishap == "member_access_expired":
            who = self._expire_member(organisation_id, user_id)
        elif mishap == "certificate_revoked":
            who = self._revoke_newest(organisation_id)
        else:
            raise Conflict(f"no mishap {mishap!r}: one of {', '.join(CONSEQUENCES)}", field="mishap")
        self.audit.record("the sandbox (What goes wrong)", mishap.replace("_", " "), organisation_id, subject=who)
        return {"organisation_id": organisation_id, "mishap": mishap, "subject": who,
                "consequence": CONSEQUENCES[mishap]}

    def _expire_member(self, organisation_id: str, user_id: str | None) -> str:
        user = self.ctx.one("select * from dip_users where environment = ? and organisation_id = ? and id = ? and "
                            "status != 'offboarded'", [self.ctx.environment, organisation_id, user_id or ""])
        if user is None:
            raise Conflict("choose a member of the organisation", field="user_id")
        with self.ctx.store.transaction() as db:
            db["dip_users"].update(user["id"], {"expires_at": self.ctx.clock.now_unix()})
        return user["email"]

    def _revoke_newest(self, organisation_id: str) -> str:
        row = self.ctx.one("select * from dip_certificates where environment = ? and organisation_id = ? and status = "
                           "'ISSUED' order by created_at desc limit 1", [self.ctx.environment, organisation_id])
        if row is None:
            raise Conflict("the organisation has no issued DIP certificate", field="organisation_id")
        self.certificates.revoke_now(row["serial"], "keyCompromise", "the sandbox (What goes wrong)")
        return f"certificate {row['serial']}"
