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
# The test environment's fixed key (never accepted in development or production).
TEST_SECRET_KEY = "test-secret-key-not-for-real-use"  # noqa: S105 - tests only, refused elsewhere
SECRET_FILE = "secret_key"  # noqa: S105 - a file name


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

    # Signs sessions, widget tokens and approval links, and keys the development vault.
    # Unset: production refuses to start; development generates a random one per
    # installation in ``data_dir/secret_key`` (mode 0600); tests use ``TEST_SECRET_KEY``.
    secret_key: SecretStr = SecretStr("")
    session_days: int = 14
    session_cookie: str = "ap_session"
    # Secure cookies are also set whenever ``base_url`` is https (``Settings.secure_cookies``).
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
    # The code sandbox (bubblewrap + seccomp + rlimits): without it code steps refuse to run.
    sandbox_bwrap: str = "/usr/bin/bwrap"
    sandbox_prlimit: str = "/usr/bin/prlimit"
    # Interpreter for code steps; unset: this Python, or the system's same-version one when
    # uid 65534 cannot read this one (e.g. under /root).
    sandbox_python: str | None = None
    sandbox_tmp_mb: int = 64
    # RLIMIT_NPROC for uid 65534 (host-wide for that uid), applied when the worker runs as root.
    sandbox_max_processes: int = 256
    # Hosts/CIDRs the egress guard lets through although private (e.g. an internal API).
    egress_allow_hosts: list[str] = Field(default_factory=list)
    # Base URLs for LLM vendors (tests point these at local wire-protocol servers).
    openai_base_url: str | None = None
    anthropic_base_url: str | None = None


class TemplateSettings(BaseModel):
    """Bounds on every template, where it is validated (the app) and where it renders (workers).

    The fields are the engine's ``TemplateLimits`` (which reads no settings);
    ``services.template_limits`` turns this group into one. Sizes are characters (strings),
    items (lists, dicts, ranges) or bits (integers); times are seconds per compile and per
    render.
    """

    max_template_size: int = 100_000
    max_template_tokens: int = 20_000
    max_graph_tokens: int = 100_000
    max_output_size: int = 1_000_000
    max_data_size: int = 10_000_000
    max_string_size: int = 1_000_000
    max_items: int = 100_000
    max_int_bits: int = 4096
    max_depth: int = 100
    max_work: int = 50_000_000
    time_limit_s: float = 2.0


class LimitsSettings(BaseModel):
    """Bounds on the work one run, organization, request or widget may cause."""

    # Per run, enforced by the engine runner (the worker passes them as ``RunLimits``).
    max_steps_per_run: int = 10_000
    max_sub_agent_depth: int = 5
    max_child_runs_per_run: int = 50
    max_payload_bytes: int = 1_000_000
    # Per organization, enforced when a run starts (429 with Retry-After beyond them).
    concurrent_runs_per_org: int = 10
    runs_per_minute_per_org: int = 120
    # Graph size accepted at publish.
    max_graph_nodes: int = 300
    max_graph_edges: int = 1_000
    # Request bodies (JSON and others) larger than this are refused with 413; uploads keep
    # their own cap.
    max_request_bytes: int = 2_000_000


class WidgetSettings(BaseModel):
    """What one visitor, address or widget may cost (services.delivery.widget_limits)."""

    messages_per_minute_per_address: int = 60
    messages_per_minute_per_address_widget: int = 20
    messages_per_minute_per_user: int = 20
    # Ceiling per widget per day (UTC) on the cost of the runs answering it; 0: none.
    daily_cost_usd: float = 5.0
    # Open answer streams at once.
    streams_per_address: int = 5
    streams_per_key: int = 50
    # Identity tokens signed by the customer: refused when valid for longer than this, or
    # issued (``iat``) longer ago than this.
    user_token_max_lifetime_s: int = 86_400


class StorageSettings(BaseModel):
    """Where uploaded files are kept, readable by every app and worker process.

    ``postgres`` (the only backend today): the ``stored_blobs`` table of the platform's own
    database. An object store would add its name here and a factory in
    ``agent_platform.integrations.storage.BACKENDS``.
    """

    backend: Literal["postgres"] = "postgres"


class LauncherSettings(BaseModel):
    """How the launcher starts, restarts and stops the processes it runs."""

    # Port of the embedded Redis ``make run`` starts when ``REDIS_URL`` is unset.
    redis_port: int = 6389
    # Seconds a process gets after SIGTERM before SIGKILL (Dramatiq's shutdown bound too).
    stop_timeout_s: float = 5.0
    # A crashed process restarts after this delay, doubled per crash up to the maximum.
    restart_delay_s: float = 1.0
    restart_delay_max_s: float = 30.0
    # False: the app serves only the backend (REST API, websocket), skipping the frontend
    # build. For tests and API-only hosts.
    frontend: bool = True


class Settings(BaseSettings):
    """Everything the platform can be configured with.

    Raises:
        ValueError: a placeholder secret key outside tests, or a missing secret in
            ``production``.
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
    limits: LimitsSettings = Field(default_factory=LimitsSettings)
    widget: WidgetSettings = Field(default_factory=WidgetSettings)
    launcher: LauncherSettings = Field(default_factory=LauncherSettings)
    templates: TemplateSettings = Field(default_factory=TemplateSettings)

    @model_validator(mode="after")
    def _refuse_placeholders(self) -> Settings:
        key = self.security.secret_key.get_secret_value()
        if self.environment != "test" and key in (_PLACEHOLDER, TEST_SECRET_KEY):
            raise ValueError(
                "SECURITY__SECRET_KEY is a public placeholder: unset it in development (a "
                "random per-installation key is generated) or set a secret one"
            )
        if not key:
            if self.environment == "production":
                raise ValueError("SECURITY__SECRET_KEY must be set in production")
            generated = (
                TEST_SECRET_KEY
                if self.environment == "test"
                else installation_secret(self.data_dir)
            )
            self.security.secret_key = SecretStr(generated)
        if self.environment == "production":
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
    def secure_cookies(self) -> bool:
        """Whether cookies carry ``Secure``: configured, or implied by an https ``base_url``."""
        return self.security.cookie_secure or self.base_url.lower().startswith("https://")

    @property
    def allowed_origins(self) -> list[str]:
        """Origins besides the page's own that may use the backend (default: ``base_url``)."""
        return self.cors_allowed_origins or [self.base_url]

    @property
    def public_api_url(self) -> str:
        """Where browsers reach the backend (REST API, websocket)."""
        return self.api_url or self.base_url


def installation_secret(data_dir: Path) -> str:
    """This installation's secret key from ``data_dir/secret_key``, created on first use.

    The file is written with mode 0600 under a temporary name and linked into place, so
    processes starting at once agree on one key (the first link wins; the others read it).
    """
    import os
    import secrets

    path = data_dir / SECRET_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        tmp = data_dir / f".{SECRET_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    key = path.read_text().strip()
    if len(key) < 32:
        raise ValueError(f"{path} holds no usable secret key; delete it to generate one")
    return key


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
