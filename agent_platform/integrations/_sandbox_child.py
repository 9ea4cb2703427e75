"""Bootstrap run INSIDE the sandbox (``python -I -S -B -c <this source>``); stdlib only.

Protocol: stdin carries ``{"code", "inputs", "delimiter", "max_stdout", "inner_filter"}`` as
JSON. User prints go to a buffer; at the end the real stdout receives ``<delimiter>\\n{"ok",
"result"|"error", "stdout", "audit"}``. The parent takes the JSON after the LAST delimiter.

Before any user code runs, this checks the walls the parent asked bubblewrap for (no new
privileges, a seccomp filter, no capabilities, uid 65534, no inherited file descriptors) and
stacks the inner seccomp filter (no ``execve``); if anything is off it exits with
``CHECK_FAILED`` and a ``sandbox-check:`` line on stderr, and the parent refuses the run.

The audit hook only records what the code touched, as telemetry: user code can switch it off,
so it protects nothing.
"""

import base64
import io
import json
import os
import sys
import traceback

CHECK_FAILED = 97
NOBODY = 65534
_WATCHED = ("socket.", "subprocess.", "os.exec", "os.fork", "os.posix_spawn", "os.system",
            "ctypes.dlopen", "_posixsubprocess")  # fmt: skip
_seen = []


def _hook(event, args):
    if event.startswith(_WATCHED) and event not in _seen and len(_seen) < 20:
        _seen.append(event)


def _fail(reason):
    sys.stderr.write(f"sandbox-check: {reason}\n")
    sys.stderr.flush()
    os._exit(CHECK_FAILED)


def _check_walls():
    with open("/proc/self/status") as handle:
        status = dict(line.split(":", 1) for line in handle.read().splitlines() if ":" in line)
    expected = {"NoNewPrivs": "1", "Seccomp": "2", "CapEff": "0000000000000000"}
    for field, value in expected.items():
        if status.get(field, "").strip() != value:
            _fail(f"{field} is {status.get(field, '?').strip()}, expected {value}")
    if (os.getuid(), os.getgid()) != (NOBODY, NOBODY):
        _fail(f"running as uid {os.getuid()}, expected {NOBODY}")
    inherited = []
    for name in os.listdir("/proc/self/fd"):
        try:
            os.fstat(int(name))
        except OSError:
            continue  # the listing's own descriptor, closed again by now
        if int(name) > 2:
            inherited.append(int(name))
    if inherited:
        _fail(f"inherited file descriptors {inherited}")


def _stack_inner_filter(program):
    """Load ``program`` (BPF from libseccomp) with prctl; it stays until the process ends."""
    import ctypes

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    buffer = ctypes.create_string_buffer(program, len(program))
    prog = SockFprog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_no_new_privs, pr_set_seccomp, seccomp_mode_filter = 38, 22, 2
    if libc.prctl(pr_set_no_new_privs, 1, 0, 0, 0) != 0:
        _fail(f"PR_SET_NO_NEW_PRIVS failed (errno {ctypes.get_errno()})")
    if libc.prctl(pr_set_seccomp, seccomp_mode_filter, ctypes.byref(prog), 0, 0) != 0:
        _fail(f"the inner seccomp filter was refused (errno {ctypes.get_errno()})")


def _error_line(exc):
    lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == "<code>"]
    where = f" (line {lines[-1]})" if lines else ""
    return f"{type(exc).__name__}: {exc}{where}"


def _run(payload, captured):
    try:
        code = compile(payload["code"], "<code>", "exec")
    except SyntaxError as exc:
        return {"ok": False, "error": f"SyntaxError: {exc.msg} (line {exc.lineno})"}
    real_stdout = sys.stdout
    sys.stdout = captured
    namespace = {"__name__": "__sandbox__", "__builtins__": __builtins__}
    try:
        exec(code, namespace)  # noqa: S102 - this IS the isolated sandbox process
        entry = namespace.get("main")
        if not callable(entry):
            raise NameError("the code must define main(**inputs)")
        result = entry(**payload["inputs"])
        try:
            return {"ok": True, "result": json.loads(json.dumps(result, allow_nan=False))}
        except (TypeError, ValueError) as exc:
            return {
                "ok": False,
                "error": f"main() returned a value that is not JSON-serialisable: {exc}",
            }
    except MemoryError:
        return {"ok": False, "error": "MemoryError: memory limit exceeded"}
    except BaseException as exc:  # noqa: BLE001 - report everything, incl. SystemExit
        return {"ok": False, "error": _error_line(exc)}
    finally:
        sys.stdout = real_stdout


def main():
    payload = json.loads(sys.stdin.buffer.read())
    _check_walls()
    _stack_inner_filter(base64.b64decode(payload["inner_filter"]))
    # bwrap cleared the environment; Python's locale coercion and bwrap's PWD add a little back.
    os.environ.clear()
    sys.addaudithook(_hook)
    captured = io.StringIO()
    outcome = _run(payload, captured)
    outcome["stdout"] = captured.getvalue()[: payload["max_stdout"]]
    outcome["audit"] = list(_seen)
    sys.stdout.write("\n" + payload["delimiter"] + "\n" + json.dumps(outcome))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
