"""The built-in webhook inbox: a receiver hosted by the sandbox for each DIP ID, whose URL a trainer pastes into
Message Channels when no webhook of their own is at hand. It checks every delivery as a participant's webhook
must (mock_dip.delivery_check: the DIP's four signature headers, made with the DIP's own signing certificate),
answers the StandardResponse a receiver answers (201 and RCP0000 per message, or 400 and RCP9999 when the
signature fails), and keeps what arrived for the inbox page: the newest KEPT deliveries per DIP ID."""
from __future__ import annotations

import json

from mock_dip.context import DipContext
from mock_dip.delivery_check import answer, check_delivery, delivered_items, transaction_id
from mock_dip.own_certificates import OwnCertificates
from sandbox.kernel.clock import iso_unix, real_now
from sandbox.kernel.errors import NotFound

KEPT = 200  # deliveries kept per DIP ID: an inbox that runs for a week does not grow the store
PATH = "/inbox/{environment}/{dip_id}"  # on the web listener; a channel may add a suffix (e.g. /STATUS)
SHOWN_BODY = 20_000  # characters of a delivery's body kept for the page


class WebhookInbox:
    def __init__(self, ctx: DipContext, own: OwnCertificates):
        self.ctx = ctx
        self.own = own

    def url(self, dip_id: str) -> str:
        """The inbox's address for `dip_id` (on the web listener): what to paste into Message Channels."""
        return self.ctx.links.base + PATH.format(environment=self.ctx.environment, dip_id=dip_id)

    def _known(self, dip_id: str) -> None:
        if self.ctx.one("select 1 as x from dip_ids where environment = ? and dip_id = ?",
                        [self.ctx.environment, dip_id]) is None:
            raise NotFound(f"no DIP ID {dip_id} in the DIP {self.ctx.environment_name}: the inbox of a DIP ID is "
                           f"{PATH.format(environment=self.ctx.environment, dip_id='<DIP ID>')}", field="dip_id")

    def receive(self, dip_id: str, channel: str, url: str, body: bytes, headers) -> tuple[int, bytes]:
        """One POST from the DIP to `url`: checked, kept, answered (status, StandardResponse body)."""
        self._known(dip_id)
        now = real_now()
        report = check_delivery(url, body, headers, self.own.row("signing")["certificate_pem"], now,
                                self.ctx.messages.signature_skew)
        items = delivered_items(body)
        status, reply = answer(items, report, now)
        text = body.decode("utf-8", "replace")
        row = {"environment": self.ctx.environment, "dip_id": dip_id, "channel": channel or None,
               "arrived_at": self.ctx.clock.now_unix(), "arrived_real_at": now.timestamp(), "status": status,
               "signature_valid": int(report.ok), "signature_problem": None if report.ok else report.message,
               "transaction_ids": json.dumps([t for t in map(transaction_id, items) if t]),
               "body": text[:SHOWN_BODY]}
        with self.ctx.store.transaction() as db:
            db["dip_inbox"].insert(row)
            db.execute("delete from dip_inbox where environment = ? and dip_id = ? and id <= (select id from dip_inbox "
                       "where environment = ? and dip_id = ? order by id desc limit 1 offset ?)",
                       [self.ctx.environment, dip_id, self.ctx.environment, dip_id, KEPT])
        return status, reply

    def deliveries(self, dip_id: str, limit: int = 50) -> list[dict]:
        """What arrived for `dip_id`, newest first."""
        rows = self.ctx.store.query("select * from dip_inbox where environment = ? and dip_id = ? order by id desc "
                                    "limit ?", [self.ctx.environment, dip_id, limit])
        shown = []
        for row in rows:
            try:
                pretty = json.dumps(json.loads(row["body"]), indent=2)
            except ValueError:
                pretty = row["body"]
            shown.append({"arrived_at": iso_unix(row["arrived_at"]), "channel": row["channel"],
                          "status": row["status"], "signature_valid": bool(row["signature_valid"]),
                          "signature_problem": row["signature_problem"],
                          "transaction_ids": json.loads(row["transaction_ids"]), "body": pretty})
        return shown
