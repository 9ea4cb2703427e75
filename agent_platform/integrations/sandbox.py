"""``SubprocessCodeExecutor``: user Python in a throwaway bubblewrap sandbox, or not at all.

The walls are the operating system's (see ``sandbox_bwrap`` for the exact bwrap command line and
``sandbox_seccomp`` for the filters): new user/pid/network/ipc/uts/cgroup namespaces, uid 65534,
a read-only root holding only the interpreter and system libraries, private ``/proc`` and
``/tmp``, an empty environment, no inherited file descriptors, two stacked seccomp filters
(no sockets but ``AF_UNIX``, no new processes or programs, no ptrace/mount/keyctl/bpf/...),
rlimits via ``prlimit`` and a wall-clock kill of the process group. The platform process itself
only ``ast.parse``-s the code.

Fail closed: when any wall cannot be raised (no bwrap or prlimit, user namespaces disabled, no
libseccomp, a check inside the sandbox fails) the run raises ``SandboxUnavailable`` - a
``PermanentError`` the step shows - and the code never runs. ``check_sandbox`` tells the
launcher's start-up log the same.
"""

from __future__ import annotations

import ast
import asyncio
import base64
import contextlib
import json
import logging
import math
import os
import secrets
import signal
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from agent_platform.engine.protocols import CodeResult, PermanentError
from agent_platform.integrations import sandbox_bwrap, sandbox_seccomp
from agent_platform.settings import RuntimeSettings, get_settings

log = logging.getLogger(__name__)
_BOOTSTRAP = Path(__file__).with_name("_sandbox_child.py")
_MB = 1024 * 1024
_CHECK_FAILED = 97  # _sandbox_child.CHECK_FAILED
DISABLED = "Code steps are disabled: the sandbox (bubblewrap) is not available on this worker"


