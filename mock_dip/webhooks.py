"""Publication configuration: one webhook per interface per recipient DIP ID (`channel` = the interface ID), and
one for status messages (`channel` = STATUS). Set through the message API by the recipient DIP ID itself
(`POST /dip-channel/{id}/pubconfig/{recipient-id}`), or in the portal by the organisation's Message Admins."""
from __future__ import annotations

from urllib.parse import urlsplit

from mock_dip.context import DipContext
from sandbox.kernel import form_checks as f
from sandbox.kernel.errors import InvalidInput, NotFound
from seed_data.routing import interface_ids, route, unknown_interface

STATUS_CHANNEL = "STATUS"


def _callback_url(payload) -> str:
    payload = f.form(payload)
    lowered = {str(k).lower(): v for k, v in payload.items()}
    url = lowered.get("callbackurl")
    if not isinstance(url, str) or not url.strip():
        raise InvalidInput("callbackURL is required: the https:// (or http://) URL of your webhook",
                           field="callbackURL")
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - a port out of range or not a number raises here
    except ValueError as exc:
        raise InvalidInput(f"callbackURL {url!r} is not a URL ({exc}): e.g. https://webhooks.example.com/dip",
                           field="callbackURL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url.strip()):
        raise InvalidInput(f"callbackURL {url!r} is not an absolute http(s) URL: e.g. "
                           "https://webhooks.example.com/dip", field="callbackURL")
    return url.strip()


class Webhooks:
    def __init__(self, ctx: DipContext):
        self.ctx = ctx

    def channel(self, interface_id: str) -> str:
        channel = interface_id.upper()
        if channel != STATUS_CHANNEL and route(channel, self.ctx.messages.version) is None:
            raise InvalidInput(unknown_interface(interface_id, self.ctx.messages.version), field="id")
        return channel

    def channels(self, name: str) -> list[str]:
        """`name`, or for `*` every interface the DIP routes and STATUS."""
        return [*interface_ids(self.ctx.messages.version), STATUS_CHANNEL] if name == "*" else [self.channel(name)]

    def set(self, recipient_dip_id: str, interface_id: str, payload, by: str) -> dict:
        url = _callback_url(payload)
        row = {"environment": self.ctx.environment, "recipient_dip_id": recipient_dip_id,
               "channel": self.channel(interface_id), "callback_url": url, "created_at": self.ctx.clock.now_unix(),
               "created_by": by}
        with self.ctx.store.transaction() as db:
            db["dip_webhooks"].upsert(row, pk=("environment", "recipient_dip_id", "channel"))
        return self.describe(row)

    def remove(self, recipient_dip_id: str, interface_id: str) -> None:
        channel = self.channel(interface_id)
        with self.ctx.store.transaction() as db:
            gone = db.execute("delete from dip_webhooks where environment = ? and recipient_dip_id = ? and channel = ?",
                              [self.ctx.environment, recipient_dip_id, channel]).rowcount
        if not gone:
            raise NotFound(f"DIP ID {recipient_dip_id} has no webhook for {channel}", field="id")

    def for_recipient(self, recipient_dip_id: str) -> list[dict]:
        return [self.describe(r) for r in self.ctx.store.query(
            "select * from dip_webhooks where environment = ? and recipient_dip_id = ? order by channel",
            [self.ctx.environment, recipient_dip_id])]

    @staticmethod
    def describe(row: dict) -> dict:
        return {"dip_id": row["recipient_dip_id"], "channel": row["channel"], "callbackURL": row["callback_url"]}
