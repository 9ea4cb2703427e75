"""Periodic maintenance inside every worker process, run by one process at a time.

A thread per worker process rather than a self-rescheduling message: a message chain dies with
the worker holding it, while every live worker keeps a thread, so recovery never depends on the
process that crashed. A Redis lease (``SET NX PX``) lets one process act per interval.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import dramatiq
from dramatiq.middleware import Middleware

from agent_platform.integrations.kv import get_redis
from agent_platform.settings import get_settings

log = logging.getLogger(__name__)


class LeasedPeriodic(Middleware):
    """Calls ``task()`` every ``runtime.sweeper_interval_s`` seconds in one worker process.

    Args:
        name: the thread name and log label, e.g. ``"run-sweeper"``.
        lease_key: the Redis key whose holder runs the task for this interval.
        task: the work; exceptions are logged and the next interval tries again.
    """

    def __init__(self, name: str, lease_key: str, task: Callable[[], None]) -> None:
        self.name, self.lease_key, self.task = name, lease_key, task
        self._stop = threading.Event()

    def after_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        """Start the thread."""
        self._stop = threading.Event()
        thread = threading.Thread(target=self._loop, args=(self._stop,), name=self.name)
        thread.daemon = True
        thread.start()

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        """Stop the thread."""
        self._stop.set()

    def _loop(self, stop: threading.Event) -> None:
        interval_s = get_settings().runtime.sweeper_interval_s
        while not stop.wait(interval_s):
            try:
                if get_redis().set(self.lease_key, "1", nx=True, px=int(interval_s * 900)):
                    self.task()
            except Exception:  # noqa: BLE001 - the next interval tries again
                log.warning("%s failed", self.name, exc_info=True)
