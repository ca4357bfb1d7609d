"""A running sandbox, seen from a test: its endpoints and a small typed API over its control API.

Everything goes through real sockets (the control API on the web listener), so a handle works the same on a
sandbox started in this process, in a subprocess, or by someone else (`SandboxHandle.connect(endpoints_file)`).
"""
from __future__ import annotations

import base64
import difflib
import json
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable, TypeVar

import requests

from sandbox.harness.message_client import DipClient
from sandbox.harness.webhook_receiver import WebhookReceiver

T = TypeVar("T")
ALL_CHANNELS = ("*",)  # every interface the sandbox routes, and STATUS


class ControlError(AssertionError):
    """The control API answered an error (the message is the sandbox's own)."""


@dataclass(frozen=True)
class Endpoints:
    web: str
    control: str
    atlas_api: str
    dip_api: dict[str, str]
    dns_host: str
    dns_port: int
    ca_bundle: Path
    data_dir: Path

    @classmethod
    def from_json(cls, data: dict) -> "Endpoints":
        return cls(data["web"], data["control"], data["atlas_api"], dict(data["dip_api"]), data["dns"]["host"],
                   int(data["dns"]["port"]), Path(data["ca_bundle"]), Path(data["data_dir"]))


@dataclass(frozen=True)
class Email:
    id: str
    sent_at: str
    sender: str
    to: str
    subject: str
    text: str
    links: tuple[str, ...]


@dataclass(frozen=True)
class DipIdCredentials:
    dip_id: str
    role: str
    mpid: str
    api_key: str
    secondary_api_key: str


@dataclass(frozen=True)
class Organisation:
    """An organisation ready to exchange messages: DIP IDs with API keys, and its mTLS & Signing certificate, key,
    PFX (no password) and the DIP CA chain as files."""
    organisation_id: str
    environment: str
    company_name: str
    domain: str
    dip_ids: tuple[DipIdCredentials, ...]
    certificate_file: Path
    key_file: Path
    pfx_file: Path
    chain_file: Path
    members: tuple[dict, ...]
    dip_api: str = field(repr=False)
    ca_bundle: Path = field(repr=False)
    certificate_serial: str = ""  # of certificate_file: what Dip.revoke_certificate takes

    @property
    def dip_id(self) -> DipIdCredentials:
        """The first DIP ID (most organisations have one)."""
        return self.dip_ids[0]

    def client(self, dip_id: str | None = None) -> DipClient:
        """The reference message client, signing with this organisation's certificate and sending with the API key
        of `dip_id` (default: the first)."""
        chosen = next((d for d in self.dip_ids if d.dip_id == dip_id), None) if dip_id else self.dip_id
        if chosen is None:
            raise KeyError(f"{self.company_name} has no DIP ID {dip_id}")
        return DipClient(self.dip_api, self.certificate_file, self.key_file, chosen.api_key, self.ca_bundle)


@dataclass(frozen=True)
class AtlasAccount:
    """An Atlas account that completed the journey: HVCA API key and secret, the client mTLS certificate files."""
    account_id: str
    email: str
    password: str
    api_key: str
    api_secret: str
    client_certificate_file: Path
    client_key_file: Path
    client_pfx_file: Path


@dataclass(frozen=True)
class ServerCertificate:
    """A server certificate for your own HTTPS webhook, from the sandbox TLS root (which the DIP trusts)."""
    names: tuple[str, ...]
    certificate_file: Path
    key_file: Path
    certificate_pem: str = field(repr=False)
    key_pem: str = field(repr=False)


@dataclass(frozen=True)
class ScenarioState:
    """What a scenario made; `raw` is the control API's answer."""
    name: str
    raw: dict = field(repr=False)
    atlas: AtlasAccount | None
    organisations: dict[tuple[str, str], Organisation]  # (environment, "participant" | "counterpart")

    def organisation(self, environment: str = "uit", role: str = "participant") -> Organisation:
        """By the scenario's name for it ("participant", "counterpart") or by a DIP role code one of its DIP IDs
        has ("SUP", "ADS", ...)."""
        found = self.organisations.get((environment, role)) or next(
            (o for (e, _), o in self.organisations.items() if e == environment
             and any(d.role == role.upper() for d in o.dip_ids)), None)
        if found is None:
            raise KeyError(f"scenario {self.name} has no {role} in {environment}; it has "
                           + (", ".join(f"{e}/{r} ({'/'.join(d.role for d in o.dip_ids)})"
                                        for (e, r), o in self.organisations.items()) or "no organisations"))
        return found


