"""The platform's processes as roles: one command line each, shared by ``make run`` and images.

``make run`` runs every role under its supervisor next to embedded servers; a container runs
one role (``python -m agent_platform.launcher app|worker|scheduler|migrate``) against the
servers named by ``DATABASE_URL`` and ``REDIS_URL``, and the launcher becomes that process
(``exec``), so the container's stop signal reaches it directly.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from agent_platform.settings import ROOT_DIR, Settings, child_env

BIN = Path(sys.executable).parent
ROLES = ("app", "worker", "scheduler", "migrate")


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


def missing_servers(role: str, settings: Settings) -> list[str]:
    """The server URLs ``role`` needs that are not configured."""
    needed = ["DATABASE_URL"] if role == "migrate" else ["DATABASE_URL", "REDIS_URL"]
    values = {"DATABASE_URL": settings.database_url, "REDIS_URL": settings.redis_url}
    return [name for name in needed if not values[name]]


def run_role(role: str, settings: Settings) -> int:
    """Run one role against external servers, replacing this process (``migrate`` returns).

    Returns:
        2 when a server URL is missing (no embedded servers in role mode), else 0 after
        ``migrate``; the other roles do not return.
    """
    missing = missing_servers(role, settings)
    if missing:
        print(
            f"[agent-platform] {role}: {' and '.join(missing)} must be set; roles use external "
            "servers (only `run` starts embedded ones)",
            file=sys.stderr,
            flush=True,
        )
        return 2
    assert settings.database_url is not None
    if role in ("migrate", "app"):
        migrate(settings.database_url)
    if role == "migrate":
        return 0
    commands = {
        "app": lambda: app_command(settings),
        "worker": lambda: worker_command(settings),
        "scheduler": scheduler_command,
    }
    argv = commands[role]()
    env = process_env(REFLEX_REDIS_URL=settings.redis_url or "")
    os.chdir(ROOT_DIR)
    os.execve(argv[0], argv, env)  # noqa: S606  (a fixed argv of our own tools)
    return 0  # unreachable: execve replaces the process
