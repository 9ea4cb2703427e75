"""One role per process, as a container runs it, against the suite's PostgreSQL and Redis.

``python -m agent_platform.launcher migrate|worker|scheduler|app`` uses ``DATABASE_URL`` and
``REDIS_URL`` (set by tests/conftest.py), never embedded servers.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import timedelta

import psycopg
import pytest
from sqlalchemy import text

from agent_platform.db import session_scope
from agent_platform.launcher import free_port
from agent_platform.launcher.roles import ROLES
from agent_platform.models.base import utcnow
from tests.api.conftest import client, make_org  # noqa: F401  (re-exported fixtures)
from tests.conftest import ROOT, wait_until
from tests.services.runs.conftest import graph, publish  # noqa: F401  (re-exported fixture)
from tests.services.runtime import conftest as runtime
from tests.services.runtime.conftest import org, runtime_env  # noqa: F401  (fixtures)

EVERY_MINUTE = {"kind": "schedule", "cron": "* * * * *", "timezone": "UTC"}


class Role:
    """``python -m agent_platform.launcher ROLE`` in its own process group."""

    def __init__(self, role: str, **env: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "agent_platform.launcher", role],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )

    def output(self, timeout: float = 120) -> tuple[int, str]:
        """Wait for the exit; ``(code, everything it printed)``."""
        out, _ = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, out

    def terminate(self) -> float:
        """SIGTERM, as a container stop does; seconds until it exited."""
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        self.output(timeout=30)
        return time.monotonic() - started

    def kill(self) -> None:
        """SIGKILL the group if it still runs (clean-up after a failure)."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.communicate(timeout=10)


@pytest.fixture
def role() -> Iterator:
    """``role(name, **env)`` starts a role; whatever still runs at the end is killed."""
    started: list[Role] = []

    def _start(name: str, **env: str) -> Role:
        started.append(Role(name, **env))
        return started[-1]

    yield _start
    for process in started:
        process.kill()


@pytest.fixture
def empty_database(platform_env: dict[str, str]) -> Iterator[str]:
    """A database with no schema on the suite's server; its URL."""
    name = f"ap_roles_{os.getpid()}"
    server_url = platform_env["DATABASE_URL"]
    database = server_url.split("/")[-1].split("?")[0]
    admin = server_url.replace(f"/{database}?", "/postgres?")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield server_url.replace(f"/{database}?", f"/{name}?")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.parametrize("name", ROLES)
def test_a_role_refuses_to_start_without_its_servers(role, name):
    code, out = role(name, DATABASE_URL="", REDIS_URL="").output()
    assert code == 2
    assert "DATABASE_URL" in out and "must be set" in out
    if name != "migrate":
        assert "REDIS_URL" in out


def test_production_names_what_is_missing_without_a_traceback(role):
    code, out = role("worker", ENVIRONMENT="production", SECURITY__SECRET_KEY="").output()
    assert code == 2 and "Traceback" not in out
    assert "settings refused: Value error, SECURITY__SECRET_KEY must be set in production" in out


def test_migrate_applies_every_migration(role, empty_database):
    code, out = role("migrate", DATABASE_URL=empty_database).output()
    assert code == 0, out
    with psycopg.connect(empty_database) as conn:
        version = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        tables = conn.execute("SELECT to_regclass('runs'), to_regclass('agents')").fetchone()
    assert version and all(tables)


def test_worker_consumes_a_run_and_stops_in_time(role, client, org, runtime_env):  # noqa: F811
    h = org["editor"].headers
    run_id = runtime.execute(client, h, runtime.publish(client, h, graph({"kind": "api"})))
    worker = role("worker", WORKER_THREADS="1", LAUNCHER__STOP_TIMEOUT_S="3")
    run = runtime.wait_status(client, h, run_id, {"succeeded", "failed"}, timeout=120)
    assert run["status"] == "succeeded", run
    seconds = worker.terminate()
    print(f"worker role: SIGTERM to exit {seconds:.1f}s")
    assert worker.proc.returncode == 0
    assert seconds < 5


def test_scheduler_fires_a_due_schedule(role, publish):  # noqa: F811
    _, agent_id, rows = publish(EVERY_MINUTE, now=utcnow() - timedelta(minutes=5))
    scheduler = role("scheduler")

    def runs() -> list:
        with session_scope() as s:
            query = text("SELECT trigger FROM runs WHERE agent_id = :a")
            return s.execute(query, {"a": agent_id}).scalars().all()

    assert wait_until(runs, timeout=60) == ["schedule"]
    assert scheduler.terminate() < 5 and scheduler.proc.returncode == 0


def test_app_migrates_then_serves_on_its_port(role, empty_database, platform_env):
    port = free_port()
    app = role(
        "app",
        DATABASE_URL=empty_database,
        FRONTEND_PORT=str(port),
        BASE_URL=f"http://localhost:{port}",
        LAUNCHER__FRONTEND="false",  # the real `run` test builds the frontend
        GRANIAN_WORKERS="1",
    )

    def healthy() -> bool:
        assert app.proc.poll() is None, app.output()[1][-3000:]
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=5):
                return True
        except OSError:
            return False

    wait_until(healthy, timeout=180, interval=0.5)
    with psycopg.connect(empty_database) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()
    assert app.terminate() < 10
