"""The supervisor on small stand-in children: restart back-off, the stop bound, leftovers."""

from __future__ import annotations

import os
import signal
import sys
import time

import psutil
import pytest

from agent_platform.launcher.supervisor import Supervisor
from tests.conftest import ROOT, wait_until
from tests.launcher.conftest import alive

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]
# Ignores SIGTERM, and so does the grandchild it starts: only SIGKILL stops them.
STUBBORN = [
    sys.executable,
    "-c",
    "import signal, subprocess, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
    "subprocess.Popen([sys.executable, '-c', 'import signal, time; "
    "signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)']); time.sleep(60)",
]


@pytest.fixture
def supervisor():
    forced = {"now": False}
    sup = Supervisor(
        cwd=ROOT,
        stop_timeout_s=1.0,
        restart_delay_s=0.2,
        restart_delay_max_s=0.8,
        forced=lambda: forced["now"],
    )
    sup.force = lambda: forced.update(now=True)
    yield sup
    sup.kill()


def test_the_restart_delay_doubles_up_to_the_maximum(supervisor):
    assert [supervisor.delay(n) for n in (1, 2, 3, 4, 5)] == [0.2, 0.4, 0.8, 0.8, 0.8]


def test_a_crashed_child_restarts_after_its_delay_and_others_keep_running(supervisor, capsys):
    crashing = supervisor.start("crashing", SLEEPER, dict(os.environ))
    steady = supervisor.start("steady", SLEEPER, dict(os.environ))
    first = crashing.proc.pid
    os.kill(first, signal.SIGKILL)
    wait_until(lambda: crashing.proc.poll() is not None)
    supervisor.check()
    assert crashing.restart_at is not None and crashing.proc.pid == first
    wait_until(lambda: supervisor.check() or crashing.proc.pid != first, timeout=5)
    assert crashing.exits == [-signal.SIGKILL]
    assert steady.proc.poll() is None and steady.exits == []
    out = capsys.readouterr().out
    assert "crashing exited with code -9; restarting in 0.2s (crash 1 in a row)" in out
    assert "restarting crashing" in out


def test_stop_kills_what_ignores_sigterm_after_the_bound(supervisor):
    child = supervisor.start("stubborn", STUBBORN, dict(os.environ))
    grandchild = wait_until(lambda: psutil.Process(child.proc.pid).children(), timeout=10)[0]
    time.sleep(0.5)  # let it install its SIGTERM handler
    started = time.monotonic()
    supervisor.stop()
    took = time.monotonic() - started
    assert 1.0 <= took < 3.0, took
    assert child.proc.returncode == -signal.SIGKILL
    wait_until(lambda: not alive(grandchild), timeout=5)


def test_a_forced_stop_does_not_wait_for_the_bound(supervisor):
    supervisor.stop_timeout_s = 30
    child = supervisor.start("stubborn", STUBBORN, dict(os.environ))
    time.sleep(0.5)
    supervisor.force()
    started = time.monotonic()
    supervisor.stop()
    assert time.monotonic() - started < 2.5
    assert child.proc.returncode == -signal.SIGKILL


def test_a_crashed_childs_leftovers_are_killed_before_the_restart(supervisor):
    child = supervisor.start("stubborn", STUBBORN, dict(os.environ))
    grandchild = wait_until(lambda: psutil.Process(child.proc.pid).children(), timeout=10)[0]
    os.kill(child.proc.pid, signal.SIGKILL)
    wait_until(lambda: child.proc.poll() is not None)
    supervisor.check()
    wait_until(lambda: not alive(grandchild), timeout=5)
