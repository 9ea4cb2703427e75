"""Launcher fixtures: ``python -m agent_platform.launcher run`` as a newcomer starts it.

Each launch runs in its own process group (as a terminal runs ``make run``) with no
``DATABASE_URL``/``REDIS_URL``, so it starts its embedded PostgreSQL and Redis under a temporary
data directory, on free ports. ``frontend=False`` skips the frontend build (the app serves only
its backend) to keep the tests that need no pages fast.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests.conftest import ROOT

START_TIMEOUT_S = 600  # a cold first start installs and builds the frontend


def alive(process: psutil.Process) -> bool:
    """Whether ``process`` still runs (a zombie waiting to be reaped does not)."""
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


class Platform:
    """One launcher run on ``data_dir``, logging to ``log_path``."""

    def __init__(self, data_dir: Path, log_path: Path, *, frontend: bool, **settings: str) -> None:
        from agent_platform.launcher import free_port

        self.data_dir = data_dir
        self.port, self.redis_port = free_port(), free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        env.update(
            ENVIRONMENT="development",
            DATA_DIR=str(data_dir),
            FRONTEND_PORT=str(self.port),
            BASE_URL=f"http://localhost:{self.port}",
            SMTP__HOST="127.0.0.1",
            SMTP__PORT=str(free_port()),
            LAUNCHER__REDIS_PORT=str(self.redis_port),
            LAUNCHER__FRONTEND="true" if frontend else "false",
            GRANIAN_WORKERS="1",  # one app worker process is plenty for a test
        )
        env.update(settings)
        self.log_path = log_path
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "agent_platform.launcher", "run"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def log(self) -> str:
        """Everything the launcher and its children printed so far."""
        return self.log_path.read_text(errors="replace")

    def call(self, method: str, path: str, body: Any = None, token: str = "") -> tuple[int, Any]:
        """One HTTP request; ``(status, parsed JSON or text)``, status 0 when unreachable."""
        headers = {"content-type": "application/json"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.base_url + path, data=data, method=method, headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                raw = response.read()
                status = response.status
        except urllib.error.HTTPError as exc:
            raw, status = exc.read(), exc.code
        except OSError:
            return 0, None
        try:
            return status, json.loads(raw or b"null")
        except ValueError:
            return status, raw.decode(errors="replace")

    def wait_ready(self, *paths: str, timeout: float = START_TIMEOUT_S) -> None:
        """Wait until ``/api/v1/health`` and each of ``paths`` answer 200."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"the launcher exited:\n{self.log()[-4000:]}"
            if all(self.call("GET", p)[0] == 200 for p in ("/api/v1/health", *paths)):
                return
            time.sleep(0.5)
        raise AssertionError(f"not answering after {timeout}s:\n{self.log()[-4000:]}")

    def postmaster(self) -> psutil.Process:
        """The embedded PostgreSQL's postmaster (not a descendant: pg_ctl daemonizes it)."""
        pid = int((self.data_dir / "pg" / "postmaster.pid").read_text().split()[0])
        return psutil.Process(pid)

    def processes(self) -> list[psutil.Process]:
        """Every process of this run: the launcher, its descendants, PostgreSQL's."""
        launcher = psutil.Process(self.proc.pid)
        postmaster = self.postmaster()
        return [
            launcher,
            *launcher.children(recursive=True),
            postmaster,
            *postmaster.children(recursive=True),
        ]

    def child(self, name: str) -> psutil.Process | None:
        """The launcher's direct child running ``name`` (``dramatiq``, ``reflex``, ...)."""
        for process in psutil.Process(self.proc.pid).children():
            with contextlib.suppress(psutil.NoSuchProcess):
                if any(name in part for part in process.cmdline()[:3]):
                    return process
        return None

    def replaced(self, name: str, old: psutil.Process) -> psutil.Process | None:
        """The child running ``name`` once it is another process than ``old``."""
        current = self.child(name)
        return current if current is not None and current.pid != old.pid else None

    def interrupt(self, *, again_after: float | None = None, timeout: float = 30) -> float:
        """Ctrl-C: SIGINT to the group (twice if ``again_after``); seconds until all are gone."""
        tracked = self.processes()
        started = time.monotonic()
        os.killpg(self.proc.pid, signal.SIGINT)
        if again_after is not None:
            time.sleep(again_after)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGINT)
        while time.monotonic() - started < timeout:
            self.proc.poll()
            if not any(alive(p) for p in tracked):
                return time.monotonic() - started
            time.sleep(0.05)
        left = [f"{p.pid} {' '.join(p.cmdline())[:120]}" for p in tracked if alive(p)]
        raise AssertionError(f"still running {timeout}s after Ctrl-C: {left}\n{self.log()[-3000:]}")

    def kill(self) -> None:
        """Clean-up after a failed test: SIGKILL everything of this run that is left."""
        with contextlib.suppress(psutil.NoSuchProcess):
            for process in psutil.Process(self.proc.pid).children(recursive=True):
                with contextlib.suppress(psutil.NoSuchProcess):
                    process.kill()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        with contextlib.suppress(psutil.NoSuchProcess, FileNotFoundError, ValueError):
            postmaster = self.postmaster()
            if postmaster.name() == "postgres":  # not a stale PID file
                os.killpg(postmaster.pid, signal.SIGKILL)  # its group holds the backends


@pytest.fixture
def launch(tmp_path: Path) -> Iterator[Callable[..., Platform]]:
    """``launch(frontend=...)`` starts a launcher; every call of a test shares one data dir.

    The data dir is not under pytest's 0700 temp root: run as root, pgserver runs PostgreSQL
    as its own user, who must reach the directory. Logs stay in ``tmp_path``; leftovers of a
    failed test are killed.
    """
    base = Path(tempfile.mkdtemp(prefix="ap-launch-"))
    base.chmod(0o755)
    started: list[Platform] = []

    def _launch(*, frontend: bool = False, **settings: str) -> Platform:
        log = tmp_path / f"launcher-{len(started) + 1}.log"
        platform = Platform(base / "data", log, frontend=frontend, **settings)
        started.append(platform)
        return platform

    yield _launch
    for platform in started:
        if platform.proc.poll() is None:
            platform.kill()
    shutil.rmtree(base, ignore_errors=True)
