"""The run lifecycle: enqueue, claim, lock, heartbeat, finish, fail, requeue, sweep.

A run is a row first: the ``execute_run`` message carries only its ID and is sent after the row
commits (``enqueue_after_commit``). A worker claims the row, holds a Postgres advisory lock as
its single driver, beats a heartbeat, and finishes it; the sweeper re-queues runs whose
heartbeat stopped. The engine's ports (step store, events, ...) are ``services.runtime``.
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, text, update
from sqlmodel import Session, col, select

from agent_platform.db import get_engine, session_scope
from agent_platform.engine.outcome import RunOutcome
from agent_platform.models.base import utcnow
from agent_platform.models.runs import Run, RunStatus
from agent_platform.services.queue import EXECUTE_RUN, enqueue_after_commit
from agent_platform.services.runs import tree
from agent_platform.settings import get_settings

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
"""Worker pickups (first try plus redeliveries) before a run that never finishes is failed."""


@dataclass(frozen=True)
class Claim:
    """What a worker needs to drive a run it claimed."""

    run_id: uuid.UUID
    org_id: uuid.UUID
    definition: dict[str, Any]
    inputs: dict[str, Any]


class RunLock:
    """A Postgres session advisory lock on one run, held on a dedicated connection.

    Only the holder drives the run. If the worker dies (even SIGKILL) its connection closes
    and Postgres releases the lock, so a redelivered message can take over at once.
    """

    def __init__(self, run_id: uuid.UUID) -> None:
        self.key = int.from_bytes(run_id.bytes[:8], "big", signed=True)
        self._conn: Connection | None = None

    def acquire(self) -> bool:
        """Try to take the lock without waiting; ``True`` when taken."""
        conn = get_engine().connect()
        got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar()
        conn.commit()  # session locks survive commit; do not idle in a transaction
        if got:
            self._conn = conn
        else:
            conn.close()
        return bool(got)

    def release(self) -> None:
        """Release the lock (no-op when not held)."""
        if self._conn is None:
            return
        try:
            self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
            self._conn.commit()
        finally:
            self._conn.close()
            self._conn = None


class Heartbeat:
    """A thread that refreshes ``runs.heartbeat_at`` every ``interval_s`` seconds."""

    def __init__(self, run_id: uuid.UUID, *, interval_s: float) -> None:
        self.run_id = run_id
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"heartbeat-{run_id}", daemon=True)

    def start(self) -> None:
        """Start beating."""
        self._thread.start()

    def stop(self) -> None:
        """Stop beating and wait for the thread."""
        self._stop.set()
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                with session_scope() as session:
                    session.execute(
                        update(Run)
                        .where(col(Run.id) == self.run_id, col(Run.status) == "running")
                        .values(heartbeat_at=utcnow())
                    )
            except Exception:  # noqa: BLE001 - a missed beat only risks a harmless redelivery
                log.warning("heartbeat of run %s failed", self.run_id, exc_info=True)


def has_ready_approval(session: Session, run_id: uuid.UUID) -> bool:
    """Whether a paused run can continue: a decision (or an ended sub-agent run) awaits it.

    See ``tree.can_continue``: approvals decided in the run or in the paused sub-agent runs it
    waits for count, at any depth.
    """
    return tree.can_continue(session, run_id)


def _locked_run(session: Session, run_id: uuid.UUID) -> Run | None:
    return session.exec(select(Run).where(Run.id == run_id).with_for_update()).first()


def claim(session: Session, run_id: uuid.UUID) -> Claim | None:
    """Move the run to ``running`` for this worker, or ``None`` when there is nothing to do.

    Nothing to do: the run is gone or finished, cancelled before it ran, paused without a
    decision yet, or picked up ``MAX_ATTEMPTS`` times already (then it is failed).
    """
    run = _locked_run(session, run_id)
    if run is None or run.is_terminal:
        return None
    if run.cancel_requested_at is not None and run.status != RunStatus.RUNNING:
        run.cancel()
        return None
    if run.status == RunStatus.PAUSED:
        if not has_ready_approval(session, run.id):
            return None
        run.resume()
    else:
        run.start()
        if run.attempts > MAX_ATTEMPTS:
            run.fail(
                f"This execution was picked up {MAX_ATTEMPTS} times without finishing "
                "(its worker kept stopping); it was given up."
            )
            return None
    session.add(run)
    return Claim(run.id, run.org_id, dict(run.definition), dict(run.inputs))


def finish(session: Session, run_id: uuid.UUID, outcome: RunOutcome) -> bool:
    """Write the engine's outcome to the row.

    Returns:
        ``True`` when the run paused but a decision is already there: run it again now.
    """
    run = _locked_run(session, run_id)
    if run is None or run.status != RunStatus.RUNNING:
        return False  # e.g. failed by the sweeper meanwhile: its verdict stands
    run.input_tokens, run.output_tokens = outcome.input_tokens, outcome.output_tokens
    run.cost_usd = outcome.cost_usd
    if outcome.status == "succeeded":
        run.succeed(outcome.output)
    elif outcome.status == "cancelled" or (
        # Asked to stop while it ran: a branch that paused (or failed while stopping) ends
        # the run as cancelled, not waiting forever.
        run.cancel_requested_at is not None and outcome.status in ("paused", "failed")
    ):
        run.error = outcome.error if outcome.status == "failed" else run.error
        run.cancel()
    elif outcome.status == "paused":
        if has_ready_approval(session, run.id):
            return True
        run.pause()
    else:
        run.fail(outcome.error or "The execution failed.")
    session.add(run)
    return False


def result(session: Session, run_id: uuid.UUID) -> tuple[str, Any, str | None]:
    """``(status, output, error)`` of a run."""
    run = session.get(Run, run_id)
    if run is None:
        return "failed", None, "The run disappeared."
    return run.status, run.output, run.error


def enqueue_run(session: Session, run_id: uuid.UUID, *, delay_ms: int | None = None) -> None:
    """Send ``execute_run(run_id)`` once ``session`` commits."""
    enqueue_after_commit(session, EXECUTE_RUN, delay_ms=delay_ms, run_id=str(run_id))


def enqueue_resume(session: Session, run_id: uuid.UUID) -> None:
    """Resume ``run_id`` after commit: its root run's message (parents drive sub-agent runs).

    The root replays its completed steps and re-enters the sub-agent step, which drives the
    child (and so on down) with the child's completed steps replayed too.
    """
    enqueue_run(session, tree.lineage(session, run_id)[0])


def sweep_stale_runs(session: Session, *, now: datetime | None = None) -> dict[str, int]:
    """Recover runs whose worker died. Called periodically by ``workers.runs.sweep_runs``.

    A ``running`` run whose ``heartbeat_at`` is older than ``runtime.heartbeat_timeout_s`` is
    re-enqueued (its completed steps replay, never re-run), or failed once it was picked up
    ``MAX_ATTEMPTS`` times. A ``pending`` run older than the timeout whose message was lost is
    re-enqueued. The caller commits (messages go out after commit).

    Returns:
        Counts: ``{"requeued": n, "failed": n}``.
    """
    now = now or utcnow()
    stale_before = now - timedelta(seconds=get_settings().runtime.heartbeat_timeout_s)
    counts = {"requeued": 0, "failed": 0}
    stale = session.exec(
        select(Run)
        .where(
            ((Run.status == RunStatus.RUNNING) & (col(Run.heartbeat_at) < stale_before))
            | (
                (Run.status == RunStatus.PENDING)
                & (func.coalesce(Run.heartbeat_at, Run.created_at) < stale_before)
            )
        )
        .with_for_update(skip_locked=True)
        .limit(500)
    ).all()
    for run in stale:
        if run.status == RunStatus.RUNNING and run.attempts >= MAX_ATTEMPTS:
            run.fail(
                f"The worker running this execution stopped responding {run.attempts} times; "
                "it was given up."
            )
            counts["failed"] += 1
        else:
            run.heartbeat_at = now  # not swept again before the redelivery picks it up
            enqueue_run(session, run.id)
            counts["requeued"] += 1
        session.add(run)
    return counts


def requeue_if_waiting(session: Session, *, run_id: uuid.UUID, delay_ms: int = 1000) -> bool:
    """Re-send a run's message later if it is pending/paused (its lock was briefly held).

    Returns:
        Whether a message was queued (sent after commit).
    """
    run = session.get(Run, run_id)
    if run is None or run.status not in (RunStatus.PENDING, RunStatus.PAUSED):
        return False
    enqueue_run(session, run.id, delay_ms=delay_ms)
    return True


def note_worker_error(session: Session, *, run_id: uuid.UUID, error: str) -> None:
    """Keep the last worker-level error on an unfinished run (shown if it is given up)."""
    run = session.exec(select(Run).where(Run.id == run_id).with_for_update()).first()
    if run is not None and not run.is_terminal:
        run.error = error[:4000]
        session.add(run)


def fail_run(session: Session, *, run_id: uuid.UUID, reason: str) -> Run | None:
    """Fail an unfinished run with ``reason`` (dead-lettered messages, poison runs)."""
    run = session.exec(select(Run).where(Run.id == run_id).with_for_update()).first()
    if run is None or run.is_terminal:
        return run
    run.fail(reason)
    session.add(run)
    return run
