"""``PgStepStore`` (the engine's ``StepStore`` on Postgres) and the run lifecycle on workers.

Each write is its own short transaction, run in a thread so the run's event loop keeps
serving parallel branches. A step that committed ``succeeded`` is replayed, never re-run, by
any later worker that picks the run up (redelivery, resume).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session, col, select

from agent_platform.db import get_engine, session_scope
from agent_platform.engine.protocols import StepRecord
from agent_platform.engine.runner import RunOutcome
from agent_platform.models.base import utcnow
from agent_platform.models.runs import Approval, ApprovalStatus, Run, RunStatus, Step

log = logging.getLogger(__name__)

T = TypeVar("T")


async def in_session(fn: Callable[[Session], T]) -> T:
    """Run ``fn(session)`` in a worker thread inside its own committed transaction."""

    def call() -> T:
        with session_scope() as session:
            return fn(session)

    return await asyncio.to_thread(call)


class PgStepStore:
    """Steps of one run, keyed ``(run_id, step_key)``.

    Args:
        run_id: the run whose steps these are.
        org_id: its organization (stamped on every row; every read is scoped by it too).
    """

    def __init__(self, run_id: uuid.UUID, org_id: uuid.UUID) -> None:
        self.run_id = run_id
        self.org_id = org_id

    def _upsert(self, session: Session, step_key: str, values: dict[str, Any]) -> None:
        row = {"id": uuid.uuid4(), "org_id": self.org_id, "run_id": self.run_id}
        defaults = {"logs": [], "node_type": "", "cost_usd": 0.0, "attempt": 1}
        row |= {"step_key": step_key, **defaults, "input_tokens": 0, "output_tokens": 0, **values}
        update = {k: v for k, v in values.items() if k not in ("node_type",) or v}
        statement = insert(Step).values(**row)
        statement = statement.on_conflict_do_update(
            index_elements=["run_id", "step_key"], set_=update
        )
        session.execute(statement)

    async def completed(self, step_key: str) -> StepRecord | None:
        """The succeeded step ``step_key`` of this run, or ``None``."""

        def read(session: Session) -> StepRecord | None:
            step = session.exec(
                select(Step).where(
                    Step.run_id == self.run_id,
                    Step.org_id == self.org_id,
                    Step.step_key == step_key,
                    Step.status == "succeeded",
                )
            ).first()
            return None if step is None else _record(step)

        return await in_session(read)

    async def step_started(
        self, *, step_key: str, node_id: str, node_type: str, attempt: int, inputs: dict[str, Any]
    ) -> None:
        """Record (or restart) the step as ``running``."""
        values = {
            "node_id": node_id, "node_type": node_type, "status": "running", "attempt": attempt,
            "inputs": inputs, "error": None, "started_at": utcnow(), "finished_at": None,
        }  # fmt: skip
        await in_session(lambda s: self._upsert(s, step_key, values))

    async def step_succeeded(self, record: StepRecord, *, duration_ms: int, attempt: int) -> None:
        """Commit the step's result: from now on it is replayed, never re-run."""
        values = {
            "node_id": record.node_id, "node_type": record.node_type, "status": "succeeded",
            "attempt": attempt, "output": record.output, "handle": record.handle,
            "input_tokens": record.input_tokens, "output_tokens": record.output_tokens,
            "cost_usd": record.cost_usd, "model": record.model, "logs": list(record.logs),
            "parent_key": record.parent_key, "duration_ms": duration_ms, "error": None,
            "finished_at": utcnow(),
        }  # fmt: skip
        await in_session(lambda s: self._upsert(s, record.step_key, values))

    async def step_failed(
        self,
        *,
        step_key: str,
        node_id: str,
        error: str,
        transient: bool,
        duration_ms: int,
        attempt: int,
    ) -> None:
        """Record the failed attempt (a transient one may be retried by the node's policy)."""
        values = {
            "node_id": node_id, "status": "failed", "attempt": attempt, "error": error[:4000],
            "duration_ms": duration_ms, "finished_at": utcnow(),
        }  # fmt: skip
        await in_session(lambda s: self._upsert(s, step_key, values))

    async def step_skipped(self, *, step_key: str, node_id: str) -> None:
        """Record a step on a branch not taken."""
        values = {"node_id": node_id, "status": "skipped", "finished_at": utcnow()}
        await in_session(lambda s: self._upsert(s, step_key, values))

    async def step_paused(self, *, step_key: str, node_id: str, payload: Any) -> None:
        """Record a step waiting for a decision; ``payload`` is the approval request."""
        values = {"node_id": node_id, "status": "paused", "output": payload}
        await in_session(lambda s: self._upsert(s, step_key, values))

    async def is_cancelled(self) -> bool:
        """Whether someone asked to cancel the run."""

        def read(session: Session) -> bool:
            requested = session.exec(
                select(Run.cancel_requested_at).where(
                    Run.id == self.run_id, Run.org_id == self.org_id
                )
            ).first()
            return requested is not None

        return await in_session(read)


def _record(step: Step) -> StepRecord:
    return StepRecord(
        step_key=step.step_key,
        node_id=step.node_id,
        node_type=step.node_type,
        output=step.output,
        handle=step.handle,
        input_tokens=step.input_tokens,
        output_tokens=step.output_tokens,
        cost_usd=float(step.cost_usd or 0),
        model=step.model,
        logs=tuple(step.logs or ()),
        parent_key=step.parent_key,
    )


# ------------------------------------------------------------------------- run lifecycle

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
    """Whether a decided approval's step still waits (the run can continue)."""
    waiting = select(Step.step_key).where(Step.run_id == run_id, Step.status == "paused")
    decided = select(Approval.id).where(
        Approval.run_id == run_id,
        Approval.status != ApprovalStatus.PENDING,
        col(Approval.step_key).in_(waiting),
    )
    return session.exec(decided.limit(1)).first() is not None


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
    elif outcome.status == "cancelled":
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
