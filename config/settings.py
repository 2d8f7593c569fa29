"""The settings schema of the hub, loaded from a TOML file with environment overrides.

Where the file is: `--config FILE`, else `$O2C_HUB_CONFIG`, else `./hub.toml`.
Environment overrides use the prefix `O2C_HUB__` and `__` between nested keys, e.g.
`O2C_HUB__SERVER__PORT=9000`; shops are addressed by position,
`O2C_HUB__SHOPS__0__POLL_INTERVAL=60`.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from config.secrets import SecretSourceError, resolve_secret

ENV_PREFIX = "O2C_HUB__"
CONFIG_ENV = "O2C_HUB_CONFIG"
DEFAULT_SHOPIFY_API_VERSION = "2026-10"


class ConfigError(Exception):
    """The configuration is missing or wrong; `problems` lists every `key: message`."""

    def __init__(self, problems: list[str], *, path: Path | None = None) -> None:
        self.problems = problems
        self.path = path
        where = f" in {path}" if path else ""
        super().__init__(
            f"{len(problems)} problem(s){where}:\n  " + "\n  ".join(problems)
        )


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _secret(value: Any, info: ValidationInfo) -> SecretStr | None:
    """Validator body shared by every secret field."""
    if value is None or isinstance(value, SecretStr):
        return value
    context = info.context or {}
    try:
        return resolve_secret(
            str(value),
            base_dir=context.get("base_dir", Path.cwd()),
            allow_literal=context.get("allow_literal_secrets", False),
            environ=context.get("environ"),
        )
    except SecretSourceError as exc:
        raise ValueError(str(exc)) from exc


class ServerSettings(_Section):
    host: str = "127.0.0.1"
    # 0: any free port (tests, the demo).
    port: int = Field(8000, ge=0, le=65535)
    max_body_bytes: int = Field(5 * 1024 * 1024, ge=1024)
    # The admin API (/admin/...) wants `Authorization: Bearer <token>`; without a
    # token it answers only clients on this machine (loopback).
    admin_token: SecretStr | None = None

    _secrets = field_validator("admin_token", mode="before")(_secret)


class StoreSettings(_Section):
    url: str = ""  # default: sqlite file beside the configuration


class QueueSettings(_Section):
    backend: Literal["sqlite", "redis", "postgres"] = "sqlite"
    url: str = ""  # sqlite: a file path (default beside the config); else a server URL
    name: str = "o2c-hub"
    workers: int = Field(2, ge=1, le=64)
    lease_seconds: int = Field(120, ge=5)
    sweep_interval: int = Field(60, ge=1)
    max_attempts: int = Field(8, ge=1)

    @model_validator(mode="after")
    def _server_needs_url(self) -> QueueSettings:
        if self.backend != "sqlite" and not self.url:
            raise ValueError(f"queue backend {self.backend!r} needs a url")
        return self


class ShopSettings(_Section):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    domain: str
    api_version: str = DEFAULT_SHOPIFY_API_VERSION
    access_token: SecretStr
    webhook_secret: SecretStr
    # During a secret rotation the previous secret is still accepted until this moment.
    previous_webhook_secret: SecretStr | None = None
    previous_secret_valid_until: datetime | None = None
    poll_interval: int = Field(300, ge=10)
    # Where the Admin API lives; default https://{domain}. The sandbox sets a loopback
    # URL.
    api_base_url: str | None = None

    _secrets = field_validator(
        "access_token", "webhook_secret", "previous_webhook_secret", mode="before"
    )(_secret)

    @field_validator("api_version")
    @classmethod
    def _version_form(cls, value: str) -> str:
        if not re.fullmatch(r"\d{4}-\d{2}|unstable", value):
            raise ValueError(f"Shopify API versions look like 2026-10, not {value!r}")
        return value

    @field_validator("domain")
    @classmethod
    def _domain_form(cls, value: str) -> str:
        # Shopify sends the domain lower-case in X-Shopify-Shop-Domain; compare alike.
        domain = value.strip().lower()
        if not re.fullmatch(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d+)?", domain):
            raise ValueError(
                "a shop domain is a host name like my-shop.myshopify.com, "
                f"not {value!r}"
            )
        return domain

    @field_validator("previous_secret_valid_until")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        # A TOML local date-time has no zone; the hub reads it as UTC.
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value

    @model_validator(mode="after")
    def _rotation_is_bounded(self) -> ShopSettings:
        if self.previous_webhook_secret and not self.previous_secret_valid_until:
            raise ValueError(
                "previous_webhook_secret needs previous_secret_valid_until "
                "(the end of the rotation window)"
            )
        return self

    @property
    def base_url(self) -> str:
        return (self.api_base_url or f"https://{self.domain}").rstrip("/")

    def webhook_secrets(self, now: datetime) -> list[str]:
        """Return the secrets a webhook may be signed with at `now` (current first).

        The previous secret is included only strictly before the end of its window.
        """
        secrets = [self.webhook_secret.get_secret_value()]
        until = self.previous_secret_valid_until
        if self.previous_webhook_secret and until and now < until:
            secrets.append(self.previous_webhook_secret.get_secret_value())
        return secrets


class OdooSettings(_Section):
    url: str
    database: str
    login: str = "admin"
    api_key: SecretStr
    protocol: Literal["auto", "jsonrpc", "json2"] = "auto"
    timeout: float = Field(30.0, gt=0)
    company_id: int | None = None

    _secrets = field_validator("api_key", mode="before")(_secret)


class StripeSettings(_Section):
    api_key: SecretStr
    webhook_secret: SecretStr
    api_version: str = "2025-09-30.clover"
    api_base: str | None = None  # the sandbox sets a loopback URL
    max_network_retries: int = Field(3, ge=0, le=10)
    signature_tolerance: int = Field(300, ge=1)
    poll_interval: int = Field(600, ge=10)

    _secrets = field_validator("api_key", "webhook_secret", mode="before")(_secret)


class CsvProfile(_Section):
    name: str
    delimiter: str = ","
    encoding: str = "utf-8"
    date_column: str
    date_format: str = "%Y-%m-%d"
    amount_column: str | None = None
    debit_column: str | None = None
    credit_column: str | None = None
    decimal_separator: str = "."
    thousands_separator: str = ""
    description_column: str | None = None
    reference_column: str | None = None
    counterparty_column: str | None = None
    iban_column: str | None = None
    id_column: str | None = None
    currency: str
    account: str


class BankSettings(_Section):
    statements_dir: Path | None = None
    processed_dir: Path | None = None
    scan_interval: int = Field(300, ge=10)
    csv_profiles: tuple[CsvProfile, ...] = ()


class PolicySettings(_Section):
    invoice_on: Literal["order", "fulfillment", "payment"] = "order"
    invoice_currency: Literal["presentment", "shop"] = "presentment"
    hold_risk_levels: tuple[str, ...] = ("HIGH",)


class MappingSettings(_Section):
    file: Path | None = None  # default: mapping.toml beside the configuration


class LoggingSettings(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["text", "json"] = "text"


class Settings(_Section):
    """Everything the hub reads from its configuration."""

    environment: Literal["production", "sandbox", "development"] = "production"
    base_dir: Path = Field(default_factory=Path.cwd, exclude=True)
    server: ServerSettings = ServerSettings()
    store: StoreSettings = StoreSettings()
    queue: QueueSettings = QueueSettings()
    shops: tuple[ShopSettings, ...] = ()
    odoo: OdooSettings | None = None
    stripe: StripeSettings | None = None
    bank: BankSettings = BankSettings()
    policy: PolicySettings = PolicySettings()
    mapping: MappingSettings = MappingSettings()
    logging: LoggingSettings = LoggingSettings()

    @field_validator("shops")
    @classmethod
    def _unique_shops(cls, shops: tuple[ShopSettings, ...]) -> tuple[ShopSettings, ...]:
        seen: set[str] = set()
        for key in [s.name for s in shops] + [s.domain for s in shops]:
            if key in seen:
                raise ValueError(f"shop {key!r} is configured twice")
            seen.add(key)
        return shops

    @property
    def store_url(self) -> str:
        return self.store.url or f"sqlite:///{self.base_dir / 'o2c-hub.db'}"

    @property
    def queue_url(self) -> str:
        if self.queue.url or self.queue.backend != "sqlite":
            return self.queue.url
        return str(self.base_dir / "o2c-queue.db")

    @property
    def mapping_file(self) -> Path:
        file = self.mapping.file or Path("mapping.toml")
        return file if file.is_absolute() else self.base_dir / file

    def shop(self, name: str) -> ShopSettings:
        """Return the shop with this name; raises KeyError naming the known shops."""
        for shop in self.shops:
            if shop.name == name:
                return shop
        raise KeyError(
            f"no shop named {name!r}; configured: {[s.name for s in self.shops]}"
        )

    def shop_by_domain(self, domain: str) -> ShopSettings | None:
        """Return the shop with this domain (case-insensitive), or None."""
        domain = domain.strip().lower()
        return next((s for s in self.shops if s.domain == domain), None)


def config_path(explicit: str | Path | None = None) -> Path:
    """Return where the configuration file is.

    The argument, else `$O2C_HUB_CONFIG`, else `./hub.toml`, made absolute.
    """
    return (
        Path(explicit or os.environ.get(CONFIG_ENV) or "hub.toml")
        .expanduser()
        .resolve()
    )


def load_settings(
    path: str | Path | None = None, *, environ: dict[str, str] | None = None
) -> Settings:
    """Read, override and validate the configuration.

    Raises ConfigError listing every problem with the key it concerns.
    """
    file = config_path(path)
    if not file.exists():
        raise ConfigError(
            [f"configuration file not found: {file} (run `o2c-hub init`)"]
        )
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"not valid TOML: {exc}"], path=file) from exc
    return settings_from_dict(
        data,
        base_dir=file.parent,
        environ=os.environ if environ is None else environ,
        path=file,
    )


def settings_from_dict(
    data: dict[str, Any],
    *,
    base_dir: Path,
    environ: Mapping[str, str] | None = None,
    path: Path | None = None,
) -> Settings:
    """Validate a configuration given as a dict (the parsed TOML), with overrides.

    `environ` supplies both the `O2C_HUB__...` overrides and the `env:NAME` secrets;
    None means no overrides and the process environment for secrets. Raises
    ConfigError listing every problem at once, each with its key.
    """
    merged, problems = _apply_env_overrides(data, environ or {})
    merged["base_dir"] = base_dir
    environment = merged.get("environment", "production")
    context = {
        "base_dir": base_dir,
        "allow_literal_secrets": environment in ("sandbox", "development"),
        "environ": environ,
    }
    try:
        settings = Settings.model_validate(merged, context=context)
    except ValidationError as exc:
        raise ConfigError(problems + _problems(exc), path=path) from None
    if problems:
        raise ConfigError(problems, path=path)
    return settings


def _apply_env_overrides(
    data: dict[str, Any], environ: Mapping[str, str]
) -> tuple[dict[str, Any], list[str]]:
    """Lay `O2C_HUB__A__B=value` variables over the file's values.

    Returns the merged data and a problem for each variable that names no place
    (a shop position that does not exist, a key below a plain value).
    """
    merged: dict[str, Any] = _deep_copy(data)
    problems: list[str] = []
    for name in sorted(environ):
        if not name.startswith(ENV_PREFIX):
            continue
        keys = [k.lower() for k in name[len(ENV_PREFIX) :].split("__") if k]
        if not keys:
            problems.append(f"{name}: names no key")
            continue
        problem = _set_path(merged, keys, _env_value(environ[name]))
        if problem:
            problems.append(f"{name}: {problem}")
    return merged, problems


def _set_path(root: dict[str, Any], keys: list[str], value: Any) -> str | None:
    """Set `value` at `keys` below `root`; return why it cannot be set, or None."""
    node: Any = root
    for depth, key in enumerate(keys):
        last = depth == len(keys) - 1
        if isinstance(node, list):
            if not key.isdigit() or int(key) >= len(node):
                where = ".".join(keys[:depth]) or "(top level)"
                return f"{where} has {len(node)} entries; there is no [{key}]"
            if last:
                node[int(key)] = value
            else:
                node = node[int(key)]
        elif isinstance(node, dict):
            if last:
                node[key] = value
            else:
                node = node.setdefault(key, {})
        else:
            return f"{'.'.join(keys[:depth])} is a plain value, it has no {key!r}"
    return None


def _env_value(raw: str) -> Any:
    """An override is text; a JSON list or table (`["HIGH","MEDIUM"]`) is parsed."""
    stripped = raw.strip()
    if stripped[:1] in ("[", "{"):
        try:
            return json.loads(stripped)
        except json.JSONDecodeError:
            return raw
    return raw


def _deep_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_copy(v) for v in value]
    return value


def _problems(exc: ValidationError) -> list[str]:
    """One `key: message` line per error, with list positions written as [n]."""
    lines = []
    for error in exc.errors(include_input=False, include_url=False):
        key = ""
        for part in error["loc"]:
            key += (
                f"[{part}]"
                if isinstance(part, int)
                else (f".{part}" if key else str(part))
            )
        message = error["msg"].removeprefix("Value error, ")
        lines.append(f"{key or '(top level)'}: {message}")
    return lines
