"""What goes wrong, on purpose (the console's "What goes wrong" page): what a trainer shows happening to an Atlas
account, one click each, with the guide's consequence. Each is the real thing happening to the account — the
same state and the same answers as when GlobalSign decides so — never a special case in the pages."""
from __future__ import annotations

from mock_atlas.context import AtlasContext
from mock_atlas.credentials import JOB_BINDING, Credentials
from mock_atlas.vetting import Vetting
from sandbox.kernel.errors import Conflict

CONSEQUENCES = {
    "vetting_rejected": "GlobalSign rejects the identity profile when vetting ends: no API credentials until a new "
                        "profile, with the Organisation Name exactly as registered, is vetted.",
    "postal_challenge": "Vetting ends with a postal challenge: GlobalSign posts a code to the registered address, and "
                        "the account waits until it is entered on the Identity Profiles page.",
    "credentials_unbound": "The newest API credentials are not bound to the MHHS Programme PKI yet: they log in, "
                           "but certificate requests are refused until GlobalSign's confirmation email.",
}


class AtlasMishaps:
    def __init__(self, ctx: AtlasContext, vetting: Vetting, credentials: Credentials):
        self.ctx = ctx
        self.vetting = vetting
        self.credentials = credentials

    def cause(self, account_id: str, mishap: str) -> dict:
        """Make `mishap` (a key of CONSEQUENCES) happen to the account; what the guide says follows."""
        if mishap == "vetting_rejected":
            self._before_vetting_ends(account_id)
            self.vetting.set_outcome(account_id, "reject", "rejected by the trainer (What goes wrong)")
        elif mishap == "postal_challenge":
            self._before_vetting_ends(account_id)
            self.vetting.set_outcome(account_id, "postal-challenge")
        elif mishap == "credentials_unbound":
            self._unbind(account_id)
        else:
            raise Conflict(f"no mishap {mishap!r}: one of {', '.join(CONSEQUENCES)}", field="mishap")
        return {"account_id": account_id, "mishap": mishap, "consequence": CONSEQUENCES[mishap]}

    def _before_vetting_ends(self, account_id: str) -> None:
        account = self.ctx.one("select status from atlas_accounts where id = ?", [account_id])
        if account is None or account["status"] == "vetted":
            raise Conflict("this account is vetted already: the vetting outcome can only be chosen before vetting "
                           "ends", field="account_id")

    def _unbind(self, account_id: str) -> None:
        row = self.ctx.one("select * from atlas_credentials where account_id = ? and status = 'bound' order by "
                           "created_at desc limit 1", [account_id])
        if row is None:
            raise Conflict("this account has no bound API credentials yet", field="account_id")
        due = self.ctx.due("credentials_binding")
        with self.ctx.store.transaction() as db:
            db["atlas_credentials"].update(row["api_key"], {"status": "pending_binding", "bound_at": None,
                                                            "binding_due_at": due.timestamp()})
            self.ctx.scheduler.schedule(JOB_BINDING, due, {"account_id": account_id, "api_key": row["api_key"]})
