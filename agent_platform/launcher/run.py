"""``make run``: everything on one machine, supervised, until Ctrl-C.

Starts embedded PostgreSQL + pgvector, Redis and a mail sink when no external servers are
configured, applies migrations, then runs the worker, the scheduler and the app, restarting
any that crashes. Ctrl-C (or SIGTERM) stops the app, scheduler and workers (SIGTERM, SIGKILL
after ``launcher.stop_timeout_s``), then Redis and PostgreSQL cleanly; a second Ctrl-C kills
what is left at once.
"""

from __future__ import annotations

import signal
import subprocess
import time

from agent_platform.integrations.sandbox import check_sandbox
from agent_platform.launcher import embedded, roles
from agent_platform.launcher.supervisor import POLL_S, Supervisor, say
from agent_platform.settings import ROOT_DIR, Settings, get_settings

# Budget for Redis after the services stopped; PostgreSQL gets what is left of SHUTDOWN_S.
REDIS_STOP_S = 1.5
SHUTDOWN_S = 9.5


class Launcher:
    """One ``make run``: embedded servers, supervised processes, ordered shutdown."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.signals = 0
        self.postgres: embedded.EmbeddedPostgres | None = None
        self.handles: list[object] = []
        opts = settings.launcher
        self.supervisor = Supervisor(
            cwd=ROOT_DIR,
            stop_timeout_s=opts.stop_timeout_s,
            restart_delay_s=opts.restart_delay_s,
            restart_delay_max_s=opts.restart_delay_max_s,
            forced=self.forced,
        )

    def forced(self) -> bool:
        """Whether a second Ctrl-C asked to stop at once."""
        return self.signals >= 2

    def _on_signal(self, signum: int, _frame: object) -> None:
        self.signals += 1
        if self.signals == 1:
            say("stopping (Ctrl-C again to kill everything at once)")
        elif self.signals == 2:
            say("killing everything now")

    def run(self) -> int:
        """Start everything, supervise until a signal, stop everything."""
        busy = [port for port in self._ports() if embedded.port_open(port)]
        if busy:
            say(
                f"port {', '.join(map(str, busy))} already in use (another `make run`?): stop "
                "it, or set FRONTEND_PORT / LAUNCHER__REDIS_PORT / SMTP__PORT"
            )
            return 1
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, self._on_signal)
        try:
            env = self._start_servers()
            if not self.signals:
                self._start_processes(env)
                self._supervise()
        except subprocess.CalledProcessError as exc:
            if self.signals:  # the terminal's Ctrl-C also reached the migration
                return 0
            say(f"{' '.join(map(str, exc.cmd[:3]))} failed with code {exc.returncode}")
            return 1
        finally:
            self.shutdown()
        return 0

    def _ports(self) -> list[int]:
        """The TCP ports this run will listen on."""
        settings = self.settings
        ports = [settings.frontend_port]
        if not settings.redis_url:
            ports.append(settings.launcher.redis_port)
        if self._mail_sink():
            ports.append(settings.smtp.port)
        return ports

    def _mail_sink(self) -> bool:
        """Whether this run starts the development mail sink."""
        return self.settings.environment == "development" and self.settings.smtp.host == "127.0.0.1"

    def _start_servers(self) -> dict[str, str]:
        """Embedded PostgreSQL/Redis/mail sink as needed, then migrations; the child env."""
        settings, data = self.settings, self.settings.data_dir
        say(check_sandbox())  # "code sandbox ready: ..." or "Code steps are disabled: ..."
        overrides: dict[str, str] = {}
        database_url = settings.database_url
        if not database_url:
            say(f"starting embedded PostgreSQL + pgvector in {data / 'pg'}")
            self.postgres = embedded.EmbeddedPostgres(data / "pg")
            database_url = overrides["DATABASE_URL"] = self.postgres.url
        redis_url = settings.redis_url
        if not redis_url:
            port = settings.launcher.redis_port
            say(f"starting embedded Redis on 127.0.0.1:{port} ({data / 'redis'})")
            (data / "redis").mkdir(parents=True, exist_ok=True)
            argv = embedded.redis_command(data / "redis", port)
            redis = self.supervisor.start("redis", argv, roles.process_env(), tier=1)
            embedded.wait_for_port(port, what="Redis", proc=redis.proc)
            redis_url = overrides["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
        if self._mail_sink():
            from agent_platform.integrations.mail_sink import start_sink

            say(f"mail sink on 127.0.0.1:{settings.smtp.port}: messages land in {data / 'mail'}")
            self.handles.append(start_sink(data / "mail", port=settings.smtp.port))
        if not self.signals:
            say("applying database migrations")
            roles.migrate(database_url)
        return roles.process_env(**overrides, REFLEX_REDIS_URL=redis_url)

    def _start_processes(self, env: dict[str, str]) -> None:
        settings, start = self.settings, self.supervisor.start
        say(f"starting {settings.worker_processes} worker process(es)")
        start("worker", roles.worker_command(settings), env)
        say("starting the scheduler (schedule triggers)")
        start("scheduler", roles.scheduler_command(), env)
        building = " (the first start compiles the frontend: ~1 min)"
        say(f"starting the app{building if settings.launcher.frontend else ' (backend only)'}")
        start("app", roles.app_command(settings), env)

    def _supervise(self) -> None:
        """Restart crashed children until a signal; announce readiness once."""
        ready = False
        while not self.signals:
            self.supervisor.check()
            if not ready and embedded.port_open(self.settings.frontend_port):
                ready = True
                say(f"ready: open {self.settings.base_url}  (Ctrl-C stops everything)")
            time.sleep(POLL_S * 5)

    def shutdown(self) -> None:
        """Services first, then Redis and PostgreSQL; all of it within ``SHUTDOWN_S``."""
        started = time.monotonic()
        self.supervisor.stop_tier(0)
        self.supervisor.terminate(1)  # Redis flushes its AOF while PostgreSQL stops
        for handle in self.handles:
            handle.stop()
        if self.postgres is not None:
            left = max(SHUTDOWN_S - REDIS_STOP_S - (time.monotonic() - started), 1.0)
            mode = self.postgres.stop(timeout=left, forced=self.forced)
            say(
                f"PostgreSQL stopped ({mode} shutdown)"
                if mode in ("fast", "immediate")
                else f"PostgreSQL {mode}"
            )
        self.supervisor.finish(1, REDIS_STOP_S)
        say(f"stopped in {time.monotonic() - started:.1f}s")


def run() -> int:
    """Start everything and supervise it until Ctrl-C."""
    return Launcher(get_settings()).run()
