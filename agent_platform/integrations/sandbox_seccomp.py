"""The code sandbox's seccomp filters, compiled with libseccomp (PyPI ``pyseccomp``).

Two stacked filters; a filter can only be added to, never removed, by the filtered process.

* ``outer`` - loaded by bubblewrap (``--seccomp``) just before it executes the interpreter:
  every syscall is allowed except those below, which fail with an errno. Sockets of any family
  but ``AF_UNIX`` (no TCP/UDP/raw/netlink/packet sockets, even inside the empty network
  namespace); new processes (``fork``, ``vfork``, ``clone`` without ``CLONE_THREAD``;
  ``clone3`` answers ``ENOSYS`` so libc falls back to ``clone`` for threads); and the usual
  kernel attack surface: ptrace and cross-process memory, mounts, namespaces, keyrings, bpf,
  perf, userfaultfd, io_uring, modules, kexec, reboot, clocks, ``TIOCSTI``/``TIOCLINUX``.
  Syscalls of other ABIs (i386, x32) kill the process (libseccomp's bad-arch action).
* ``inner`` - loaded by the sandbox's bootstrap before any user code: ``execve``/``execveat``
  fail, so no other program can replace the interpreter.
"""

from __future__ import annotations

import errno
import os
import socket
from dataclasses import dataclass
from functools import lru_cache

CLONE_THREAD = 0x00010000
TIOCSTI = 0x5412
TIOCLINUX = 0x541C

DENIED = (
    # other processes and their memory
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd", "pidfd_open",
    # mounts and namespaces
    "mount", "umount2", "pivot_root", "chroot", "unshare", "setns", "fsopen", "fsconfig",
    "fsmount", "fspick", "move_mount", "open_tree", "mount_setattr", "name_to_handle_at",
    "open_by_handle_at",
    # kernel attack surface
    "keyctl", "add_key", "request_key", "bpf", "perf_event_open", "userfaultfd",
    "io_uring_setup", "io_uring_enter", "io_uring_register", "fanotify_init", "lookup_dcookie",
    "mbind", "migrate_pages", "move_pages", "personality", "modify_ldt", "iopl", "ioperm",
    # the machine
    "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load", "reboot",
    "swapon", "swapoff", "syslog", "acct", "quotactl", "quotactl_fd", "settimeofday",
    "clock_settime", "clock_adjtime", "adjtimex", "sethostname", "setdomainname", "vhangup",
    "uselib", "ustat", "sysfs", "_sysctl", "nfsservctl",
    # new processes (threads stay possible: clone with CLONE_THREAD)
    "fork", "vfork",
)  # fmt: skip
EXEC = ("execve", "execveat")


class SeccompUnavailable(RuntimeError):
    """libseccomp (or its Python binding) cannot build the filters on this machine."""


@dataclass(frozen=True)
class Filters:
    """The two compiled BPF programs (arrays of ``struct sock_filter``)."""

    outer: bytes
    inner: bytes


@lru_cache(maxsize=1)
def filters() -> Filters:
    """Compile both filters once per process.

    Raises:
        SeccompUnavailable: ``pyseccomp`` is missing or libseccomp refused a rule.
    """
    try:
        import pyseccomp as sc
    except (ImportError, RuntimeError, OSError) as exc:  # RuntimeError: no libseccomp.so
        raise SeccompUnavailable(f"libseccomp is unavailable: {exc}") from None
    try:
        return Filters(outer=_export(_outer(sc)), inner=_export(_inner(sc)))
    except (OSError, ValueError) as exc:
        raise SeccompUnavailable(f"libseccomp could not build the filter: {exc}") from None


def _outer(sc):
    denied = sc.ERRNO(errno.EPERM)
    flt = sc.SyscallFilter(sc.ALLOW)
    for name in DENIED:
        _deny(sc, flt, denied, name)
    _deny(sc, flt, denied, "clone", sc.Arg(0, sc.MASKED_EQ, CLONE_THREAD, 0))
    _deny(sc, flt, sc.ERRNO(errno.ENOSYS), "clone3")
    no_family = sc.ERRNO(errno.EAFNOSUPPORT)
    for name in ("socket", "socketpair"):
        _deny(sc, flt, no_family, name, sc.Arg(0, sc.NE, socket.AF_UNIX))
    for request in (TIOCSTI, TIOCLINUX):
        _deny(sc, flt, denied, "ioctl", sc.Arg(1, sc.MASKED_EQ, 0xFFFFFFFF, request))
    return flt


def _inner(sc):
    flt = sc.SyscallFilter(sc.ALLOW)
    for name in EXEC:
        _deny(sc, flt, sc.ERRNO(errno.EPERM), name)
    return flt


def _deny(sc, flt, action: int, name: str, *args) -> None:
    number = sc.resolve_syscall(sc.Arch.NATIVE, name)
    if number < 0:
        return  # not a syscall on this architecture (e.g. modify_ldt outside x86)
    flt.add_rule(action, number, *args)


def _export(flt) -> bytes:
    fd = os.memfd_create("seccomp-bpf", os.MFD_CLOEXEC)
    try:
        with open(fd, "wb", closefd=False) as handle:
            flt.export_bpf(handle)
        return os.pread(fd, os.fstat(fd).st_size, 0)
    finally:
        os.close(fd)
