"""Runtime test fixtures: an API client, a counting local HTTP target, graphs and helpers.

Runs execute on real Dramatiq workers (the ``worker`` fixture's threads, or real
``dramatiq workers.main`` subprocesses) against the real Postgres and Redis of the suite.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT

FIXTURES = Path(__file__).parent / "fixtures"
V1 = "/api/v1"


def load_graph(name: str, **replace: str) -> dict[str, Any]:
    """A JSON graph fixture with ``__KEY__`` placeholders replaced."""
    text = (FIXTURES / name).read_text()
    for key, value in replace.items():
        text = text.replace(f"__{key}__", value)
    return json.loads(text)


class Target:
    """A local HTTP server counting hits per path.

    Paths: ``/ok`` (200 JSON), ``/slow?s=N`` (sleeps N seconds), ``/flaky`` (503 for the first
    ``flaky_failures`` hits, then 200).
    """

    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self.flaky_failures = 1
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def handler(self) -> type[BaseHTTPRequestHandler]:
        target = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                self._serve()

            def do_POST(self) -> None:  # noqa: N802
                if length := int(self.headers.get("content-length") or 0):
                    self.rfile.read(length)
                self._serve()

            def _serve(self) -> None:
                path, _, query = self.path.partition("?")
                with target.lock:
                    target.hits[path] += 1
                    count = target.hits[path]
                status = 200
                if path == "/slow":
                    time.sleep(float(query.partition("=")[2] or 5))
                if path == "/flaky" and count <= target.flaky_failures:
                    status = 503
                body = json.dumps({"path": path, "hit": count}).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler


@pytest.fixture
def target() -> Iterator[Target]:
    """A counting HTTP server on 127.0.0.1 (allowed through egress by ``runtime_env``)."""
    t = Target()
    t.server = ThreadingHTTPServer(("127.0.0.1", 0), t.handler())
    thread = threading.Thread(target=t.server.serve_forever, daemon=True)
    thread.start()
    yield t
    t.server.shutdown()


@pytest.fixture
def runtime_env(db: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """Settings for runtime tests: loopback egress allowed (for the local target)."""
    from agent_platform.settings import get_settings

    extra = {"RUNTIME__EGRESS_ALLOW_HOSTS": '["127.0.0.1"]'}
    for key, value in extra.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    yield extra
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture
def client(db: None) -> Iterator[Any]:
    """A ``TestClient`` on a fresh ``create_api()``."""
    from fastapi.testclient import TestClient

    from agent_platform.api.app import create_api

    with TestClient(create_api()) as test_client:
        yield test_client


@pytest.fixture
def org(db: None) -> Any:
    """Organization ``acme`` with an owner, admin, editor and viewer (real session tokens)."""
    from tests.api.conftest import build_org

    return build_org("acme")


def publish(client: Any, headers: dict[str, str], graph: dict[str, Any], name: str = "Bot") -> str:
    """Create and publish an agent over HTTP; returns its id."""
    resp = client.post(f"{V1}/agents", json={"name": name}, headers=headers)
    assert resp.status_code == 201, resp.text
    agent_id = resp.json()["id"]
    resp = client.post(
        f"{V1}/agents/{agent_id}/publish", json={"definition": graph}, headers=headers
    )
    assert resp.status_code == 201, resp.text
    return agent_id


def execute(client: Any, headers: dict[str, str], agent_id: str, inputs: dict | None = None) -> str:
    """Queue a run over HTTP; returns the execution id."""
    resp = client.post(
        f"{V1}/agents/{agent_id}/execute", json={"inputs": inputs or {}}, headers=headers
    )
    assert resp.status_code == 202, resp.text
    return resp.json()["execution_id"]


def wait_status(
    client: Any, headers: dict[str, str], run_id: str, statuses: set[str], timeout: float = 30
) -> dict[str, Any]:
    """Poll the execution until its status is in ``statuses``; returns it."""
    deadline = time.monotonic() + timeout
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        body = client.get(f"{V1}/executions/{run_id}", headers=headers).json()
        if body.get("status") in statuses:
            return body
        time.sleep(0.1)
    raise AssertionError(f"execution stayed {body.get('status')}: {body}")


def steps(client: Any, headers: dict[str, str], run_id: str) -> dict[str, dict[str, Any]]:
    """The execution's steps by step key."""
    resp = client.get(f"{V1}/executions/{run_id}/steps", headers=headers)
    assert resp.status_code == 200, resp.text
    return {s["step_key"]: s for s in resp.json()}


class WorkerProcess:
    """A real ``dramatiq workers.main`` subprocess with the test environment.

    ``cwd`` is its working directory (the repository by default; another directory stands in
    for a worker on another machine); the code is imported from the repository either way.
    """

    def __init__(
        self, env: dict[str, str], processes: int = 1, threads: int = 2, cwd: Path = ROOT
    ) -> None:
        cmd = [
            str(Path(sys.executable).parent / "dramatiq"),
            "workers.main",
            "--path",
            str(ROOT),
            "--processes",
            str(processes),
            "--threads",
            str(threads),
        ]
        self.proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )

    def children(self) -> list[int]:
        """PIDs of the worker processes (the dramatiq master forks them)."""
        out = subprocess.run(
            ["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True, check=False
        )
        return [int(p) for p in out.stdout.split()]

    def stop(self) -> None:
        """Stop the master and its workers (only the processes this object started)."""
        import signal

        if self.proc.poll() is None:
            for pid in self.children():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            self.proc.kill()
        self.proc.wait(timeout=10)
