"""The scheduler process: ``python -m workers.scheduler``.

Every few seconds it fires due schedule triggers and, every ``runtime.sweeper_interval_s``,
sweeps stale runs. Several scheduler processes (on several machines) may run at once: due
triggers are claimed with ``FOR UPDATE SKIP LOCKED`` and runs carry an idempotency key per
occurrence, so nothing fires twice. One pass is one function call with an injected ``now``.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from datetime import datetime, timedelta

import workers.broker  # noqa: F401  (runs are enqueued on the global broker after commit)
from agent_platform.db import session_scope
from agent_platform.models.base import utcnow
from agent_platform.services.agents import triggers
from agent_platform.settings import get_settings

log = logging.getLogger("workers.scheduler")

TICK_INTERVAL_S = 2.0
BATCH = 50


def fire_schedules(now: datetime | None = None, *, limit: int = BATCH) -> list[triggers.Fired]:
    """Fire every schedule due at ``now`` (up to ``limit``) in one transaction."""
    with session_scope() as session:
        return triggers.fire_due(session, now=now or utcnow(), limit=limit)


def sweep_runs(now: datetime | None = None) -> dict[str, int] | None:
    """Run ``services.runs.runs.sweep_stale_runs`` once; ``None`` if that service has none."""
    from agent_platform.services.runs import runs

    sweep = getattr(runs, "sweep_stale_runs", None)
    if sweep is None:
        return None
    with session_scope() as session:
        return sweep(session, now=now or utcnow())


class Scheduler:
    """The loop's state: when the sweeper last ran.

    Args:
        sweep_interval_s: defaults to ``runtime.sweeper_interval_s``.
    """

    def __init__(self, *, sweep_interval_s: float | None = None) -> None:
        interval = sweep_interval_s or get_settings().runtime.sweeper_interval_s
        self.sweep_every = timedelta(seconds=interval)
        self.last_sweep: datetime | None = None

    def tick(self, now: datetime | None = None) -> list[triggers.Fired]:
        """One pass: fire due schedules (draining full batches), then sweep if it is time."""
        now = now or utcnow()
        fired: list[triggers.Fired] = []
        while True:
            batch = fire_schedules(now)
            fired += batch
            if len(batch) < BATCH:
                break
        if self.last_sweep is None or now - self.last_sweep >= self.sweep_every:
            self.last_sweep = now
            counts = sweep_runs(now)
            if counts and any(counts.values()):
                log.info("sweeper: %s", counts)
        if fired:
            log.info("fired %d schedule(s)", len(fired))
        return fired

    def run(self, stop: threading.Event, interval_s: float = TICK_INTERVAL_S) -> None:
        """Tick until ``stop`` is set; an error is logged and the loop carries on."""
        while not stop.is_set():
            try:
                self.tick()
            except Exception:  # a database blip must not kill the scheduler
                log.exception("scheduler tick failed")
            stop.wait(interval_s)


def main() -> int:
    """Entry point: loop until SIGTERM or Ctrl-C."""
    logging.basicConfig(level=logging.INFO, format="[scheduler] %(levelname)s %(message)s")
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    log.info("started (tick %.0fs)", TICK_INTERVAL_S)
    Scheduler().run(stop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
