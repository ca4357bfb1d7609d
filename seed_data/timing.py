"""Timing profiles: every wait of the onboarding journey, named, per profile."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=1)
def _load() -> dict:
    return json.loads(resources.files("seed_data").joinpath("timing_profiles.json").read_text())


def wait_docs() -> dict[str, str]:
    return dict(_load()["waits"])


@dataclass(frozen=True)
class TimingProfile:
    name: str
    seconds: dict[str, float]

    def wait(self, name: str) -> timedelta:
        """The named wait as a duration; an unknown name is a programming error."""
        return timedelta(seconds=self.seconds[name])


def timing_profile(name: str) -> TimingProfile:
    data = _load()
    if name not in data["profiles"]:
        raise KeyError(f"unknown timing profile {name!r}; known: {', '.join(data['profiles'])}")
    return TimingProfile(name, dict(data["profiles"][name]))
