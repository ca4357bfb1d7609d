"""The DIP's routing table (seed_data/routing.json): secondary and always recipients per interface."""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class Route:
    secondary: tuple[str, ...] = ()
    always: tuple[str, ...] = ()


@lru_cache(maxsize=1)
def _table() -> dict[str, Route]:
    data = json.loads(resources.files("seed_data").joinpath("routing.json").read_text())
    return {name.upper(): Route(tuple(entry.get("secondary", ())), tuple(entry.get("always", ())))
            for name, entry in data["interfaces"].items()}


def route(interface_id: str) -> Route:
    return _table().get(interface_id.upper(), Route())