class _Part:
    def __init__(self, handle: "SandboxHandle"):
        self._handle = handle


class Clock(_Part):
    def now(self) -> datetime:
        return datetime.fromisoformat(self._handle.control("GET", "/clock")["now"].replace("Z", "+00:00"))

    def advance(self, duration: float | str | timedelta) -> datetime:
        """Advance by seconds, a timedelta or a text such as "72h"; every job that falls due runs first. A delivery
        in flight is recorded first, at the time it was made, so its retry falls due when it should."""
        seconds = duration.total_seconds() if isinstance(duration, timedelta) else duration
        answer = self._handle.control("POST", "/clock/advance", json={"seconds": seconds})
        return datetime.fromisoformat(answer["now"].replace("Z", "+00:00"))

    def set(self, moment: datetime | str) -> datetime:
        text = moment.isoformat() if isinstance(moment, datetime) else moment
        answer = self._handle.control("POST", "/clock/set", json={"now": text})
        return datetime.fromisoformat(answer["now"].replace("Z", "+00:00"))

    def mode(self, mode: str, factor: float | None = None) -> dict:
        return self._handle.control("POST", "/clock/mode", json={"mode": mode, "factor": factor})

    def advance_to_next(self) -> datetime:
        """To the next due event: a job of the journey or a DIP delivery retry (GET /jobs), which then runs."""
        jobs = self._handle.control("GET", "/jobs")["jobs"]
        if not jobs:
            raise ControlError("nothing is waiting: there is no next due event")
        return self.set(max(jobs[0]["due"], self.now().isoformat()))


class Dns(_Part):
    def set_txt(self, name: str, value: str, ttl: int = 300) -> dict:
        """Add a TXT record to the sandbox's DNS (visible after the profile's propagation wait)."""
        return self._handle.control("POST", "/dns/records", json={"name": name, "type": "TXT", "value": value,
                                                                   "ttl": ttl})

    def records(self, name: str | None = None) -> list[dict]:
        return self._handle.control("GET", "/dns/records", params={"name": name} if name else None)["records"]

    def remove(self, record_id: str) -> None:
        self._handle.control("DELETE", f"/dns/records/{record_id}")

    def servfail(self, name: str) -> None:
        self._handle.control("POST", "/dns/servfail", json={"name": name})


class Mail(_Part):
    def list(self, to: str | None = None, subject: str | None = None) -> list[Email]:
        params = {k: v for k, v in (("to", to), ("subject", subject)) if v}
        return [Email(e["id"], e["sent_at"], e["from"], e["to"], e["subject"], e["text"], tuple(e["links"]))
                for e in self._handle.control("GET", "/mail", params=params)["emails"]]

    def wait_for(self, to: str | None = None, subject: str | None = None, timeout: float = 10.0) -> Email:
        """The newest email to `to` whose subject contains `subject`, waiting up to `timeout` seconds."""
        return _poll(lambda: (self.list(to, subject) or [None])[-1], timeout,
                     f"no email{' to ' + to if to else ''}{' about ' + repr(subject) if subject else ''}")


