"""Running totals of the DIP's traffic, so the Performance page and the journey map cost the same with a hundred
messages stored or a million (issue 19): deliveries per recipient and state, messages sent per sender and interface,
and a histogram of delivery latencies per recipient.

SQLite triggers keep them (`triggers()`, created by the schema), so every path that stores a message, makes a
delivery or settles one — ingress, status messages, requeue, the delivery worker — counts without knowing it.
Latency percentiles come from the histogram: buckets 2% wide from 0.1 ms, a percentile is its bucket's upper
bound (at most 2% above the exact nearest-rank value). Status-message deliveries (channel STATUS) are not in the
state counts, as before; their latency is in the histogram, as before.
"""
from __future__ import annotations

import math

from mock_dip.context import DipContext
from mock_dip.webhooks import STATUS_CHANNEL

FLOOR_MS = 0.1
WIDTH = 1.02


def latency_bucket(ms: float) -> int:
    return 0 if ms < FLOOR_MS else 1 + int(math.log(ms / FLOOR_MS) / math.log(WIDTH))


def bucket_upper_ms(bucket: int) -> float:
    return FLOOR_MS * WIDTH ** bucket


def tables(db) -> None:
    db["dip_delivery_counts"].create({"environment": str, "recipient_dip_id": str, "state": str, "n": int},
                                     pk=("environment", "recipient_dip_id", "state"))
    db["dip_sent_counts"].create({"environment": str, "sender_dip_id": str, "interface_id": str, "n": int},
                                 pk=("environment", "sender_dip_id", "interface_id"))
    db["dip_latency_histogram"].create({"environment": str, "recipient_dip_id": str, "bucket": int, "n": int},
                                       pk=("environment", "recipient_dip_id", "bucket"))


def _add(table: str, key: str, value: str, step: str) -> str:
    return (f"insert into {table} (environment, {key}, n) values (new.environment, {value}, {step}) "
            f"on conflict (environment, {key}) do update set n = n + {step};")


def triggers() -> list[str]:
    counted = f"new.interface_id != '{STATUS_CHANNEL}'"
    delivery = "recipient_dip_id, state"
    return [
        "create trigger dip_count_message after insert on dip_messages begin "
        + _add("dip_sent_counts", "sender_dip_id, interface_id", "new.sender_dip_id, new.interface_id", "1") + " end",
        f"create trigger dip_count_delivery after insert on dip_deliveries when {counted} begin "
        + _add("dip_delivery_counts", delivery, "new.recipient_dip_id, new.state", "1") + " end",
        f"create trigger dip_count_state after update of state on dip_deliveries when {counted} and "
        "new.state != old.state begin "
        "update dip_delivery_counts set n = n - 1 where environment = old.environment and recipient_dip_id = "
        "old.recipient_dip_id and state = old.state; "
        + _add("dip_delivery_counts", delivery, "new.recipient_dip_id, new.state", "1") + " end",
        "create trigger dip_count_latency after update of latency_bucket on dip_deliveries when "
        "new.latency_bucket is not null and old.latency_bucket is null begin "
        + _add("dip_latency_histogram", "recipient_dip_id, bucket", "new.recipient_dip_id, new.latency_bucket", "1")
        + " end",
    ]


def backfill(db) -> None:
    """Totals of what a database already holds, when the counting starts."""
    for row in list(db.query("select id, latency_ms from dip_deliveries where latency_ms is not null")):
        db.execute("update dip_deliveries set latency_bucket = ? where id = ?",
                   [latency_bucket(row["latency_ms"]), row["id"]])
    db.execute("insert into dip_sent_counts select environment, sender_dip_id, interface_id, count(*) from "
               "dip_messages group by 1, 2, 3")
    db.execute(f"insert into dip_delivery_counts select environment, recipient_dip_id, state, count(*) from "
               f"dip_deliveries where interface_id != '{STATUS_CHANNEL}' group by 1, 2, 3")
    db.execute("insert into dip_latency_histogram select environment, recipient_dip_id, latency_bucket, count(*) "
               "from dip_deliveries where latency_bucket is not null group by 1, 2, 3")


class DeliveryCounts:
    def __init__(self, ctx: DipContext):
        self.ctx = ctx

    def sent(self, dip_ids: list[str]) -> dict[str, int]:
        """Messages sent by these DIP IDs, per interface."""
        return self._totals("dip_sent_counts", "sender_dip_id", "interface_id", dip_ids)

    def states(self, dip_ids: list[str]) -> dict[str, int]:
        """Deliveries of messages to these DIP IDs, per state (status messages aside)."""
        return self._totals("dip_delivery_counts", "recipient_dip_id", "state", dip_ids)

    def _totals(self, table: str, dip_column: str, key: str, dip_ids: list[str]) -> dict[str, int]:
        totals: dict[str, int] = {}
        for row in self.ctx.store.query(
                f"select {key} as k, n from {table} where environment = ? and {dip_column} in "
                f"({', '.join('?' * len(dip_ids)) or 'null'}) and n > 0 order by {key}",
                [self.ctx.environment, *dip_ids]):
            totals[row["k"]] = totals.get(row["k"], 0) + row["n"]
        return totals

    def latency(self, dip_id: str) -> dict:
        """count, p50, p90, p99 of the delivery latency (ms) to `dip_id`."""
        buckets = self.ctx.store.query("select bucket, n from dip_latency_histogram where environment = ? and "
                                       "recipient_dip_id = ? order by bucket", [self.ctx.environment, dip_id])
        count = sum(b["n"] for b in buckets)
        figures: dict = {"count": count}
        for name, fraction in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99)):
            rank, seen, figures[name] = round(fraction * (count - 1)), 0, None
            for b in buckets:
                seen += b["n"]
                if seen > rank:
                    figures[name] = round(bucket_upper_ms(b["bucket"]), 3)
                    break
        return figures
