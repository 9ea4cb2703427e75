"""Attacks on ``SubprocessCodeExecutor`` directly: the OS walls hold with the audit hook disarmed.

The same attacks go through the API and a real worker in ``test_sandbox.py``; these add what only
the test process can see (its own file descriptors, the host's view of the sandbox's uid, leftover
processes) and the fail-closed paths.
"""

from __future__ import annotations

import asyncio
import os
import re
import select
import socket
import tempfile
import textwrap
import time

import pytest

from agent_platform.engine.protocols import PermanentError
from agent_platform.integrations.sandbox import SubprocessCodeExecutor
from agent_platform.settings import get_settings
from tests.security import attacks

pytestmark = pytest.mark.anyio
MESSAGE = "Code steps are disabled: the sandbox (bubblewrap) is not available on this worker"
DISABLED = re.escape(MESSAGE)


async def run(code: str, inputs=None, *, timeout_s=10.0, memory_mb=128, executor=None):
    executor = executor or SubprocessCodeExecutor()
    return await executor.run(
        code=textwrap.dedent(code), inputs=inputs or {}, timeout_s=timeout_s, memory_mb=memory_mb
    )


def assert_all_refused(found: dict) -> None:
    done = {k: v for k, v in found.items() if not str(v).startswith("refused")}
    assert done == {}, done


async def test_no_tcp_even_with_the_hook_disarmed():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    try:
        port = listener.getsockname()[1]
        found = (await run(attacks.NETWORK, {"port": port, "redis_port": 6379})).result
        readable, _, _ = select.select([listener], [], [], 0.5)
        assert readable == [], "a connection reached the test's listener"
    finally:
        listener.close()
    assert_all_refused(found)


async def test_raw_syscalls_are_filtered_by_seccomp():
    found = (await run(attacks.SYSCALLS)).result
    assert_all_refused(found)
    assert found["socket_inet"] in ("refused: EAFNOSUPPORT", "refused: EPERM")


async def test_no_process_can_be_spawned_or_exec_ed():
    found = (await run(attacks.SPAWN)).result
    assert_all_refused(found)


async def test_proc_is_private_and_the_environment_empty():
    found = (await run(attacks.SNOOP, {"host_file": "/etc/hostname"})).result
    assert found["os.environ"] == {}
    assert len(found["pids"]) <= 3, found["pids"]  # bwrap's init and the interpreter
    text = repr(found)
    for leak in ("PATH=", "HOME=", "DATABASE_URL", "REDIS_URL", str(os.getpid())):
        assert leak not in text
    assert found["host_file"].startswith("refused")
    assert "etc" not in found["root"] and "home" not in found["root"]


async def test_filesystem_is_read_only_outside_tmp(tmp_path):
    tmp_path.chmod(0o777)  # writable by anyone on the host: only the sandbox can stop it
    (tmp_path / "secret.txt").write_text("tenant B's data")
    (tmp_path / "secret.txt").chmod(0o644)
    found = (await run(attacks.WRITE, {"host_dir": str(tmp_path)})).result
    assert found.pop("tmp").startswith("DONE")
    assert_all_refused(found)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secret.txt"]
    snoop = (await run(attacks.SNOOP, {"host_file": str(tmp_path / "secret.txt")})).result
    assert snoop["host_file"].startswith("refused")


async def test_parent_file_descriptors_are_not_visible(tmp_path):
    secret = tmp_path / "worker-secret"
    secret.write_text("vault-key-material")
    fd = os.open(secret, os.O_RDONLY)
    os.set_inheritable(fd, True)
    try:
        found = (
            await run(
                attacks.DISARM
                + """
import os

def main():
    open_fds = os.listdir("/proc/self/fd")
    stolen = []
    for fd in range(3, 1024):
        try:
            stolen.append(os.pread(fd, 100, 0).decode(errors="replace"))
        except OSError:
            pass
    return {"fds": open_fds, "stolen": stolen}
"""
            )
        ).result
    finally:
        os.close(fd)
    assert "vault-key-material" not in repr(found)
    assert len(found["fds"]) <= 4, found  # 0, 1, 2 and the one listing /proc/self/fd


async def test_runs_as_uid_65534_inside_and_on_the_host(my_descendants):
    code = (
        "import os, time\n"
        "def main():\n    time.sleep(1.5)\n    return [os.getuid(), os.getgid(), os.getgroups()]\n"
    )
    before = set(my_descendants())
    task = asyncio.ensure_future(run(code))
    await asyncio.sleep(0.8)
    pythons = {
        pid: status
        for pid, status in my_descendants().items()
        if pid not in before and status.get("Name", "").startswith("python")
    }
    result = (await task).result
    assert result == [65534, 65534, []]
    assert pythons, "the sandboxed interpreter was not found below the test process"
    for status in pythons.values():
        real_uid = int(status["Uid"].split()[0])
        assert real_uid == (65534 if os.geteuid() == 0 else os.geteuid()), status["Uid"]
        assert status["NoNewPrivs"] == "1" and status["Seccomp"] == "2", status


