"""Every setting of the sandbox, in one place.

Each setting has a name, a type, a default and a one-line doc. Values come from, in rising order of
precedence: the default, a TOML config file (``--config`` / ``DIP_SANDBOX_CONFIG``), an environment
variable ``DIP_SANDBOX_<NAME>`` and a command-line flag ``--<name-with-dashes>``.
``dip-sandbox config`` prints the effective values and where each came from.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Mapping

from sandbox.kernel.clock import EARLIEST, LATEST, MAX_FACTOR, RANGE_TEXT

ENV_PREFIX = "DIP_SANDBOX_"


class SettingError(ValueError):
    """A setting has a value that cannot be used."""


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise SettingError(f"expected true or false, got {value!r}")


def _port(value: Any) -> int:
    port = int(value)
    if not 0 <= port <= 65535:
        raise SettingError(f"a port is 0 to 65535, got {port}")
    return port


def _names(value: Any) -> tuple[str, ...]:
    if isinstance(value, (list, tuple)):
        return tuple(str(v).strip() for v in value if str(v).strip())
    return tuple(v.strip() for v in str(value).split(",") if v.strip())


def _optional(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def parse_optional(value: Any) -> Any:
        if value is None or (isinstance(value, str) and value.strip() == ""):
            return None
        return parse(value)
    return parse_optional


def _choice(*choices: str) -> Callable[[Any], str]:
    def parse_choice(value: Any) -> str:
        text = str(value).strip().lower()
        if text not in choices:
            raise SettingError(f"expected one of {', '.join(choices)}, got {value!r}")
        return text
    return parse_choice


def _moment(value: Any) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        raise SettingError(f"expected an ISO 8601 time such as 2026-01-05T09:00:00Z, got {value!r}") from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    if not EARLIEST <= moment <= LATEST:
        raise SettingError(f"sandbox time stays {RANGE_TEXT}, got {value!r}")
    return moment


def _positive_float(value: Any) -> float:
    number = float(value)
    if not 0 < number < float("inf"):
        raise SettingError(f"expected a number above 0, got {value!r}")
    return number


def _clock_factor(value: Any) -> float:
    number = _positive_float(value)
    if number > MAX_FACTOR:
        raise SettingError(f"expected at most {MAX_FACTOR:,.0f} sandbox seconds per real second, got {value!r}")
    return number


def _share(value: Any) -> float:
    number = float(value)
    if not 0 <= number <= 1:
        raise SettingError(f"expected a share from 0 to 1, got {value!r}")
    return number


def _positive_int(value: Any) -> int:
    number = int(value)
    if number <= 0:
        raise SettingError(f"expected a whole number above 0, got {value!r}")
    return number


@dataclass(frozen=True)
class Setting:
    name: str
    parse: Callable[[Any], Any]
    default: Any
    doc: str
    flag_kind: str = "value"  # "value" or "flag" (a boolean switch on the command line)

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.upper()

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")


LISTENERS = ("web", "atlas", "dip_uit", "dip_prod", "dns")
ENVIRONMENTS = ("uit", "prod")

SETTINGS: tuple[Setting, ...] = (
    Setting("data_dir", Path, Path(".dip-sandbox"), "directory holding the database and the CA material"),
    Setting("ephemeral", _bool, False, "use a temporary data directory, removed at exit", "flag"),
    Setting("ca_dir", _optional(Path), None, "import CA material from this directory on first start (pins the CAs for CI)"),
    Setting("seed", _optional(int), None, "seed of the random source for identifiers and tokens (reproducible runs)"),
    Setting("scenario", _optional(str), None, "named scenario loaded at start, replacing the state (fresh, atlas-vetted, uit-onboarded, promoted, demo-organisations)"),
    Setting("scenario_keys", _optional(Path), None, "directory of the RSA keys scenarios use, made once and reused (share it between sandboxes; default: DATA_DIR/scenario-keys)"),
    Setting("participant_keys", _optional(Path), None, "directory every participant's RSA key is taken from, made once and reused in order (fast test sandboxes; default: a new key each time)"),
    Setting("profile", _choice("realistic", "training", "instant"), "training", "timing profile naming every wait of the journey"),
    Setting("clock_mode", _optional(_choice("real", "scaled", "manual")), None, "clock mode at start (default: as saved, real on first start)"),
    Setting("clock_start", _optional(_moment), None, "sandbox time of a new (or reset) data directory, ISO 8601 (default: real time); pins timestamps for reproducible runs"),
    Setting("clock_factor", _clock_factor, 60.0, "sandbox seconds per real second in scaled mode"),
    Setting("ephemeral_ports", _bool, False, "bind every listener to an ephemeral port", "flag"),
    Setting("web_host", str, "127.0.0.1", "bind address of the web listener (portals, control API, docs, CRL/OCSP)"),
    Setting("web_port", _port, 8700, "port of the web listener (HTTP)"),
    Setting("atlas_host", str, "127.0.0.1", "bind address of the Atlas API listener"),
    Setting("atlas_port", _port, 8701, "port of the Atlas API listener (HTTPS, client certificates)"),
    Setting("dip_uit_host", str, "127.0.0.1", "bind address of the DIP API listener for UIT"),
    Setting("dip_uit_port", _port, 8702, "port of the DIP API listener for UIT (HTTPS, client certificates)"),
    Setting("dip_prod_host", str, "127.0.0.1", "bind address of the DIP API listener for Production"),
    Setting("dip_prod_port", _port, 8703, "port of the DIP API listener for Production (HTTPS, client certificates)"),
    Setting("dns_host", str, "127.0.0.1", "bind address of the DNS server (UDP and TCP)"),
    Setting("dns_port", _port, 8753, "port of the DNS server (UDP and TCP)"),
    Setting("endpoints_file", _optional(Path), None, "write the endpoints JSON here once every listener accepts connections"),
    Setting("tls_extra_names", _names, (), "extra DNS names or IP addresses for the listeners' server certificate (comma-separated)"),
    Setting("client_cert_mode", _choice("app", "strict"), "app", "app: the app says what is wrong with a client certificate; strict: reject at the handshake"),
    Setting("http_threads", _positive_int, 10, "worker threads per HTTP listener"),
    Setting("http_head_timeout", _positive_float, 10.0, "seconds a client has to send a request's line and headers (slower ones get 408, so they cannot hold the worker threads)"),
    Setting("live_pages", _bool, True, "pages reload themselves when the sandbox changes (a wait ends, an email lands, a message arrives), unless one is being filled in"),
    Setting("shutdown_timeout", _positive_float, 5.0, "seconds to let in-flight requests finish on SIGINT/SIGTERM"),
    Setting("dns_resolver", _optional(str), None, "HOST:PORT of an external DNS resolver for the sandbox's own checks (default: the sandbox zones)"),
    Setting("smtp_relay", _optional(str), None, "HOST:PORT of an SMTP server that receives a copy of every email"),
    Setting("journal_max_entries", _positive_int, 10000, "how many journal entries are kept (oldest dropped first)"),
    Setting("control_token", _optional(str), None, "bearer token the control API requires (default: none)"),
    Setting("control_allow_remote", _bool, False, "accept control API calls from addresses other than loopback", "flag"),
    Setting("atlas_issuance_delay", _optional(float), None, "seconds of sandbox time before an HVCA certificate is issued (GET answers 202 until then; default: the profile's certificate_issuance)"),
    Setting("atlas_issuance_quota", int, 1000, "certificates an Atlas account may issue (HVCA quota; 402 when used up)"),
    Setting("atlas_fault_rate_429", _share, 0.0, "share of HVCA requests answered 429 with Retry-After (0 to 1)"),
    Setting("atlas_fault_rate_503", _share, 0.0, "share of HVCA requests answered 503 with an id (0 to 1)"),
    Setting("atlas_http_check_port", _optional(_port), None, "port the Atlas HTTP domain check connects to (default 80 for http, 443 for https)"),
    Setting("dip_manager_email", str, "dip.manager@dip-sandbox.example", "email of the DIP Manager account (one per environment)"),
    Setting("dip_manager_password", _optional(str), None, "password of the DIP Manager account (default: generated once and printed at start)"),
    Setting("dip_lockout_attempts", _positive_int, 5, "failed DIP portal sign-ins in a row before the account is locked"),
    Setting("dip_lockout_minutes", _positive_float, 15.0, "sandbox minutes a locked DIP portal account stays locked"),
    Setting("dip_signature_skew", _positive_float, 300.0, "seconds an X-DIP-Signature-Date or senderTimestamp may differ from real or sandbox time"),
    Setting("dip_signature_path_only", _bool, False, "also accept signatures over the path and query alone instead of the full URL (older clients)", "flag"),
    Setting("dip_spec", _optional(str), None, "folder of the official DIP API files, or a checkout of their repository, or a folder holding one version of them (e.g. shared/dip-api-spec/v1.8.3): every message is also validated against their schemas"),
    Setting("dip_routing", _choice("strict", "addressed"), "strict", "strict: each interface only from and to the roles of the routing table (seed_data/routing.json: MSG1010, MSG1032); addressed: every message-exchanging role may send and receive every interface"),
    Setting("dip_max_request_bytes", _positive_int, 1048576, "largest DIP message API request body; larger ones get 413"),
    Setting("dip_delivery_attempts", _positive_int, 6, "delivery attempts to a webhook (408, 429, 5xx and connection failures are retried) before RetriesExhausted"),
    Setting("dip_delivery_backoff", _positive_float, 30.0, "sandbox seconds before the first retry of a delivery; doubled for each further retry"),
    Setting("dip_webhook_ca_bundle", _optional(str), None, "extra CA bundle (PEM) trusted for HTTPS webhooks, besides the sandbox roots and the system store"),
    Setting("db_synchronous", _choice("normal", "full"), "normal", "SQLite synchronous mode: normal survives a crash of the process, full also a power cut"),
)

BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}


class Settings:
    """The effective settings: attribute access, plus where each value came from."""

    def __init__(self, values: Mapping[str, Any], sources: Mapping[str, str]):
        self._values = dict(values)
        self._sources = dict(sources)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def source(self, name: str) -> str:
        return self._sources[name]

    def explicit(self, name: str) -> bool:
        return self._sources[name] != "default"

    def replace(self, **changes: Any) -> "Settings":
        values = dict(self._values)
        sources = dict(self._sources)
        for name, value in changes.items():
            values[name] = BY_NAME[name].parse(value) if value is not None else None
            sources[name] = "override"
        return Settings(values, sources)

    def items(self):
        for setting in SETTINGS:
            yield setting, self._values[setting.name], self._sources[setting.name]

    def as_dict(self) -> dict[str, Any]:
        return {name: _plain(value) for name, value in self._values.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    return value


def load_settings(
    cli: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    config_file: Path | None = None,
) -> Settings:
    """Build the effective settings; raises SettingError naming the setting and its source."""
    environ = os.environ if environ is None else environ
    cli = {k: v for k, v in (cli or {}).items() if v is not None}
    if config_file is None and environ.get(ENV_PREFIX + "CONFIG"):
        config_file = Path(environ[ENV_PREFIX + "CONFIG"])
    file_values: dict[str, Any] = {}
    if config_file is not None:
        import tomllib  # only with a config file: a start does not need it

        try:
            file_values = tomllib.loads(Path(config_file).read_text())
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise SettingError(f"config file {config_file}: {exc}") from None
        unknown = sorted(set(file_values) - set(BY_NAME))
        if unknown:
            raise SettingError(f"config file {config_file}: unknown settings {', '.join(unknown)}")

    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for setting in SETTINGS:
        raw, source = setting.default, "default"
        if setting.name in file_values:
            raw, source = file_values[setting.name], f"file {config_file}"
        if setting.env in environ:
            raw, source = environ[setting.env], f"env {setting.env}"
        if setting.name in cli:
            raw, source = cli[setting.name], f"cli {setting.option}"
        if source == "default":
            values[setting.name] = raw
        else:
            try:
                values[setting.name] = setting.parse(raw)
            except (SettingError, ValueError, TypeError) as exc:
                raise SettingError(f"{setting.name} (from {source}): {exc}") from None
        sources[setting.name] = source
    return Settings(values, sources)