class Journal(_Part):
    def entries(self, **filters: Any) -> list[dict]:
        """Journal entries, newest first; filters: listener, method, path, status, since."""
        params = {k: v for k, v in filters.items() if v is not None}
        return self._handle.control("GET", "/journal", params={**params, "per_page": 500})["entries"]

    def wait_for(self, listener: str | None = None, method: str | None = None, path: str | None = None,
                 status: str | int | None = None, timeout: float = 10.0) -> dict:
        """The newest journal entry that matches, waiting up to `timeout` seconds."""
        filters = {"listener": listener, "method": method, "path": path,
                   "status": str(status) if status is not None else None}
        return _poll(lambda: (self.entries(**filters) or [None])[0], timeout,
                     f"no journal entry matching {({k: v for k, v in filters.items() if v})}")

    def assert_received(self, listener: str, method: str, path: str, count: int = 1,
                        status: str | int | None = None) -> list[dict]:
        """WireMock's verify: exactly `count` requests `method path` (the path without its query, or with it when
        `path` has one) reached `listener` (and answered `status`, if given); the matching entries. Otherwise an
        AssertionError with the near misses — the closest requests of that listener and how each differs."""
        seen = self.entries(listener=listener)
        wanted = {"method": method.upper(), "path": path, "status": None if status is None else str(status)}
        matched = [e for e in seen if not _differences(e, wanted)]
        if len(matched) == count:
            return matched
        near = sorted((e for e in seen if e not in matched), key=lambda e: -difflib.SequenceMatcher(
            None, f"{e['method']} {e['path']}", f"{wanted['method']} {path}").ratio())[:3]
        report = "".join(f"\n  {e['method']} {e['path']} -> {e['status']}: {'; '.join(_differences(e, wanted))}"
                         for e in near) or " (the listener has no entries at all)"
        raise AssertionError(f"{listener}: expected {count} x {wanted['method']} {path}"
                             f"{'' if status is None else f' -> {status}'}, found {len(matched)}. Closest:{report}")


class Atlas(_Part):
    def create_account(self, **fields: Any) -> AtlasAccount:
        """An Atlas account through vetting, with API credentials and a client mTLS certificate (fields: company_name,
        email, password, ...)."""
        return self._handle._atlas_account(self._handle.control("POST", "/atlas/accounts", json=fields))

    def expire_tokens(self) -> int:
        """End every HVCA access token now (they last 10 real minutes), to exercise a client's re-login path;
        how many were still valid."""
        return self._handle.control("POST", "/atlas/tokens/expire")["expired"]


class Dip(_Part):
    def onboard_organisation(self, environment: str = "uit", roles: list[str] | tuple[str, ...] = ("SUP",),
                             webhook: str | None = None, *, company_name: str | None = None, dcp: bool = False,
                             dip_ids: list[str] | None = None, webhook_channels: tuple[str, ...] = ALL_CHANNELS,
                             **extra: Any) -> Organisation:
        """A fully onboarded organisation: a DIP ID per role (fixed values with `dip_ids`), API keys, an mTLS &
        Signing certificate with key and PFX on disk, and `webhook` as every DIP ID's callback URL for
        `webhook_channels` (default `*`: every interface the sandbox routes, and STATUS)."""
        specs = [{"role_code": role, **({"dip_id": dip_ids[i]} if dip_ids else {})} for i, role in enumerate(roles)]
        payload: dict[str, Any] = {"dip_ids": specs, "dcp": dcp, **extra}
        if company_name:
            payload["company_name"] = company_name
        if webhook:
            payload["webhooks"] = {channel: webhook for channel in webhook_channels}
        made = self._handle.control("POST", f"/dip/{environment}/organisations", json=payload)
        return self._handle._organisation(made)

    def delivery(self, transaction_id: str | None = None, reference: str | None = None,
                 environment: str = "uit") -> dict:
        """Where a message stands: each delivery's state, attempts and `why` (control API)."""
        if transaction_id:
            return self._handle.control("GET", f"/dip/{environment}/messages/{transaction_id}")
        return self._handle.control("GET", f"/dip/{environment}/messages", params={"reference": reference})

    def wait_for_delivery(self, transaction_id: str | None = None, reference: str | None = None,
                          state: str = "Delivered", environment: str = "uit", timeout: float = 15.0) -> dict:
        """Wait until every delivery of the message (by transaction ID or sender reference) is in `state`; the
        message's report. On timeout the AssertionError says where each delivery stands and why."""
        deadline = time.monotonic() + timeout
        while True:
            report = self.delivery(transaction_id, reference, environment)
            if report["deliveries"] and all(d["state"] == state for d in report["deliveries"]):
                return report
            if time.monotonic() >= deadline:
                where = "; ".join(f"{d['recipient']}: {d['why']}" for d in report["deliveries"]) or "no delivery"
                raise AssertionError(f"message {report['transaction_id']} not {state} within {timeout:g} s: {where}")
            time.sleep(0.05)

    def revoke_certificate(self, serial: str, reason: str = "keyCompromise", environment: str = "uit") -> dict:
        """Revoke a DIP certificate now (an organisation's `certificate_serial`, or one `issue_certificate` made):
        the DIP refuses connections and signatures made with it from the next request."""
        return self._handle.control("POST", f"/dip/{environment}/certificates/{serial}/revoke",
                                    json={"reason": reason})

    def issue_certificate(self, organisation: Organisation, purpose: str = "mTLS & Signing",
                          expired: bool = False) -> "Organisation":
        """Another certificate for `organisation` (mTLS, Signing or mTLS & Signing, a new key; `expired`: one whose
        validity just ended): the organisation again, with the new certificate's files and serial (its DIP IDs and
        keys unchanged)."""
        made = self._handle.control("POST", f"/dip/{organisation.environment}/organisations/"
                                            f"{organisation.organisation_id}/certificates",
                                    json={"purpose": purpose, "expired": expired})
        files = self._handle._certificate_files(f"{organisation.environment}-{organisation.organisation_id}-"
                                                f"{made['certificate_serial']}", made)
        return replace(organisation, certificate_serial=made["certificate_serial"], **files)


