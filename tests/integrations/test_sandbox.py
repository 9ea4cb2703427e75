"""The code sandbox: results, prints, errors and the walls (time, memory, network, env).

Attacks written as an attacker would (the hook disarmed, raw syscalls, //proc, ...) live in
``tests/security``.
"""

from __future__ import annotations

import os
import select
import socket
import textwrap
import time

import pytest

from agent_platform.engine.protocols import PermanentError
from agent_platform.integrations.sandbox import SubprocessCodeExecutor

pytestmark = pytest.mark.anyio


@pytest.fixture
def sandbox() -> SubprocessCodeExecutor:
    return SubprocessCodeExecutor()


async def run(sandbox, code: str, inputs=None, timeout_s=10.0, memory_mb=256):
    return await sandbox.run(
        code=textwrap.dedent(code), inputs=inputs or {}, timeout_s=timeout_s, memory_mb=memory_mb
    )


async def test_returns_value_and_captures_prints_separately(sandbox):
    result = await run(
        sandbox,
        """
        def main(a, b):
            print("adding", a, b)
            return {"sum": a + b, "items": [a, b]}
    """,
        {"a": 2, "b": 3},
    )
    assert result.result == {"sum": 5, "items": [2, 3]}
    assert result.stdout == "adding 2 3\n"
    assert result.duration_ms > 0


async def test_printing_a_fake_result_marker_cannot_spoof_the_result(sandbox):
    result = await run(
        sandbox,
        """
        import os
        def main():
            os.write(1, b'\\n--sandbox-result-x--\\n{"ok": true, "result": "forged"}')
            return "real"
    """,
    )
    assert result.result == "real"


async def test_syntax_error_is_reported_clearly_without_running(sandbox):
    with pytest.raises(PermanentError, match=r"SyntaxError: .* \(line 2\)"):
        await run(sandbox, "def main():\n    return (\n")


async def test_missing_main_is_reported(sandbox):
    with pytest.raises(PermanentError, match="main"):
        await run(sandbox, "x = 1\n")


async def test_exception_gives_last_traceback_line_and_user_line(sandbox):
    with pytest.raises(PermanentError) as info:
        await run(
            sandbox,
            """
            def main():
                print("before")
                return 1 / 0
        """,
        )
    assert info.value.message == "ZeroDivisionError: division by zero (line 4)"
    assert info.value.details["stdout"] == "before\n"


async def test_infinite_loop_is_killed_by_the_timeout(sandbox):
    started = time.monotonic()
    with pytest.raises(PermanentError, match="timed out after 1s"):
        await run(sandbox, "def main():\n    while True:\n        pass\n", timeout_s=1)
    assert time.monotonic() - started < 5


async def test_memory_hog_is_stopped(sandbox):
    with pytest.raises(PermanentError, match="(?i)memory"):
        await run(
            sandbox,
            """
            def main():
                blocks = []
                while True:
                    blocks.append(bytearray(50 * 1024 * 1024))
        """,
            memory_mb=128,
        )


async def test_network_is_unreachable_from_the_sandbox(sandbox):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    port = listener.getsockname()[1]
    try:
        with pytest.raises(PermanentError) as info:
            await run(
                sandbox,
                f"""
                import socket
                def main():
                    socket.create_connection(("127.0.0.1", {port}), timeout=2)
                    return "connected"
            """,
            )
        assert "PermissionError" in info.value.message or "OSError" in info.value.message
        readable, _, _ = select.select([listener], [], [], 0.3)
        assert readable == []  # nothing ever reached the listener
    finally:
        listener.close()


async def test_processes_cannot_be_started(sandbox):
    with pytest.raises(PermanentError, match="PermissionError"):
        await run(sandbox, "import subprocess\ndef main():\n    subprocess.run(['true'])\n")
    status = await run(sandbox, "import os\ndef main():\n    return os.system('true')\n")
    assert status.result != 0  # the shell never started


async def test_ctypes_gives_no_way_around_the_filter(sandbox):
    """ctypes is not refused any more: the walls are the kernel's, not the interpreter's."""
    result = await run(
        sandbox,
        """
        import ctypes
        def main():
            libc = ctypes.CDLL(None, use_errno=True)
            return [libc.syscall(41, 2, 1, 0), ctypes.get_errno()]  # socket(AF_INET, STREAM)
    """,
    )
    assert result.result == [-1, 97]  # EAFNOSUPPORT


async def test_child_environment_is_empty(sandbox, monkeypatch):
    monkeypatch.setenv("PLATFORM_SECRET_FOR_TEST", "hunter2")
    assert os.environ["PLATFORM_SECRET_FOR_TEST"] == "hunter2"
    result = await run(
        sandbox,
        """
        import os
        def main():
            return dict(os.environ)
    """,
    )
    assert result.result == {}


async def test_runs_in_a_fresh_temporary_directory(sandbox):
    result = await run(
        sandbox,
        """
        import os
        def main():
            with open("scratch.txt", "w") as f:
                f.write("x")
            return [os.getcwd(), sorted(os.listdir("."))]
    """,
    )
    cwd, listing = result.result
    assert "sandbox-" in cwd and listing == ["scratch.txt"]
    assert not os.path.exists(cwd)  # cleaned up afterwards


async def test_non_json_result_is_an_error(sandbox):
    with pytest.raises(PermanentError, match="not JSON-serialisable"):
        await run(sandbox, "def main():\n    return {1, 2}\n")


async def test_non_json_inputs_are_refused_before_spawning(sandbox):
    with pytest.raises(PermanentError, match="inputs must be JSON"):
        await run(sandbox, "def main(x):\n    return x\n", {"x": object()})
