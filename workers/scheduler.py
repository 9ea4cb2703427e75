"""The scheduler process: ``python -m workers.scheduler``.

Every few seconds it fires due schedule triggers (stale runs are swept by the workers'
leased sweeper, ``workers.runs.sweep_runs``). Several scheduler processes (on several machines)
may run at once: due triggers are claimed with ``FOR UPDATE SKIP LOCKED`` and runs carry an
idempotency key per occurrence, so nothing fires twice. One pass is one function call with an
injected ``now``.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from datetime import datetime

import workers.broker  # noqa: F401  (runs are enqueued on the global broker after commit)
from agent_platform.db import session_scope
from agent_platform.models.base import utcnow
from agent_platform.services.runs import firing

log = logging.getLogger("workers.scheduler")

TICK_INTERVAL_S = 2.0
BATCH = 50


def fire_schedules(now: datetime | None = None, *, limit: int = BATCH) -> list[firing.Fired]:
    """Fire every schedule due at ``now`` (up to ``limit``) in one transaction."""
    with session_scope() as session:
        return firing.fire_due(session, now=now or utcnow(), limit=limit)


class Scheduler:
    """The schedule loop."""

    def tick(self, now: datetime | None = None) -> list[firing.Fired]:
        """One pass: fire due schedules, draining full batches."""
        now = now or utcnow()
        fired: list[firing.Fired] = []
        while True:
            batch = fire_schedules(now)
            fired += batch
            if len(batch) < BATCH:
                break
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
