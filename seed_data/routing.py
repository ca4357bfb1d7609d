"""The DIP's routing table (seed_data/routing.json): every official interface, who may send it, the roles of its
primary recipients, and its secondary and always recipients. The file says, per interface, where each choice
comes from."""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class Route:
    interface_id: str
    name: str
    events: tuple[str, ...]  # its event codes in the official files, without brackets
    senders: tuple[str, ...]  # role codes that may send it (MSG1010 otherwise)
    recipients: tuple[str, ...]  # role codes its primary recipients may have (MSG1032 otherwise)
    secondary: tuple[str, ...] = ()
    always: tuple[str, ...] = ()
    since: str | None = None  # the first version of the official documents that lists it
    basis: str = ""

    def in_version(self, version: str | None) -> bool:
        """Whether the official documents of `version` (None: no --dip-spec, every version) list it."""
        return version is None or self.since is None or _version_key(version) >= _version_key(self.since)


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".") if part.isdigit())


@lru_cache(maxsize=1)
def _table() -> dict[str, Route]:
    data = json.loads(resources.files("seed_data").joinpath("routing.json").read_text())
    groups = data["groups"]

    def roles(names) -> tuple[str, ...]:
        expanded = [role for name in names for role in (groups[name] if name.startswith("@") else [name])]
        return tuple(dict.fromkeys(expanded))

    return {name.upper(): Route(name.upper(), entry["name"], tuple(entry["events"]), roles(entry["from"]),
                                roles(entry["to"]),
                                tuple(entry.get("secondary", ())), tuple(entry.get("always", ())),
                                entry.get("since"), entry["basis"])
            for name, entry in data["interfaces"].items()}


def route(interface_id: str, version: str | None = None) -> Route | None:
    """The route of an interface the official documents of `version` list, else None."""
    found = _table().get(str(interface_id).upper())
    return found if found is not None and found.in_version(version) else None


def routes(version: str | None = None) -> list[Route]:
    return [r for r in _table().values() if r.in_version(version)]


def interface_ids(version: str | None = None) -> tuple[str, ...]:
    return tuple(r.interface_id for r in routes(version))


ROUTING_NOTE = "the sandbox's routing table, seed_data/routing.json; the setting dip_routing=addressed lifts this check"


def unknown_interface(interface_id: str, version: str | None = None) -> str:
    """Why `interface_id` is not an interface of the DIP API (of `version`, when the official files are set)."""
    later = route(interface_id)
    if later is not None:
        return (f"{interface_id} is an interface of the DIP API from v{later.since} on; this sandbox validates "
                f"against v{version}")
    return (f"{interface_id} is not an interface of the DIP API (the official DT-000-InterfaceID list: IF-001 ... "
            f"IF-065 and REP-002 ... REP-901, {len(interface_ids(version))} in all)")