class SandboxUnavailable(PermanentError):
    """The sandbox cannot be built on this worker, so code steps refuse to run."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"{DISABLED} ({reason})")


class SubprocessCodeExecutor:
    """The engine's ``CodeExecutor`` over one bubblewrap sandbox per run.

    Args:
        runtime: where the sandbox tools are and its limits (``get_settings().runtime``, read
            at each run, by default).
        max_stdout_bytes: captured prints beyond this are cut.
        max_file_mb: the largest file the code may write (in its private ``/tmp``).
        max_open_files: ``RLIMIT_NOFILE``.
        min_memory_mb: floor for ``memory_mb``; the interpreter itself needs ~30 MB of
            address space to start.
    """

    def __init__(
        self,
        *,
        runtime: RuntimeSettings | None = None,
        max_stdout_bytes: int = 1_000_000,
        max_file_mb: int = 16,
        max_open_files: int = 64,
        min_memory_mb: int = 64,
    ) -> None:
        self._runtime = runtime
        self._max_stdout = max_stdout_bytes
        self._fsize = max_file_mb * _MB
        self._nofile = max_open_files
        self._min_mem = min_memory_mb

    def config(self) -> sandbox_bwrap.SandboxConfig:
        """The checked sandbox configuration.

        Raises:
            SandboxUnavailable: a tool or a readable interpreter is missing.
        """
        try:
            return sandbox_bwrap.resolve(self._runtime or get_settings().runtime)
        except sandbox_bwrap.SandboxNotAvailable as exc:
            raise SandboxUnavailable(str(exc)) from None

    async def run(
        self, *, code: str, inputs: Mapping[str, Any], timeout_s: float, memory_mb: int
    ) -> CodeResult:
        """Run ``main(**inputs)`` from ``code``.

        Raises:
            SandboxUnavailable: the sandbox cannot be built here (nothing ran).
            PermanentError: syntax errors, exceptions (last traceback line + user line number),
                timeouts, CPU/memory limits, non-JSON results or inputs.
        """
        _validate(code)
        config = self.config()
        try:
            outer, inner = _filters()
        except sandbox_seccomp.SeccompUnavailable as exc:
            raise SandboxUnavailable(str(exc)) from None
        delimiter = f"--sandbox-result-{secrets.token_hex(16)}--"
        try:
            payload = json.dumps(
                {
                    "code": code,
                    "inputs": dict(inputs),
                    "max_stdout": self._max_stdout,
                    "delimiter": delimiter,
                    "inner_filter": base64.b64encode(inner).decode(),
                }
            )
        except (TypeError, ValueError):
            raise PermanentError("Code inputs must be JSON-serialisable") from None
        started = time.monotonic()
        out, err, rc = await self._spawn(config, outer, payload, timeout_s, memory_mb)
        duration_ms = int((time.monotonic() - started) * 1000)
        return self._result(out, err, rc, delimiter, memory_mb, duration_ms)

    def _result(
        self, out: bytes, err: bytes, rc: int, delimiter: str, memory_mb: int, duration_ms: int
    ) -> CodeResult:
        marker = ("\n" + delimiter + "\n").encode()
        if marker not in out:
            raise _failure(rc, err, memory_mb)
        head, _, tail = out.rpartition(marker)
        try:
            outcome = json.loads(tail)
        except ValueError:
            raise PermanentError("The sandbox returned an unreadable result") from None
        if outcome.get("audit"):  # telemetry only: the code could have silenced it
            log.info("sandboxed code touched %s", ", ".join(map(str, outcome["audit"][:20])))
        stdout = head.decode(errors="replace") + str(outcome.get("stdout", ""))
        if not outcome.get("ok"):
            raise PermanentError(
                str(outcome.get("error", "code failed")),
                details={"stdout": stdout[: self._max_stdout]},
            )
        return CodeResult(
            result=outcome.get("result"), stdout=stdout[: self._max_stdout], duration_ms=duration_ms
        )

    async def _spawn(
        self,
        config: sandbox_bwrap.SandboxConfig,
        outer_filter: bytes,
        payload: str,
        timeout_s: float,
        memory_mb: int,
    ) -> tuple[bytes, bytes, int]:
        limits = sandbox_bwrap.Limits(
            # A backstop only: one second above the wall clock, so the timeout normally wins.
            cpu_s=math.ceil(timeout_s) + 1,
            memory_bytes=max(memory_mb, self._min_mem) * _MB,
            file_bytes=self._fsize,
            open_files=self._nofile,
        )
        seccomp_fd = os.memfd_create("sandbox-seccomp", os.MFD_CLOEXEC)  # bwrap reads, closes it
        try:
            os.write(seccomp_fd, outer_filter)
            os.lseek(seccomp_fd, 0, os.SEEK_SET)
            command = config.command(
                limits,
                seccomp_fd=seccomp_fd,
                bootstrap=_BOOTSTRAP.read_text(),
            )
            drop = {"user": sandbox_bwrap.NOBODY, "group": sandbox_bwrap.NOBODY}
            proc = await asyncio.create_subprocess_exec(
                *command,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env={},
                cwd="/",
                close_fds=True,
                pass_fds=(seccomp_fd,),
                start_new_session=True,  # its own process group, killed as a whole
                **({**drop, "extra_groups": []} if config.drop_to_nobody else {}),
            )
        except OSError as exc:  # the binary vanished since the check, or cannot run
            raise SandboxUnavailable(f"cannot start {config.bwrap}: {exc}") from None
        finally:
            os.close(seccomp_fd)
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
        _kill_group(proc.pid)  # no leftovers
        return out, err, proc.returncode if proc.returncode is not None else -1

    async def _communicate(self, proc: Any, data: bytes) -> tuple[bytes, bytes]:
        # communicate() would buffer unbounded output; read with a ceiling instead.
        cap = 4 * self._max_stdout + 65536
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
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


def check_sandbox() -> str:
    """One line for the start-up log: the sandbox works here, or why code steps are disabled.

    Runs a real probe through the sandbox (about a tenth of a second).
    """
    executor = SubprocessCodeExecutor()
    probe = "import os\ndef main():\n    return os.getuid()\n"
    try:
        config = executor.config()
        result = asyncio.run(executor.run(code=probe, inputs={}, timeout_s=30, memory_mb=64))
    except SandboxUnavailable as exc:
        return exc.message
    except PermanentError as exc:
        return f"{DISABLED} (the probe run failed: {exc.message})"
    host_uid = sandbox_bwrap.NOBODY if config.drop_to_nobody else os.geteuid()
    return (
        f"code sandbox ready: {config.bwrap} with seccomp, uid {result.result} "
        f"(host uid {host_uid}), no network, interpreter {config.python}"
    )


def _filters() -> tuple[bytes, bytes]:
    compiled = sandbox_seccomp.filters()
    return compiled.outer, compiled.inner


def _validate(code: str) -> None:
    """``ast.parse`` only - the platform never executes the code itself."""
    try:
        tree = ast.parse(code)
    except SyntaxError as exc:
        raise PermanentError(f"SyntaxError: {exc.msg} (line {exc.lineno})") from None
    if not any(isinstance(n, ast.FunctionDef) and n.name == "main" for n in tree.body):
        raise PermanentError("The code must define a top-level function main(**inputs)")


def _failure(returncode: int, stderr: bytes, memory_mb: int) -> PermanentError:
    """Why no result came back: the sandbox could not start, or the code was stopped."""
    lines = [ln for ln in stderr.decode(errors="replace").splitlines() if ln.strip()]
    last = lines[-1][:300] if lines else f"exit {returncode}"
    if returncode == _CHECK_FAILED and last.startswith("sandbox-check:"):
        return SandboxUnavailable(last)
    if lines and lines[0].startswith(("bwrap:", "prlimit:")):  # failed before the interpreter
        return SandboxUnavailable(lines[0][:300])
    # bwrap reports a child killed by signal N as exit 128 + N.
    if returncode in (-signal.SIGXCPU, -signal.SIGKILL, 128 + signal.SIGXCPU, 128 + signal.SIGKILL):
        return PermanentError("Code was stopped: CPU time limit exceeded or memory exhausted")
    if b"MemoryError" in stderr:
        return PermanentError(f"MemoryError: memory limit exceeded ({memory_mb} MB)")
    return PermanentError(f"The sandbox process failed: {last}")


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
