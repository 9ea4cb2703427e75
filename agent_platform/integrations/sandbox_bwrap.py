"""The code sandbox's process: ``prlimit`` -> ``bwrap`` -> ``python -I -S -B -c <bootstrap>``.

What bubblewrap builds (``command`` below is the exact argument list):

* new user, pid, network, ipc, uts and cgroup namespaces; no further user namespaces inside
  (``--disable-userns``); no capabilities (``--cap-drop ALL``); ``--die-with-parent``;
  ``--new-session`` (no controlling terminal to inject keystrokes into);
* an empty environment (``--clearenv``) and uid/gid 65534 inside. When the worker runs as root
  the process is also really uid 65534 on the host (the spawn drops to it before bwrap, so bwrap
  runs unprivileged); otherwise uid 65534 inside maps to the worker's own unprivileged uid;
* a root that is an empty read-only tmpfs holding only: the interpreter binary and its
  ``<prefix>/lib`` (stdlib, libpython), the system library directories (``/usr/lib*``,
  ``/lib*``), all read-only; a private ``/proc`` (the pid namespace: only the sandbox's own
  processes; bwrap keeps ``/proc/sys`` read-only); a minimal ``/dev`` remounted read-only; and a
  private ``/tmp`` tmpfs of ``sandbox_tmp_mb`` - the only writable place;
* the outer seccomp filter (``sandbox_seccomp``), from a memfd bwrap reads and closes.

``prlimit`` sets the rlimits bwrap and the interpreter inherit: CPU seconds, address space,
file size, open files, no core dumps, and processes (``RLIMIT_NPROC``, only under the dedicated
uid 65534: for any other uid it would count the worker's own processes).
"""

from __future__ import annotations

import os
import secrets
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

from agent_platform.settings import RuntimeSettings

NOBODY = 65534
SANDBOX_TMP = "/tmp"  # noqa: S108 - the sandbox's own private tmpfs, never the host's /tmp
_MB = 1024 * 1024
_LIB_DIRS = ("/usr/lib", "/usr/lib64", "/usr/lib32", "/lib", "/lib64", "/lib32", "/libx32")


class SandboxNotAvailable(RuntimeError):
    """A wall cannot be raised on this worker (the message says which and why)."""


@dataclass(frozen=True)
class Limits:
    """Per-run limits."""

    cpu_s: int
    memory_bytes: int
    file_bytes: int
    open_files: int


@dataclass(frozen=True)
class SandboxConfig:
    """Where the tools are and who the sandbox runs as (resolved and checked)."""

    bwrap: str
    prlimit: str
    python: str
    drop_to_nobody: bool
    tmp_mb: int
    max_processes: int

    def command(self, limits: Limits, *, seccomp_fd: int, bootstrap: str) -> list[str]:
        """The full argument list of one sandboxed run (in a fresh ``/tmp/sandbox-*``)."""
        return [
            *self._prlimit(limits),
            self.bwrap,
            *self._namespaces(),
            *self._filesystem(f"{SANDBOX_TMP}/sandbox-{secrets.token_hex(6)}"),
            "--seccomp", str(seccomp_fd),
            "--",
            self.python, "-I", "-S", "-B", "-c", bootstrap,
        ]  # fmt: skip

    def _prlimit(self, limits: Limits) -> list[str]:
        args = [
            self.prlimit,
            f"--cpu={limits.cpu_s}:{limits.cpu_s + 1}",
            f"--as={limits.memory_bytes}:{limits.memory_bytes}",
            f"--fsize={limits.file_bytes}:{limits.file_bytes}",
            f"--nofile={limits.open_files}:{limits.open_files}",
            "--core=0:0",
        ]
        if self.drop_to_nobody:
            args.append(f"--nproc={self.max_processes}:{self.max_processes}")
        return args

    @staticmethod
    def _namespaces() -> list[str]:
        return [
            "--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc",
            "--unshare-uts", "--unshare-cgroup", "--disable-userns",
            "--uid", str(NOBODY), "--gid", str(NOBODY), "--hostname", "sandbox",
            "--cap-drop", "ALL", "--die-with-parent", "--new-session", "--clearenv",
        ]  # fmt: skip

    def _filesystem(self, workdir: str) -> list[str]:
        args: list[str] = []
        for path in _LIB_DIRS:
            if os.path.islink(path):
                args += ["--symlink", os.readlink(path), path]
            elif os.path.isdir(path):
                args += ["--ro-bind", path, path]
        prefix_lib = str(Path(self.python).parent.parent / "lib")
        if not any(prefix_lib == d or prefix_lib.startswith(d + "/") for d in _LIB_DIRS):
            args += ["--ro-bind", prefix_lib, prefix_lib]
        args += ["--ro-bind", self.python, self.python]
        args += ["--proc", "/proc", "--dev", "/dev", "--remount-ro", "/dev"]
        args += ["--size", str(self.tmp_mb * _MB), "--tmpfs", SANDBOX_TMP]
        args += ["--dir", workdir, "--chdir", workdir, "--remount-ro", "/"]
        return args


def resolve(runtime: RuntimeSettings) -> SandboxConfig:
    """Check the tools and pick the interpreter.

    Raises:
        SandboxNotAvailable: a binary is missing or no interpreter is readable by the sandbox.
    """
    drop = os.geteuid() == 0
    for what, path in (("bwrap", runtime.sandbox_bwrap), ("prlimit", runtime.sandbox_prlimit)):
        package = "bubblewrap" if what == "bwrap" else "util-linux"
        if not os.path.isfile(path):
            raise SandboxNotAvailable(f"no {what} at {path}; install the {package} package")
        if not _executable(path, drop):
            who = f"uid {NOBODY}" if drop else "this user"
            raise SandboxNotAvailable(f"{path} cannot be run by {who}")
    return SandboxConfig(
        bwrap=runtime.sandbox_bwrap,
        prlimit=runtime.sandbox_prlimit,
        python=_interpreter(runtime.sandbox_python, drop),
        drop_to_nobody=drop,
        tmp_mb=runtime.sandbox_tmp_mb,
        max_processes=runtime.sandbox_max_processes,
    )


def _interpreter(configured: str | None, drop: bool) -> str:
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    if configured:
        candidates = [configured]
    else:
        candidates = [
            str(Path(sys.base_prefix) / "bin" / version),
            f"/usr/local/bin/{version}",
            f"/usr/bin/{version}",
        ]
    for candidate in candidates:
        real = os.path.realpath(candidate)
        if os.path.isfile(real) and _usable(real, drop):
            return real
    who = f"uid {NOBODY}" if drop else "this user"
    raise SandboxNotAvailable(
        f"no {version} readable by {who} (tried {', '.join(candidates)}); "
        "set RUNTIME__SANDBOX_PYTHON to one"
    )


def _usable(binary: str, drop: bool) -> bool:
    """Whether the sandbox user can execute ``binary`` and read its ``<prefix>/lib``."""
    lib = Path(binary).parent.parent / "lib"
    if not drop:
        return os.access(binary, os.X_OK) and os.access(lib, os.R_OK | os.X_OK)
    try:
        return (
            _executable(binary, drop)
            and _executable(str(lib), drop)
            and bool(lib.stat().st_mode & stat.S_IROTH)
        )
    except OSError:
        return False


def _executable(path: str, drop: bool) -> bool:
    """Whether the worker (or, when it drops to 65534, anyone) can reach and execute ``path``."""
    if not drop:
        return os.access(path, os.X_OK)
    real = Path(os.path.realpath(path))
    try:
        return all(p.stat().st_mode & stat.S_IXOTH for p in (real, *real.parents))
    except OSError:
        return False