class SandboxHandle:
    def __init__(self, endpoints: Endpoints, workdir: Path, stop: Callable[[], None] | None = None,
                 token: str | None = None):
        self.endpoints = endpoints
        self.workdir = Path(workdir)
        self._stop = stop
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"
        self.clock, self.dns, self.mail = Clock(self), Dns(self), Mail(self)
        self.journal, self.atlas, self.dip = Journal(self), Atlas(self), Dip(self)
        self._receivers: list[WebhookReceiver] = []
        self.sandbox = None  # the Sandbox object, when started in this process (launch.serve_in_process)

    @classmethod
    def connect(cls, endpoints_file: Path, workdir: Path, token: str | None = None) -> "SandboxHandle":
        """A handle on a sandbox someone else started with --endpoints-file."""
        return cls(Endpoints.from_json(json.loads(Path(endpoints_file).read_text())), workdir, None, token)

    @property
    def ca_bundle(self) -> Path:
        return self.endpoints.ca_bundle

    # -- raw access ------------------------------------------------------------------------------
    def control(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call the control API; the JSON answer (None for 204), ControlError with the sandbox's message on 4xx/5xx."""
        response = self.session.request(method, self.endpoints.control + path, timeout=120, **kwargs)
        if response.status_code >= 400:
            try:
                message = response.json()["error"]["message"]
            except (ValueError, KeyError, TypeError):
                message = response.text
            raise ControlError(f"{method} {path}: {response.status_code} {message}")
        return None if response.status_code == 204 else response.json()

    # -- state -----------------------------------------------------------------------------------
    def load_scenario(self, name: str) -> ScenarioState:
        """Replace the state with a named scenario: fresh, atlas-vetted, uit-onboarded, promoted, demo-organisations."""
        made = self.control("POST", f"/scenarios/{name}")
        organisations = {(environment, role): self._organisation(made[environment][role])
                         for environment in ("uit", "prod") if environment in made for role in made[environment]}
        return ScenarioState(name, made, self._atlas_account(made["atlas"]) if "atlas" in made else None,
                             organisations)

    def snapshot(self, name: str) -> dict:
        return self.control("POST", "/snapshots", json={"name": name})

    def restore(self, name: str) -> dict:
        return self.control("POST", f"/snapshots/{name}/restore")

    def reset(self) -> dict:
        return self.control("POST", "/reset", json={})

    # -- webhooks --------------------------------------------------------------------------------
    def webhook_receiver(self, environment: str = "uit") -> WebhookReceiver:
        """An HTTPS webhook (closed with the sandbox) that the DIP of `environment` trusts and signs to."""
        server = self.server_certificate()
        receiver = WebhookReceiver(server.certificate_pem, server.key_pem, self.client_certificate_authorities(),
                                   self.dip_signing_certificate(environment))
        self._receivers.append(receiver)
        return receiver

    def dip_signing_certificate(self, environment: str = "uit") -> str:
        """The PEM of the DIP's signing certificate: what your webhook checks the DIP's pushes against (the
        X-DIP-Signature-Certificate of a delivery must be this one)."""
        own = self.session.get(f"{self.endpoints.web}/dip/{environment}/api/dip-certificates", timeout=120).json()
        return next(c for c in own["dip_certificates"] if c["purpose"] == "signing")["certificate_pem"]

    def client_certificate_authorities(self) -> str:
        """The sandbox's intermediate and root CAs (PEM): the chain of the DIP's certificates — the client
        certificate it presents to your HTTPS webhook, and its signing certificate."""
        return self.session.get(self.endpoints.control + "/ca/intermediates", timeout=30).text + \
            self.session.get(self.endpoints.control + "/ca/roots", timeout=30).text

    def server_certificate(self, names: tuple[str, ...] = ("localhost", "127.0.0.1")) -> ServerCertificate:
        """A server certificate (and key, as files) for your own HTTPS webhook, which the DIP trusts."""
        made = self.control("POST", "/tls/server-certificates", json={"names": list(names)})
        directory = self._files(f"server-{len(list((self.workdir / 'credentials').glob('server-*')))}")
        (directory / "server.pem").write_text(made["certificate_pem"])
        (directory / "server.key").write_text(made["key_pem"])
        (directory / "server.key").chmod(0o600)
        return ServerCertificate(tuple(names), directory / "server.pem", directory / "server.key",
                                 made["certificate_pem"], made["key_pem"])

    # -- credentials on disk -----------------------------------------------------------------------
    def _files(self, name: str) -> Path:
        directory = self.workdir / "credentials" / name
        directory.mkdir(parents=True, exist_ok=True)
        return directory

    def _certificate_files(self, name: str, made: dict) -> dict[str, Path]:
        """A certificate, its key, PFX and chain written as files; their paths by Organisation field."""
        directory = self._files(name)
        for file, text in (("certificate.pem", made["certificate_pem"]), ("key.pem", made["key_pem"]),
                           ("chain.pem", made["chain_pem"])):
            (directory / file).write_text(text)
        (directory / "key.pem").chmod(0o600)
        (directory / "certificate.pfx").write_bytes(base64.b64decode(made["pfx_base64"]))
        return {"certificate_file": directory / "certificate.pem", "key_file": directory / "key.pem",
                "pfx_file": directory / "certificate.pfx", "chain_file": directory / "chain.pem"}

    def _organisation(self, made: dict) -> Organisation:
        files = self._certificate_files(f"{made['environment']}-{made['organisation_id']}", made)
        return Organisation(
            made["organisation_id"], made["environment"], made["company_name"], made["domain"],
            tuple(DipIdCredentials(d["dip_id"], d["role"], d["mpid"], d["api_key"], d["secondary_api_key"])
                  for d in made["dip_ids"]),
            members=tuple(made["members"]), dip_api=self.endpoints.dip_api[made["environment"]],
            ca_bundle=self.ca_bundle, certificate_serial=made.get("certificate_serial", ""), **files)

    def _atlas_account(self, made: dict) -> AtlasAccount:
        directory = self._files(f"atlas-{made['account_id']}")
        (directory / "client.pem").write_text(made["client_cert_pem"])
        (directory / "client.key").write_text(made["client_key_pem"])
        (directory / "client.key").chmod(0o600)
        (directory / "client.pfx").write_bytes(base64.b64decode(made["client_pfx_base64"]))
        return AtlasAccount(made["account_id"], made["email"], made["password"], made["api_key"], made["api_secret"],
                            directory / "client.pem", directory / "client.key", directory / "client.pfx")

    # -- stopping --------------------------------------------------------------------------------
    def stop(self) -> None:
        for receiver in self._receivers:
            receiver.close()
        self._receivers.clear()
        self.session.close()
        if self._stop is not None:
            stop, self._stop = self._stop, None
            stop()

    def __enter__(self) -> "SandboxHandle":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _differences(entry: dict, wanted: dict) -> list[str]:
    """How a journal entry differs from the request `assert_received` looks for (nothing: it matches)."""
    found = []
    if entry["method"].upper() != wanted["method"]:
        found.append(f"method {entry['method']}, not {wanted['method']}")
    path = entry["path"] if "?" in wanted["path"] else entry["path"].split("?", 1)[0]
    if path != wanted["path"]:
        found.append(f"path {path}, not {wanted['path']}")
    if wanted["status"] is not None and str(entry["status"]) != wanted["status"]:
        found.append(f"status {entry['status']}, not {wanted['status']}")
    return found


def _poll(find: Callable[[], T | None], timeout: float, what: str) -> T:
    deadline = time.monotonic() + timeout
    while True:
        found = find()
        if found is not None:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {timeout:g} s")
        time.sleep(0.05)
