"""Faults on demand for the HVCA API: a chosen share of requests answered 429 (with Retry-After) or 503
(with an id), drawn from the sandbox's random source (deterministic under --seed). Off by default."""
from __future__ import annotations

from mock_atlas.context import AtlasContext
from sandbox.kernel.errors import InvalidInput

_KEY = "atlas_faults"


class Faults:
    def __init__(self, ctx: AtlasContext, rate_429: float = 0.0, rate_503: float = 0.0):
        self.ctx = ctx
        self._defaults = {"rate_429": rate_429, "rate_503": rate_503}
        self._rates: dict | None = None  # read once from the store: every HVCA request asks
        ctx.store.on_replaced(self._forget)

    def _forget(self) -> None:
        self._rates = None

    def rates(self) -> dict:
        if self._rates is None:
            self._rates = {**self._defaults, **(self.ctx.store.get_meta(_KEY) or {})}
        return dict(self._rates)

    def set_rates(self, payload: dict) -> dict:
        rates = self.rates()
        for name in ("rate_429", "rate_503"):
            if name in payload:
                value = payload[name]
                if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
                    raise InvalidInput(f"{name} is a share of requests from 0 to 1", field=name)
                rates[name] = float(value)
        if rates["rate_429"] + rates["rate_503"] > 1:
            raise InvalidInput("rate_429 + rate_503 is at most 1", field="rate_429")
        self.ctx.store.set_meta(_KEY, rates)
        self._rates = dict(rates)
        return rates

    def draw(self) -> str | None:
        """'429', '503' or None for the next request."""
        rates = self.rates()
        if not rates["rate_429"] and not rates["rate_503"]:
            return None
        point = self.ctx.random.below(1_000_000) / 1_000_000
        if point < rates["rate_429"]:
            return "429"
        if point < rates["rate_429"] + rates["rate_503"]:
            return "503"
        return None
