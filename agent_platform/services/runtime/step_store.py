"""``PgStepStore``: the engine's ``StepStore`` on Postgres.

Each write is its own short transaction, run in a thread so the run's event loop keeps
serving parallel branches. A step that committed ``succeeded`` is replayed, never re-run, by
any later worker that picks the run up (redelivery, resume).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session, select

from agent_platform.db import in_session
from agent_platform.engine.protocols import StepRecord
from agent_platform.models.base import utcnow
from agent_platform.models.runs import Run, Step


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
