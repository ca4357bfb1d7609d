"""The DIP simulation of one environment: its parts wired together."""
from __future__ import annotations

from mock_dip.audit import Audit
from mock_dip.context import DipContext
from mock_dip.dip_ids import DipIds
from mock_dip.identity import Identity
from mock_dip.members import Members
from mock_dip.organisations import Organisations


class Dip:
    def __init__(self, ctx: DipContext):
        self.ctx = ctx
        self.audit = Audit(ctx)
        self.identity = Identity(ctx, self.audit)
        self.organisations = Organisations(ctx, self.identity, self.audit)
        self.members = Members(ctx, self.identity, self.organisations, self.audit)
        self.dip_ids = DipIds(ctx, self.audit)
