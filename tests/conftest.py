"""Shared fixtures: real PostgreSQL + pgvector and real Redis, started on demand.

Unless ``TEST_DATABASE_URL`` / ``TEST_REDIS_URL`` point at servers, the suite starts the same
embedded servers ``make run`` uses (PostgreSQL under ``.data/test-pg``, a throwaway Redis on a free
port) and a real SMTP sink. Each test gets empty tables and an empty Redis.
"""

from __future__ import annotations

import email
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


class Mailbox:
    """The messages a real SMTP server (aiosmtpd) received during the test."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def messages(self) -> list[email.message.Message]:
        """Every message received so far, oldest first."""
        files = sorted(self.directory.glob("*.eml")) if self.directory.exists() else []
        return [email.message_from_bytes(f.read_bytes()) for f in files]

    def wait_for(self, to: str, timeout: float = 15.0) -> email.message.Message:
        """The newest message to ``to``; waits for it to arrive."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [m for m in self.messages() if to.lower() in m["To"].lower()]
            if found:
                return found[-1]
            time.sleep(0.1)
        raise AssertionError(f"no email to {to} within {timeout}s")

    def clear(self) -> None:
        for file in self.directory.glob("*.eml"):
            file.unlink()


def _choose_test_servers() -> dict[str, str]:
    """Decide every server URL at import time, before any test module is collected.

    Collecting the tests imports the app and ``workers.broker``, which read Settings once: they
    must already see the test servers, or Dramatiq would fall back to a default broker on
    ``localhost:6379`` and subprocess workers would never receive a message. The servers
    themselves start lazily in ``platform_env``.
    """
    from agent_platform import launcher

    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    # One database per pytest process, so concurrent runs never share (or drop) a schema.
    database = f"ap_test_{worker}_{os.getpid()}"
    pg_dir = ROOT / ".data" / "test-pg"
    return {
        "ENVIRONMENT": "test",
        "DATABASE_URL": os.environ.get("TEST_DATABASE_URL")
        or f"postgresql://postgres:@/{database}?host={pg_dir}",
        "REDIS_URL": os.environ.get("TEST_REDIS_URL")
        or f"redis://127.0.0.1:{launcher.free_port()}/0",
        "SMTP__HOST": "127.0.0.1",
        "SMTP__PORT": str(launcher.free_port()),
        "TEST_OWN_DATABASE": "" if os.environ.get("TEST_DATABASE_URL") else database,
        "TEST_OWN_REDIS": "" if os.environ.get("TEST_REDIS_URL") else "1",
    }


_TEST_ENV = _choose_test_servers()
os.environ.update(_TEST_ENV)


@pytest.fixture(scope="session")
def platform_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Start PostgreSQL, Redis and an SMTP sink at the URLs chosen at import; migrate."""
    from urllib.parse import urlparse

    from agent_platform import launcher
    from agent_platform.integrations.mail_sink import start_sink

    env = dict(_TEST_ENV)
    procs = []
    own_database = env["TEST_OWN_DATABASE"]
    if own_database:
        server, url = launcher.start_embedded_postgres(
            ROOT / ".data" / "test-pg", database=own_database
        )
        assert url == env["DATABASE_URL"], (url, env["DATABASE_URL"])
    if env["TEST_OWN_REDIS"]:
        port = urlparse(env["REDIS_URL"]).port
        redis_dir = tmp_path_factory.mktemp("redis")
        procs.append(launcher.start_embedded_redis(redis_dir, port, persist=False))
    mail_dir = tmp_path_factory.mktemp("mail")
    sink = start_sink(mail_dir, port=int(env["SMTP__PORT"]))
    env["MAIL_DIR"] = str(mail_dir)
    os.environ.update(env)
    _reset_caches()
    _recreate_schema(env["DATABASE_URL"])
    import dramatiq

    import workers.broker

    assert workers.broker.broker is not None, "the Dramatiq broker must use the test Redis"
    assert dramatiq.get_broker() is workers.broker.broker

    yield env
    sink.stop()
    if own_database:
        _drop_database(env["DATABASE_URL"], own_database)
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=10)


def _reset_caches() -> None:
    from agent_platform import db, settings
    from agent_platform.integrations import ratelimit

    settings.get_settings.cache_clear()
    db.get_engine.cache_clear()
    ratelimit._limiter.cache_clear()


def _recreate_schema(database_url: str) -> None:
    """Drop everything in the test database and apply every migration from scratch."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    launcher_migrate = __import__("agent_platform.launcher", fromlist=["migrate"]).migrate
    launcher_migrate(database_url)


def _drop_database(database_url: str, name: str) -> None:
    import psycopg

    from agent_platform.db import get_engine

    get_engine().dispose()
    admin_url = database_url.replace(f"/{name}?", "/postgres?")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def db(platform_env: dict[str, str]) -> Iterator[None]:
    """Empty tables and an empty Redis for this test (the schema stays)."""
    import redis
    from sqlalchemy import text
    from sqlmodel import SQLModel

    from agent_platform.db import get_engine

    redis.Redis.from_url(platform_env["REDIS_URL"]).flushdb()
    yield
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with get_engine().begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def session(db: None) -> Iterator:
    """A database session; committed at the end of the test unless it failed."""
    from agent_platform.db import session_scope

    with session_scope() as s:
        yield s


@pytest.fixture
def mailbox(platform_env: dict[str, str]) -> Iterator[Mailbox]:
    """The real SMTP sink's received messages, emptied before the test."""
    box = Mailbox(Path(platform_env["MAIL_DIR"]))
    box.clear()
    yield box


@pytest.fixture
def worker(db: None) -> Iterator[object]:
    """A real Dramatiq worker (threads in this process) consuming from the test Redis."""
    import dramatiq

    import workers.main  # noqa: F401  (declares every actor)

    broker = dramatiq.get_broker()
    w = dramatiq.Worker(broker, worker_threads=2, worker_timeout=100)
    w.start()
    yield w
    w.stop(timeout=10_000)


def wait_until(predicate, timeout: float = 15.0, interval: float = 0.1):
    """Poll ``predicate`` until it returns a truthy value; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")
