"""Bootstrap run INSIDE the sandbox process (``python -I -S this_file``); stdlib only.

Protocol: stdin carries ``{"code", "inputs", "delimiter", "max_stdout"}`` as JSON. User prints go
to a buffer; at the end the real stdout receives ``<delimiter>\\n{"ok", "result"|"error",
"stdout"}``. The parent takes the JSON after the LAST delimiter. An audit hook refuses network,
process, ctypes and /proc access before any user code runs (best effort: the network namespace
and rlimits set by the parent are the real walls).
"""

import io
import json
import os
import sys
import traceback

_BLOCKED = (
    "socket.",
    "subprocess.",
    "os.system",
    "os.exec",
    "os.posix_spawn",
    "os.spawn",
    "os.fork",
    "os.forkpty",
    "os.kill",
    "os.killpg",
    "os.putenv",
    "os.unsetenv",
    "ctypes.",
    "pty.",
    "gc.get_",
    "sys._current_frames",
    "urllib.Request",
    "http.client.",
    "ftplib.",
    "smtplib.",
    "imaplib.",
    "poplib.",
    "nntplib.",
    "telnetlib.",
    "webbrowser.",
    "import_ctypes",
)


def _hook(event, args, _blocked=_BLOCKED):
    if event.startswith(_blocked):
        raise PermissionError(f"sandbox: {event} is not permitted")
    if event == "open" and args and isinstance(args[0], str | bytes):
        path = args[0].decode(errors="replace") if isinstance(args[0], bytes) else args[0]
        # /proc/self/mem and friends would let code rewrite this process and drop the hook.
        if path.startswith(("/proc", "/sys", "/dev/mem", "/dev/kmem")):
            raise PermissionError("sandbox: access to system files is not permitted")


def _error_line(exc):
    lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == "<code>"]
    where = f" (line {lines[-1]})" if lines else ""
    return f"{type(exc).__name__}: {exc}{where}"


def main():
    payload = json.loads(sys.stdin.buffer.read())
    delimiter = payload["delimiter"]
    # The parent passes an empty environment; Python's C-locale coercion adds LC_CTYPE back.
    os.environ.clear()
    real_stdout = sys.stdout
    captured = io.StringIO()
    try:
        code = compile(payload["code"], "<code>", "exec")
    except SyntaxError as exc:
        outcome = {"ok": False, "error": f"SyntaxError: {exc.msg} (line {exc.lineno})"}
    else:
        sys.addaudithook(_hook)
        sys.stdout = captured
        namespace = {"__name__": "__sandbox__", "__builtins__": __builtins__}
        try:
            exec(code, namespace)  # noqa: S102 - this IS the isolated sandbox process
            entry = namespace.get("main")
            if not callable(entry):
                raise NameError("the code must define main(**inputs)")
            result = entry(**payload["inputs"])
            try:
                encoded = json.loads(json.dumps(result, allow_nan=False))
                outcome = {"ok": True, "result": encoded}
            except (TypeError, ValueError) as exc:
                outcome = {
                    "ok": False,
                    "error": f"main() returned a value that is not JSON-serialisable: {exc}",
                }
        except MemoryError:
            outcome = {"ok": False, "error": "MemoryError: memory limit exceeded"}
        except RecursionError as exc:
            outcome = {"ok": False, "error": _error_line(exc)}
        except BaseException as exc:  # noqa: BLE001 - report everything, incl. SystemExit
            outcome = {"ok": False, "error": _error_line(exc)}
        finally:
            sys.stdout = real_stdout
    outcome["stdout"] = captured.getvalue()[: payload["max_stdout"]]
    real_stdout.write("\n" + delimiter + "\n" + json.dumps(outcome))
    real_stdout.flush()


if __name__ == "__main__":
    main()
