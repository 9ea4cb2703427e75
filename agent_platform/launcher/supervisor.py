"""Run child processes, restart the ones that crash, stop them all within a bound.

Every child starts in its own session, so its whole tree (Dramatiq's worker processes, the
app's server workers) is one process group the supervisor signals at once, and the terminal's
Ctrl-C reaches only the launcher, which then stops everything in order.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

# A child that stayed up this long counts as healthy again: its next crash restarts fast.
STABLE_AFTER_S = 60.0
POLL_S = 0.1


def say(message: str) -> None:
    """Print one progress line."""
    print(f"[agent-platform] {message}", flush=True)


def signal_group(pgid: int, sig: signal.Signals) -> None:
    """Send ``sig`` to process group ``pgid`` if it still has members."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, sig)


@dataclass
class Child:
    """One supervised command.

    Attributes:
        name: the label in log lines, e.g. ``"worker"``.
        argv: the command line.
        env: its environment.
        tier: stop order; lower tiers stop first (services before the servers they use).
    """

    name: str
    argv: list[str]
    env: dict[str, str]
    tier: int = 0
    proc: subprocess.Popen | None = None
    started_at: float = 0.0
    crashes: int = 0
    restart_at: float | None = None
    exits: list[int] = field(default_factory=list)
    # Its group was cleared after a crash: the PID may belong to someone else by now.
    cleared: bool = False

    @property
    def pgid(self) -> int | None:
        """The child's process group (its own PID: it leads a new session)."""
        return self.proc.pid if self.proc is not None else None


class Supervisor:
    """Starts children, restarts crashed ones with a back-off, stops them in tiers.

    Args:
        cwd: the children's working directory.
        stop_timeout_s: SIGTERM-to-SIGKILL bound for each tier.
        restart_delay_s: the first restart's delay; doubled per consecutive crash.
        restart_delay_max_s: the longest delay.
        forced: turns true when the user asked to stop at once (a second Ctrl-C).
    """

    def __init__(
        self,
        *,
        cwd: Path,
        stop_timeout_s: float,
        restart_delay_s: float,
        restart_delay_max_s: float,
        forced: Callable[[], bool] = lambda: False,
    ) -> None:
        self.cwd = cwd
        self.stop_timeout_s = stop_timeout_s
        self.restart_delay_s = restart_delay_s
        self.restart_delay_max_s = restart_delay_max_s
        self.forced = forced
        self.children: list[Child] = []

    def start(self, name: str, argv: list[str], env: dict[str, str], *, tier: int = 0) -> Child:
        """Start ``argv`` as a supervised child."""
        child = Child(name=name, argv=argv, env=env, tier=tier)
        self.children.append(child)
        self._spawn(child)
        return child

    def _spawn(self, child: Child) -> None:
        child.proc = subprocess.Popen(
            child.argv, cwd=self.cwd, env=child.env, start_new_session=True
        )
        child.started_at = time.monotonic()
        child.restart_at = None
        child.cleared = False

    def delay(self, crashes: int) -> float:
        """Seconds before restarting a child after its ``crashes``-th consecutive crash."""
        return min(self.restart_delay_s * 2 ** max(crashes - 1, 0), self.restart_delay_max_s)

    def check(self) -> None:
        """Notice crashed children, clear what they left behind, restart the due ones."""
        now = time.monotonic()
        for child in self.children:
            proc = child.proc
            if child.restart_at is not None:
                if now >= child.restart_at:
                    say(f"restarting {child.name}")
                    self._spawn(child)
                continue
            if proc is None or proc.poll() is None:
                continue
            # Whatever of its tree survived (e.g. Dramatiq's worker processes when their
            # parent was killed) would keep consuming next to the replacement.
            signal_group(proc.pid, signal.SIGKILL)
            child.cleared = True
            stable = now - child.started_at >= STABLE_AFTER_S
            child.crashes = 1 if stable else child.crashes + 1
            child.exits.append(proc.returncode)
            wait = self.delay(child.crashes)
            child.restart_at = now + wait
            say(
                f"{child.name} exited with code {proc.returncode}; restarting in {wait:g}s "
                f"(crash {child.crashes} in a row)"
            )

    def stop(self) -> None:
        """SIGTERM each tier, SIGKILL it after ``stop_timeout_s``; lowest tier first."""
        for tier in sorted({c.tier for c in self.children}):
            self.stop_tier(tier)

    def stop_tier(self, tier: int, timeout: float | None = None) -> None:
        """Stop every child of ``tier``: SIGTERM, then SIGKILL past ``timeout``."""
        self.terminate(tier)
        self.finish(tier, self.stop_timeout_s if timeout is None else timeout)

    def terminate(self, tier: int) -> None:
        """SIGTERM every running child of ``tier``; none of them restarts any more.

        The signal goes to each child alone, which stops its own tree: Dramatiq's parent
        forwards it to its workers, and a worker signalled twice skips its graceful shutdown.
        """
        for child in self._tier(tier):
            child.restart_at = None  # a crashed child waiting for its restart stays down
            if child.proc.poll() is None:
                child.proc.send_signal(signal.SIGTERM)

    def finish(self, tier: int, timeout: float) -> None:
        """Wait up to ``timeout`` for ``tier`` to exit, then SIGKILL whatever of it is left."""
        members = self._tier(tier)
        deadline = time.monotonic() + timeout
        while any(c.proc.poll() is None for c in members):
            if self.forced() or time.monotonic() > deadline:
                break
            time.sleep(POLL_S)
        self.kill(members)

    def _tier(self, tier: int) -> list[Child]:
        return [c for c in self.children if c.tier == tier and c.proc is not None]

    def kill(self, members: list[Child] | None = None) -> None:
        """SIGKILL every group (of ``members``, default all) and reap the children."""
        members = self.children if members is None else members
        members = [c for c in members if c.proc is not None and not c.cleared]
        for child in members:
            child.restart_at = None
            signal_group(child.pgid, signal.SIGKILL)
        for child in members:
            try:
                child.proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                say(f"{child.name} (pid {child.proc.pid}) did not die")
