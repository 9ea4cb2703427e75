"""Attacks on the code node as a tenant submits them: sign up over the API, publish an agent with
a code node, execute it with ``wait: true`` on a real ``dramatiq`` worker process.

The worker is started with a canary secret (and the suite's real database and Redis URLs) in its
environment; no attack may ever show any of them. Each payload disarms the in-process audit hook
first (``tests/security/attacks.py``), so what stops it is the operating system.
"""

from __future__ import annotations

import json
import select
import socket
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.security import attacks
from tests.security.conftest import attack
from tests.services.runtime.conftest import WorkerProcess

CANARY = f"canary-{uuid.uuid4().hex}"
CANARY_ENV = {"SANDBOX_CANARY_SECRET": CANARY, "SECURITY__SECRET_KEY": f"{CANARY}-key"}


@pytest.fixture(scope="module")
def canary_worker(platform_env: dict[str, str]) -> Iterator[WorkerProcess]:
    """A real worker process whose environment holds the canary and the suite's secrets.

    Module-scoped: starting a worker takes seconds; each test still gets empty tables (``db``).
    """
    worker = WorkerProcess(CANARY_ENV)
    yield worker
    worker.stop()


def assert_no_secret(execution: dict[str, Any], platform_env: dict[str, str]) -> None:
    text = json.dumps(execution)
    for secret in (CANARY, platform_env["DATABASE_URL"], platform_env["REDIS_URL"]):
        assert secret not in text


def refused_everything(output: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in output.items() if not str(v).startswith("refused")}


def test_code_node_cannot_reach_the_network(client, tenant, canary_worker, platform_env):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    try:
        redis_port = urlparse(platform_env["REDIS_URL"]).port
        run = attack(
            client,
            tenant,
            attacks.NETWORK,
            {"port": listener.getsockname()[1], "redis_port": redis_port},
        )
        readable, _, _ = select.select([listener], [], [], 0.5)
        assert readable == [], "the code node connected to a socket on the worker's host"
    finally:
        listener.close()
    assert run["status"] == "succeeded", run["error"]
    assert refused_everything(run["output"]) == {}
    assert_no_secret(run, platform_env)


def test_code_node_cannot_start_processes(client, tenant, canary_worker, platform_env):
    run = attack(client, tenant, attacks.SPAWN)
    assert run["status"] == "succeeded", run["error"]
    assert refused_everything(run["output"]) == {}


def test_code_node_cannot_use_raw_syscalls(client, tenant, canary_worker, platform_env):
    run = attack(client, tenant, attacks.SYSCALLS)
    assert run["status"] == "succeeded", run["error"]
    assert refused_everything(run["output"]) == {}


def test_code_node_never_sees_the_workers_environment(client, tenant, canary_worker, platform_env):
    run = attack(client, tenant, attacks.SNOOP, {"host_file": "/proc/1/environ"})
    assert run["status"] == "succeeded", run["error"]
    assert run["output"]["os.environ"] == {}
    assert_no_secret(run, platform_env)


def test_code_node_cannot_write_outside_its_tmp(client, tenant, canary_worker, tmp_path):
    tmp_path.chmod(0o777)
    run = attack(client, tenant, attacks.WRITE, {"host_dir": str(tmp_path)})
    assert run["status"] == "succeeded", run["error"]
    output = run["output"]
    assert output.pop("tmp").startswith("DONE")
    assert refused_everything(output) == {}
    assert list(tmp_path.iterdir()) == []


def test_code_node_reports_its_uid_as_nobody(client, tenant, canary_worker):
    code = "import os\ndef main():\n    return [os.getuid(), os.getgid(), os.getgroups()]\n"
    run = attack(client, tenant, code)
    assert run["output"] == [65534, 65534, []], run
