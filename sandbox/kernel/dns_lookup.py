"""What the sandbox's own checks (Atlas domain verification) read: the sandbox zones, or an external
resolver when `dns_resolver` is set, for people who run their own DNS."""
from __future__ import annotations

from sandbox.kernel.dns_server import DnsLookupFailed, lookup_txt_external
from sandbox.kernel.dns_zones import DnsRecord, DnsZones


class TxtLookup:
    def __init__(self, zones: DnsZones, external_resolver: str | None = None):
        self.zones = zones
        self._external = external_resolver

    @property
    def source(self) -> str:
        return f"external resolver {self._external}" if self._external else "sandbox DNS zones"

    def txt_values(self, name: str) -> list[str]:
        """The TXT values visible for `name` now; raises DnsLookupFailed when the DNS cannot answer."""
        if self._external:
            return lookup_txt_external(self._external, name)
        answer = self.zones.resolve(name, "TXT")
        if answer.rcode == "SERVFAIL":
            raise DnsLookupFailed(f"the DNS answered SERVFAIL for {name}")
        return [r.value for r in answer.records if r.type == "TXT"]

    def not_yet_visible(self, name: str, value: str) -> DnsRecord | None:
        """A TXT record of `name` holding `value` that the sandbox DNS has but does not serve yet (propagation);
        None with an external resolver, which the sandbox cannot look behind."""
        if self._external:
            return None
        now = self.zones.clock_now()
        return next((r for r in self.zones.records(name, "TXT") if r.value.strip() == value and r.visible_at > now),
                    None)
