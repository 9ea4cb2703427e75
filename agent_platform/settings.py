"""One typed Settings object; nothing else in the platform reads ``os.environ``.

Values come from environment variables (nested groups use ``__``, e.g. ``SMTP__HOST``) and an
optional ``.env`` file. ``DATABASE_URL`` and ``REDIS_URL`` are top-level: when unset, ``make run``
starts embedded servers under ``data_dir`` and passes their URLs to every process it starts.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT_DIR = Path(__file__).resolve().parent.parent
_PLACEHOLDER = "change-me-in-production"


class SmtpSettings(BaseModel):
    """Outgoing mail. In development ``make run`` starts a sink on ``127.0.0.1:8025``."""

    host: str = "127.0.0.1"
    port: int = 8025
    username: str | None = None
    password: SecretStr | None = None
    starttls: bool = False
    sender: str = "Agent Platform <no-reply@agent-platform.local>"


class SecuritySettings(BaseModel):
    """Secrets and session policy."""

    secret_key: SecretStr = SecretStr(_PLACEHOLDER)
    session_days: int = 14
    session_cookie: str = "ap_session"
    cookie_secure: bool = False
    # The login nonce (api.login_nonce): a random HttpOnly cookie each browser gets before it
    # logs in, to which its one-time login code is bound. Kept for this many days.
    login_nonce_days: int = 180
    # Failed log-ins allowed per 15 minutes (services.accounts.login_throttle): for one account
    # from one address, for one account from anywhere, and from one address over all accounts.
    login_attempts_per_15_min: int = 10
    login_attempts_per_account_15_min: int = 50
    login_attempts_per_address_15_min: int = 100
    password_reset_minutes: int = 60
    invitation_days: int = 7
    # Credential vault keys, "1:<base64 secret>,2:<base64 secret>"; the highest version encrypts.
    # Unset in development/test: one key derived from ``secret_key``.
    vault_keys: SecretStr | None = None
    # Reverse proxies (IPs or CIDRs) whose X-Forwarded-For is believed, for the REST API and
    # the websocket alike (integrations.client_address). Empty: the peer address is the client.
    trusted_proxies: list[str] = Field(default_factory=list)

    @property
    def login_nonce_cookie(self) -> str:
        """The login nonce's cookie name; ``__Host-`` (no sibling subdomain can set it) on HTTPS."""
        return "__Host-ap_login_nonce" if self.cookie_secure else "ap_login_nonce"

    @field_validator("trusted_proxies")
    @classmethod
    def _valid_networks(cls, value: list[str]) -> list[str]:
        for entry in value:
            try:
                ipaddress.ip_network(entry.strip(), strict=False)
            except ValueError:
                raise ValueError(
                    f"SECURITY__TRUSTED_PROXIES: {entry!r} is not an IP or CIDR"
                ) from None
        return [entry.strip() for entry in value]


class RuntimeSettings(BaseModel):
    """How runs execute on the workers."""

    run_time_limit_s: int = 600
    # A worker that stops heartbeating for this long is presumed dead; its runs are redelivered.
    heartbeat_timeout_s: int = 60
    sweeper_interval_s: int = 30
    code_timeout_s: float = 10.0
    code_memory_mb: int = 256
    # Hosts/CIDRs the egress guard lets through although private (e.g. an internal API).
    egress_allow_hosts: list[str] = Field(default_factory=list)
    # Base URLs for LLM vendors (tests point these at local wire-protocol servers).
    openai_base_url: str | None = None
    anthropic_base_url: str | None = None


class StorageSettings(BaseModel):
    """Where uploaded files are kept, readable by every app and worker process.

    ``postgres`` (the only backend today): the ``stored_blobs`` table of the platform's own
    database. An object store would add its name here and a factory in
    ``agent_platform.integrations.storage.BACKENDS``.
    """

    backend: Literal["postgres"] = "postgres"


class Settings(BaseSettings):
    """Everything the platform can be configured with.

    Raises:
        ValueError: in ``production`` when a secret still has its placeholder value.
    """

    model_config = SettingsConfigDict(
        env_file=ROOT_DIR / ".env", env_nested_delimiter="__", extra="ignore"
    )

    environment: Literal["development", "test", "production"] = "development"
    database_url: str | None = None
    redis_url: str | None = None
    data_dir: Path = ROOT_DIR / ".data"
    base_url: str = "http://localhost:3000"
    api_url: str | None = None
    frontend_port: int = 3000
    backend_port: int = 8000
    worker_processes: int = 1
    worker_threads: int = 4
    cors_allowed_origins: list[str] = Field(default_factory=list)
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)
    security: SecuritySettings = Field(default_factory=SecuritySettings)
    runtime: RuntimeSettings = Field(default_factory=RuntimeSettings)
    storage: StorageSettings = Field(default_factory=StorageSettings)

    @model_validator(mode="after")
    def _refuse_placeholders(self) -> Settings:
        if self.environment == "production":
            if self.security.secret_key.get_secret_value() == _PLACEHOLDER:
                raise ValueError("SECURITY__SECRET_KEY must be set in production")
            if self.security.vault_keys is None:
                raise ValueError("SECURITY__VAULT_KEYS must be set in production")
            if not self.database_url or not self.redis_url:
                raise ValueError("DATABASE_URL and REDIS_URL must be set in production")
        return self

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL with the psycopg 3 driver, e.g. ``postgresql+psycopg://...``.

        Raises:
            RuntimeError: when no database URL is configured.
        """
        if not self.database_url:
            raise RuntimeError(
                "DATABASE_URL is not set: start the platform with `make run` (embedded "
                "PostgreSQL) or export DATABASE_URL=postgresql://user:pass@host/db"
            )
        url = self.database_url
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url

    @property
    def allowed_origins(self) -> list[str]:
        """Origins besides the page's own that may use the backend (default: ``base_url``)."""
        return self.cors_allowed_origins or [self.base_url]

    @property
    def public_api_url(self) -> str:
        """Where browsers reach the backend (REST API, websocket)."""
        return self.api_url or self.base_url


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()


def child_env(**overrides: str) -> dict[str, str]:
    """This process's environment plus ``overrides``, for the processes ``make run`` starts."""
    import os

    env = dict(os.environ)
    env.update(overrides)
    return env
