"""``SubprocessCodeExecutor``: user Python in a throwaway, locked-down interpreter process.

Walls, outermost first: a fresh ``python -I -S`` (no site-packages, no env, no user site) with an
EMPTY environment and a temp working directory; its own network namespace when the kernel allows
(no interfaces, not even loopback); rlimits on CPU seconds, address space, file size, open files
and processes; an unprivileged uid when the interpreter is reachable by it; a wall-clock timeout
that kills the whole process group; and an audit hook in the child refusing sockets, processes,
ctypes and /proc. The platform process only ``ast.parse``-s the code.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import ctypes
import json
import math
import os
import resource
import secrets
import signal
import stat
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from agent_platform.engine.protocols import CodeResult, PermanentError

_CHILD = Path(__file__).with_name("_sandbox_child.py")
_CLONE_NEWNET = 0x40000000
_MB = 1024 * 1024
NOBODY = 65534


class SubprocessCodeExecutor:
    """The engine's ``CodeExecutor`` over a subprocess per run.

    Args:
        python: interpreter path (the current one by default).
        isolate_network: enter a new, empty network namespace (needs CAP_SYS_ADMIN; silently
            skipped otherwise - the audit hook still refuses sockets).
        run_as_uid: drop to this uid/gid (``"auto"``: nobody when running as root and the
            interpreter is world-executable; ``None``: keep the current user).
        max_stdout_bytes: captured prints beyond this are cut.
        min_memory_mb: floor for ``memory_mb``; the interpreter itself needs ~30 MB of
            address space to start.
    """

    def __init__(
        self,
        *,
        python: str = sys.executable,
        isolate_network: bool = True,
        run_as_uid: int | str | None = "auto",
        max_stdout_bytes: int = 1_000_000,
        max_file_mb: int = 16,
        max_open_files: int = 64,
        min_memory_mb: int = 64,
    ) -> None:
        self._python = python
        self._isolate = isolate_network
        if run_as_uid == "auto":
            run_as_uid = NOBODY if os.geteuid() == 0 and _world_executable(python) else None
        self._uid = run_as_uid if isinstance(run_as_uid, int) else None
        self._max_stdout = max_stdout_bytes
        self._fsize = max_file_mb * _MB
        self._nofile = max_open_files
        self._min_mem = min_memory_mb
        # Resolved before fork: loading libraries inside preexec_fn is not async-signal-safe.
        self._libc = ctypes.CDLL(None, use_errno=True) if isolate_network else None

    async def run(
        self, *, code: str, inputs: Mapping[str, Any], timeout_s: float, memory_mb: int
    ) -> CodeResult:
        """Run ``main(**inputs)`` from ``code``.

        Raises:
            PermanentError: syntax errors, exceptions (last traceback line + user line number),
                timeouts, CPU/memory limits, non-JSON results or inputs.
        """
        _validate(code)
        try:
            payload = json.dumps(
                {
                    "code": code,
                    "inputs": dict(inputs),
                    "max_stdout": self._max_stdout,
                    "delimiter": (delimiter := f"--sandbox-result-{secrets.token_hex(16)}--"),
                }
            )
        except (TypeError, ValueError):
            raise PermanentError("Code inputs must be JSON-serialisable") from None
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="sandbox-") as workdir:
            if self._uid is not None:
                os.chown(workdir, self._uid, self._uid)
            out, err, rc = await self._spawn(payload, workdir, timeout_s, memory_mb)
        duration_ms = int((time.monotonic() - started) * 1000)
        marker = ("\n" + delimiter + "\n").encode()
        if marker not in out:
            raise PermanentError(_crash_reason(rc, err, memory_mb))
        head, _, tail = out.rpartition(marker)
        try:
            outcome = json.loads(tail)
        except ValueError:
            raise PermanentError("The sandbox returned an unreadable result") from None
        stdout = head.decode(errors="replace") + str(outcome.get("stdout", ""))
        if not outcome.get("ok"):
            raise PermanentError(
                str(outcome.get("error", "code failed")),
                details={"stdout": stdout[: self._max_stdout]},
            )
        return CodeResult(
            result=outcome.get("result"),
            stdout=stdout[: self._max_stdout],
            duration_ms=duration_ms,
        )

    async def _spawn(
        self, payload: str, workdir: str, timeout_s: float, memory_mb: int
    ) -> tuple[bytes, bytes, int]:
        mem = max(memory_mb, self._min_mem) * _MB
        # A backstop only: one second above the wall clock, so the timeout normally wins.
        cpu = math.ceil(timeout_s) + 1
        proc = await asyncio.create_subprocess_exec(
            self._python,
            "-I",
            "-S",
            "-B",
            str(_CHILD),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env={},
            cwd=workdir,
            start_new_session=True,  # its own process group, killed as a whole
            preexec_fn=lambda: self._limit(cpu, mem),  # noqa: PLW1509 - rlimits need it
        )
        try:
            async with asyncio.timeout(timeout_s):
                out, err = await self._communicate(proc, payload.encode())
        except TimeoutError:
            _kill_group(proc.pid)
            await proc.wait()
            raise PermanentError(f"Code timed out after {timeout_s:g}s") from None
        except BaseException:
            _kill_group(proc.pid)
            raise
        _kill_group(proc.pid)  # no leftovers (daemonised grandchildren)
        return out, err, proc.returncode if proc.returncode is not None else -1

    async def _communicate(self, proc: Any, data: bytes) -> tuple[bytes, bytes]:
        # communicate() would buffer unbounded output; read with a ceiling instead.
        cap = 4 * self._max_stdout + 65536
        proc.stdin.write(data)
        await proc.stdin.drain()
        proc.stdin.close()

        async def read(stream: asyncio.StreamReader, limit: int) -> bytes:
            buf = bytearray()
            while chunk := await stream.read(65536):
                buf += chunk
                if len(buf) > limit:
                    _kill_group(proc.pid)
                    raise PermanentError("Code printed too much output")
            return bytes(buf)

        out, err = await asyncio.gather(read(proc.stdout, cap), read(proc.stderr, 65536))
        await proc.wait()
        return out, err

    def _limit(self, cpu_s: int, mem_bytes: int) -> None:
        """Runs in the child between fork and exec: namespaces, rlimits, then drop privileges."""
        if self._libc is not None:
            self._libc.unshare(_CLONE_NEWNET)  # failure is fine: the audit hook still applies
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 1))
        resource.setrlimit(resource.RLIMIT_AS, (mem_bytes, mem_bytes))
        resource.setrlimit(resource.RLIMIT_FSIZE, (self._fsize, self._fsize))
        resource.setrlimit(resource.RLIMIT_NOFILE, (self._nofile, self._nofile))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if self._uid is not None:
            os.setgroups([])
            os.setgid(self._uid)
            os.setuid(self._uid)
            # After setuid: the kernel checks NPROC at setuid time, and root ignores it anyway.
            resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))


def _validate(code: str) -> None:
    """``ast.parse`` only - the platform never executes the code itself."""
    try:
        tree = ast.parse(code)
    except SyntaxError as exc:
        raise PermanentError(f"SyntaxError: {exc.msg} (line {exc.lineno})") from None
    if not any(isinstance(n, ast.FunctionDef) and n.name == "main" for n in tree.body):
        raise PermanentError("The code must define a top-level function main(**inputs)")


def _crash_reason(returncode: int, stderr: bytes, memory_mb: int) -> str:
    if returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        return "Code was stopped: CPU time limit exceeded or memory exhausted"
    if b"MemoryError" in stderr:
        return f"MemoryError: memory limit exceeded ({memory_mb} MB)"
    lines = [ln for ln in stderr.decode(errors="replace").splitlines() if ln.strip()]
    return f"The sandbox process failed: {lines[-1][:200] if lines else f'exit {returncode}'}"


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _world_executable(path: str) -> bool:
    """Whether an unprivileged user could exec ``path`` (every parent dir traversable)."""
    real = Path(os.path.realpath(path))
    try:
        if not real.stat().st_mode & stat.S_IXOTH:
            return False
        return all(p.stat().st_mode & stat.S_IXOTH for p in real.parents)
    except OSError:
        return False