async def test_fork_bomb_and_thread_bomb_are_bounded():
    started = time.monotonic()
    with pytest.raises(PermanentError, match="PermissionError|BlockingIOError|OSError"):
        await run(attacks.DISARM + "import os\ndef main():\n    while True:\n        os.fork()\n")
    try:  # a thread that cannot get memory may hang its creator: the wall clock ends that
        threads = await run(
            attacks.DISARM
            + """
import threading, time

def main():
    started = []
    try:
        while len(started) < 100_000:
            t = threading.Thread(target=time.sleep, args=(30,), daemon=True)
            t.start()
            started.append(t)
    except BaseException as exc:
        return [len(started), type(exc).__name__]
    return [len(started), "no limit"]
""",
            memory_mb=128,
            timeout_s=10,
        )
    except PermanentError as exc:
        assert re.search("timed out|memory|stopped", exc.message), exc.message
    else:
        count, stopped_by = threads.result
        assert stopped_by != "no limit" and count < 5000, threads.result
    assert time.monotonic() - started < 20


async def test_memory_and_scratch_space_are_bounded():
    with pytest.raises(PermanentError, match="(?i)memory"):
        await run(
            "def main():\n    b = []\n    while True:\n        b.append(bytearray(32 << 20))\n",
            memory_mb=128,
        )
    filled = await run(
        """
        def main():
            written = 0
            try:
                for i in range(10_000):
                    with open(f"/tmp/fill-{i}", "wb") as f:
                        f.write(b"x" * (4 << 20))
                    written += 4
            except OSError as exc:
                return [written, type(exc).__name__]
            return [written, "no limit"]
    """,
        timeout_s=30,
    )
    megabytes, stopped_by = filled.result
    assert stopped_by != "no limit" and megabytes <= get_settings().runtime.sandbox_tmp_mb


async def test_wall_clock_kill_leaves_no_process_behind(my_descendants):
    code = attacks.DISARM + textwrap.dedent(
        """
        import signal, threading, time

        def main():
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                signal.signal(sig, signal.SIG_IGN)
            for _ in range(4):
                threading.Thread(target=time.sleep, args=(60,)).start()
            while True:
                time.sleep(0.1)
        """
    )
    before = set(my_descendants())  # e.g. the suite's own Redis
    with pytest.raises(PermanentError, match="timed out after 1s"):
        await run(code, timeout_s=1)
    await asyncio.sleep(0.3)
    assert {p: s for p, s in my_descendants().items() if p not in before} == {}


@pytest.fixture
def runtime_setting(monkeypatch):
    """``runtime_setting(NAME, value)`` sets ``RUNTIME__NAME`` for this test's Settings."""

    def set_(name: str, value: str) -> None:
        monkeypatch.setenv(f"RUNTIME__{name.upper()}", value)
        get_settings.cache_clear()

    yield set_
    monkeypatch.undo()
    get_settings.cache_clear()


async def test_missing_bwrap_refuses_to_run_code(runtime_setting, tmp_path):
    runtime_setting("sandbox_bwrap", str(tmp_path / "no-such-bwrap"))
    with pytest.raises(PermanentError, match=DISABLED):
        await run("def main():\n    return 'ran unprotected'\n")


async def test_bwrap_that_cannot_create_namespaces_refuses(runtime_setting):
    # Where the sandbox user (65534 when root) can run it: pytest's tmp_path may be private.
    with tempfile.TemporaryDirectory() as tools:
        os.chmod(tools, 0o755)
        fake = os.path.join(tools, "bwrap")
        with open(fake, "w") as f:
            f.write(
                "#!/bin/sh\necho 'bwrap: No permissions to creating new namespace, likely "
                "because the kernel does not allow non-privileged user namespaces.' >&2\nexit 1\n"
            )
        os.chmod(fake, 0o755)
        runtime_setting("sandbox_bwrap", fake)
        with pytest.raises(PermanentError, match=DISABLED) as info:
            await run("def main():\n    return 'ran unprotected'\n")
    assert "namespace" in info.value.message


async def test_unavailable_seccomp_refuses(monkeypatch):
    import sys

    from agent_platform.integrations import sandbox_seccomp

    monkeypatch.setitem(sys.modules, "pyseccomp", None)  # import fails as if not installed
    sandbox_seccomp.filters.cache_clear()
    try:
        with pytest.raises(PermanentError, match=DISABLED) as info:
            await run("def main():\n    return 'ran unprotected'\n")
        assert "seccomp" in info.value.message
    finally:
        monkeypatch.undo()
        sandbox_seccomp.filters.cache_clear()


def test_start_up_check_reports_ready_or_disabled(runtime_setting, tmp_path):
    from agent_platform.integrations.sandbox import check_sandbox

    assert check_sandbox().startswith("code sandbox ready")
    runtime_setting("sandbox_bwrap", str(tmp_path / "no-such-bwrap"))
    assert check_sandbox().startswith(MESSAGE)
