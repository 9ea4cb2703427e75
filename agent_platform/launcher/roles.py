"""The platform's processes: one command line each (app, worker, scheduler) and migrations."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from agent_platform.settings import ROOT_DIR, Settings, child_env

BIN = Path(sys.executable).parent


def migrate(database_url: str) -> None:
    """Apply every Alembic revision to ``database_url``."""
    env = child_env(DATABASE_URL=database_url)
    subprocess.run([str(BIN / "alembic"), "upgrade", "heads"], cwd=ROOT_DIR, env=env, check=True)


def app_command(settings: Settings) -> list[str]:
    """The Reflex app in prod mode: frontend and backend on ``frontend_port``.

    With ``launcher.frontend`` off, only the backend (REST API, websocket) runs there and the
    frontend build is skipped.
    """
    port = str(settings.frontend_port)
    mode = ["--single-port", "--frontend-port", port] if settings.launcher.frontend else []
    mode = mode or ["--backend-only"]
    return [
        str(BIN / "reflex"),
        "run",
        "--env",
        "prod",
        *mode,
        "--backend-port",
        port,
        "--loglevel",
        "warning",
    ]


def worker_command(settings: Settings) -> list[str]:
    """Dramatiq's workers; on SIGTERM they get ``stop_timeout_s`` minus two seconds to finish.

    Dramatiq's default bound is ten minutes. A run cut short is not lost: its completed steps
    are in Postgres and the sweeper re-queues it once its heartbeat stops.
    """
    shutdown_ms = max(int((settings.launcher.stop_timeout_s - 2) * 1000), 500)
    return [
        str(BIN / "dramatiq"),
        "workers.main",
        "--processes",
        str(settings.worker_processes),
        "--threads",
        str(settings.worker_threads),
        "--worker-shutdown-timeout",
        str(shutdown_ms),
    ]


def scheduler_command() -> list[str]:
    """The schedule-trigger loop."""
    return [sys.executable, "-m", "workers.scheduler"]


def process_env(**overrides: str) -> dict[str, str]:
    """The environment of every role's process: Reflex offline switches, the venv's tools."""
    return child_env(
        REFLEX_USE_NPM="1",
        REFLEX_TELEMETRY_ENABLED="false",
        REFLEX_CHECK_LATEST_VERSION="false",
        PATH=f"{BIN}{os.pathsep}{child_env().get('PATH', '')}",
        **overrides,
    )
