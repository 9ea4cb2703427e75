"""Run actors: execute a run, give up on poison runs, sweep runs whose worker died.

``execute_run`` is idempotent: it reloads the row, returns if the run is finished (or paused
without a decision), and replays completed steps from Postgres, so a redelivered message never
repeats a side effect. Only IDs travel through Redis.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

import dramatiq
from dramatiq.middleware.time_limit import TimeLimitExceeded

import workers.broker  # noqa: F401  (the global broker must exist before actors are declared)
from agent_platform.db import session_scope
from agent_platform.models.runs import IllegalTransition, Run
from agent_platform.services import queue as jobs
from agent_platform.services.approvals import closing
from agent_platform.services.delivery import conversations
from agent_platform.services.errors import DomainError
from agent_platform.services.runs import lifecycle
from agent_platform.services.runtime import execute as engine_services
from agent_platform.settings import get_settings
from workers.periodic import LeasedPeriodic

log = logging.getLogger(__name__)

MAX_RETRIES = 2
"""Retries of a worker-level failure (database blip, bug outside the engine); node failures
are handled by each node's retry policy inside the engine and never reach Dramatiq."""
_SWEEP_LEASE = "agent-platform:runs:sweeper"
_NON_RETRYABLE = (DomainError, IllegalTransition, TimeLimitExceeded)


def _time_limit_ms() -> int:
    # The engine stops a run at run_time_limit_s; this is the backstop for a wedged worker.
    return (get_settings().runtime.run_time_limit_s + 120) * 1000


@dramatiq.actor(
    queue_name=jobs.EXECUTE_RUN.queue,
    actor_name=jobs.EXECUTE_RUN.actor,
    max_retries=MAX_RETRIES,
    min_backoff=1_000,
    max_backoff=30_000,
    time_limit=_time_limit_ms(),
    throws=_NON_RETRYABLE,
    on_retry_exhausted="fail_exhausted_run",
)
def execute_run(run_id: str) -> None:
    """Drive run ``run_id`` until it finishes or pauses for an approval."""
    rid = uuid.UUID(run_id)
    try:
        result = asyncio.run(engine_services.execute(rid))
    except _NON_RETRYABLE as exc:
        with session_scope() as session:
            lifecycle.fail_run(session, run_id=rid, reason=f"The worker could not run this: {exc}")
            conversations.complete_answers(session, run_id=rid)
            closing.close_for_ended_runs(session, run_ids=[rid])
        raise
    except Exception as exc:
        log.exception("run %s failed outside the engine", run_id)
        with session_scope() as session:
            lifecycle.note_worker_error(session, run_id=rid, error=f"{type(exc).__name__}: {exc}")
        raise
    if result == "locked":
        with session_scope() as session:
            lifecycle.requeue_if_waiting(session, run_id=rid)


@dramatiq.actor(queue_name=jobs.EXECUTE_RUN.queue, max_retries=5, time_limit=60_000)
def fail_exhausted_run(message_data: dict[str, Any], retry_info: dict[str, Any]) -> None:
    """Dead-letter handler: the run's message failed every retry; fail it with a reason."""
    run_id = uuid.UUID(message_data["kwargs"]["run_id"])
    with session_scope() as session:
        run = session.get(Run, run_id)
        last = f" Last error: {run.error}" if run is not None and run.error else ""
        reason = f"The worker failed {retry_info.get('retries', '?')} times; gave up.{last}"
        lifecycle.fail_run(session, run_id=run_id, reason=reason)
        conversations.complete_answers(session, run_id=run_id)
        closing.close_for_ended_runs(session, run_ids=[run_id])


@dramatiq.actor(queue_name=jobs.EXECUTE_RUN.queue, max_retries=0, time_limit=120_000)
def sweep_runs() -> None:
    """One sweep: recover runs of dead workers (the only place stale runs are swept)."""
    with session_scope() as session:
        counts = lifecycle.sweep_stale_runs(session)
    with session_scope() as session:  # answers of runs that ended outside a worker
        counts["answers_completed"] = conversations.complete_finished_answers(session)
    if any(counts.values()):
        log.info("sweep: %s", counts)


if workers.broker.broker is not None:
    workers.broker.broker.add_middleware(LeasedPeriodic("run-sweeper", _SWEEP_LEASE, sweep_runs.fn))
