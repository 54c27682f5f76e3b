"""Settings from the environment (prefix ``TENOHIRA_``), with embedded defaults."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob of the platform. Defaults give the embedded, single-process demo."""

    model_config = SettingsConfigDict(env_prefix="TENOHIRA_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path("var")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy async URL; unset = SQLite file under data_dir"
    )
    host: str = "127.0.0.1"
    port: int = 8000
    base_url: str | None = Field(default=None, description="public URL; default http://host:port")
    hub_url: str | None = Field(default=None, description="URL of the hub; default base_url + /hub")
    log_level: str = "INFO"
    log_json: bool = False

    # the demo municipality
    municipality_code: str = "990019"
    municipality_name_ja: str = "手のひら市"
    municipality_name_en: str = "Tenohira City"
    # the municipality member this process's registry answers as (core.cities: one per city)
    municipality_member: str = "municipality"
    cities_file: Path | None = Field(
        default=None, description="the cities of the demo world; default core/cities.toml"
    )
    city_urls: str = Field(
        default="",
        description='"CODE=URL, CODE=URL": where a city served on its own answers; default its mount here',
    )
    city_database_urls: str = Field(
        default="",
        description='"CODE=URL, CODE=URL": a city\'s own database; default SQLite in data_dir/cities/CODE',
    )
    seed: int = 20261126
    demo_residents: int = 1000

    # transport of events and mail
    event_bus: Literal["embedded", "nats"] = "embedded"
    nats_url: str | None = None
    smtp_url: str | None = None
    mail_from: str = "no-reply@tenohira.example"
    llm_url: str | None = None
    llm_model: str = "gpt-4o-mini"
    mqtt_url: str | None = None

    # security
    auth_challenge_ttl_seconds: int = 120
    session_ttl_minutes: int = 60
    session_idle_minutes: int = 15
    supporter_idle_minutes: int = 5
    hub_clock_skew_seconds: int = 30
    access_history_retention_days: int = 7 * 365
    # request bodies (tenohira.core.limits): routes without a limit of their own, and JSON depth
    body_default_max_bytes: int = 64 * 1024
    body_max_json_depth: int = 64
    # rate limits (tenohira.core.ratelimit): requests a minute, all of them allowed at once;
    # per source address unless said. Generous: a person never meets them, a script does.
    rate_limits_enabled: bool = True
    rate_auth_challenges_per_minute: int = 120
    rate_auth_logins_per_minute: int = 60
    rate_auth_logins_per_card_per_minute: int = 10
    rate_assistant_messages_per_minute: int = 60
    rate_opendata_searches_per_minute: int = 120
    ca_passphrase: str | None = Field(
        default=None, description="passphrase of CA keys at rest; default: generated into data_dir"
    )

    # transparency log: its checkpoint origin and the witnesses that cosign its tree heads
    audit_origin: str | None = Field(
        default=None, description="origin line of the log's checkpoints; default tenohira.local/<code>/audit"
    )
    witnesses: str = Field(
        default="embedded",
        description='"embedded" (mounted at base_url/witness), "" (none), or "URL VKEY, URL VKEY"',
    )
    # the witness itself (tenohira witness serve, or mounted): its own key and database
    witness_name: str = "tenohira.local/witness"
    witness_data_dir: Path | None = Field(default=None, description="default data_dir/witness")
    witness_database_url: str | None = Field(default=None, description="default SQLite in witness_data_dir")

    # open data: first publication shortly after start, then on this interval
    opendata_first_publish_seconds: float = 15.0
    opendata_publish_interval_hours: float = 24.0

    # remote @contexts of NGSI-LD requests (citydata.remote): comma-separated CIDRs that may be fetched
    # although private or loopback (a test deployment serving its contexts locally: 127.0.0.0/8),
    # hosts or CIDRs never fetched, and the bounds of one fetch
    citydata_context_allow_networks: str = ""
    citydata_context_deny: str = ""
    citydata_context_max_bytes: int = 2 * 1024 * 1024
    citydata_context_timeout_seconds: float = 5.0

    # vault (personal data at rest)
    vault_sites: str = "east,west,north"
    vault_threshold: int = 2

    @property
    def resolved_base_url(self) -> str:
        return (self.base_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def resolved_hub_url(self) -> str:
        return (self.hub_url or f"{self.resolved_base_url}/hub").rstrip("/")

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.resolved_data_dir / 'tenohira.db'}"

    @property
    def resolved_data_dir(self) -> Path:
        """The data directory as an absolute, resolved path (remembered: the database URL and the
        vault ask on every request, and resolving walks the filesystem)."""
        return _resolved(self.data_dir, os.getcwd())

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    def ensure_data_dir(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self.data_dir


# A member system mounted in a process that is not its own (a second city in the embedded
# platform) runs its requests and its first start inside settings_scope(its settings): whatever
# it asks get_settings() for (its vault, its registry's city) is then what it would see served
# on its own.
_scoped: ContextVar[Settings | None] = ContextVar("tenohira_settings", default=None)


@lru_cache(maxsize=1)
def _process_settings() -> Settings:
    return Settings()


def get_settings() -> Settings:
    """The process-wide settings, read once from the environment (or those of the member whose
    work is running, inside :func:`settings_scope`)."""
    scoped = _scoped.get()
    return scoped if scoped is not None else _process_settings()


def reset_settings() -> None:
    """Forget cached settings (tests change the environment between cases)."""
    _process_settings.cache_clear()


@contextmanager
def settings_scope(settings: Settings) -> Iterator[None]:
    """Within the block (and the tasks it starts), :func:`get_settings` answers ``settings``."""
    token = _scoped.set(settings)
    try:
        yield
    finally:
        _scoped.reset(token)


@lru_cache(maxsize=64)
def _resolved(path: Path, cwd: str) -> Path:
    return (Path(cwd) / path).resolve()
