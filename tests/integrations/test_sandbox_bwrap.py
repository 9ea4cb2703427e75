"""The sandbox's command line: every wall is asked for, and missing tools are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_platform.integrations import sandbox_bwrap
from agent_platform.settings import RuntimeSettings


def command(**runtime) -> list[str]:
    config = sandbox_bwrap.resolve(RuntimeSettings(**runtime))
    limits = sandbox_bwrap.Limits(cpu_s=3, memory_bytes=64 << 20, file_bytes=1 << 20, open_files=8)
    return config.command(limits, seccomp_fd=7, bootstrap="print(1)")


def test_the_command_line_asks_for_every_wall():
    args = command()
    joined = " ".join(args)
    assert args[0] == "/usr/bin/prlimit" and "/usr/bin/bwrap" in args
    for flag in (
        "--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
        "--unshare-cgroup", "--disable-userns", "--die-with-parent", "--new-session",
        "--clearenv", "--uid 65534", "--gid 65534", "--cap-drop ALL", "--seccomp 7",
        "--proc /proc", "--remount-ro /dev", "--tmpfs /tmp", "--remount-ro / ",
        "--cpu=3:4", "--as=67108864:67108864", "--fsize=1048576:1048576", "--nofile=8:8",
        "--core=0:0",
    ):  # fmt: skip
        assert flag in joined, flag
    # Nothing is bound writable, and nothing of the host but libraries and the interpreter.
    assert "--bind " not in joined and "--dev-bind" not in joined
    sources = {args[i + 1] for i, a in enumerate(args) if a == "--ro-bind"}
    python = args[args.index("--") + 1]
    allowed = {"/usr/lib", "/usr/lib64", "/usr/lib32", "/lib", "/lib64", "/lib32", "/libx32"}
    allowed |= {python, str(Path(python).parent.parent / "lib")}
    assert sources <= allowed, sources - allowed
    assert args[args.index("--") + 2 :] == ["-I", "-S", "-B", "-c", "print(1)"]


def test_missing_tools_are_refused(tmp_path):
    with pytest.raises(sandbox_bwrap.SandboxNotAvailable, match="install the bubblewrap package"):
        command(sandbox_bwrap=str(tmp_path / "bwrap"))
    with pytest.raises(sandbox_bwrap.SandboxNotAvailable, match="util-linux"):
        command(sandbox_prlimit=str(tmp_path / "prlimit"))
    with pytest.raises(sandbox_bwrap.SandboxNotAvailable, match="RUNTIME__SANDBOX_PYTHON"):
        command(sandbox_python=str(tmp_path / "python3.11"))
