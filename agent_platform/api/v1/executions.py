"""``/api/v1/executions``: list, inspect (steps, logs), cancel (approvals: ``api.v1.approvals``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime
from sqlmodel import Session

from agent_platform.api import deps
from agent_platform.api.v1.schemas import INT32_MAX, Out
from agent_platform.models.runs import RunStatus, RunTrigger
from agent_platform.services.pagination import DEFAULT_LIMIT, MAX_LIMIT
from agent_platform.services.permissions import Principal
from agent_platform.services.runs import runs
from agent_platform.services.runtime import cancel as cancellation

router = APIRouter(prefix="/api/v1", tags=["executions"])


class ExecutionOut(Out):
    """A run; ``cost_usd`` in US dollars, timestamps in UTC."""

    id: uuid.UUID
    agent_id: uuid.UUID
    version_id: uuid.UUID | None
    status: RunStatus
    trigger: RunTrigger
    inputs: dict[str, Any]
    output: Any
    error: str | None
    parent_run_id: uuid.UUID | None
    input_tokens: int
    output_tokens: int
    cost_usd: float
    attempts: int
    created_by: uuid.UUID | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    cancel_requested_at: datetime | None


class ExecutionPageOut(Out):
    """``next_cursor`` is ``null`` on the last page."""

    items: list[ExecutionOut]
    next_cursor: str | None


class StepOut(Out):
    """A step; ``duration_ms`` of its last attempt in milliseconds."""

    step_key: str
    node_id: str
    node_type: str
    parent_key: str | None
    status: str
    attempt: int
    inputs: Any
    output: Any
    handle: str | None
    error: str | None
    input_tokens: int
    output_tokens: int
    cost_usd: float
    model: str | None
    logs: list[str]
    duration_ms: int | None
    started_at: datetime | None
    finished_at: datetime | None


class EventOut(Out):
    seq: int
    type: str
    step_key: str | None
    node_id: str | None
    data: dict[str, Any]
    created_at: datetime


Auth = Depends(deps.principal)
Db = deps.Db


@router.get("/executions")
def list_executions(
    agent_id: uuid.UUID | None = None,
    status: RunStatus | None = None,
    trigger: RunTrigger | None = None,
    created_after: AwareDatetime | None = Query(
        default=None, description="Only executions created at or after this instant."
    ),
    created_before: AwareDatetime | None = Query(
        default=None, description="Only executions created before this instant."
    ),
    cursor: str | None = Query(default=None, max_length=200),
    limit: int = Query(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    principal: Principal = Auth,
    session: Session = Db,
) -> ExecutionPageOut:
    """One page of the organization's executions, newest first, filtered.

    Pass ``next_cursor`` back as ``?cursor=`` (with the same filters) for the next page.
    """
    page = runs.list_runs(
        session, principal=principal, agent_id=agent_id, status=status, trigger=trigger,
        created_after=created_after, created_before=created_before, cursor=cursor, limit=limit,
    )  # fmt: skip
    items = [ExecutionOut.model_validate(r) for r in page.items]
    return ExecutionPageOut(items=items, next_cursor=page.next_cursor)


@router.get("/executions/{execution_id}")
def get_execution(
    execution_id: uuid.UUID, principal: Principal = Auth, session: Session = Db
) -> ExecutionOut:
    """One execution with its output or error."""
    return ExecutionOut.model_validate(
        runs.get_run(session, principal=principal, run_id=execution_id)
    )


@router.get("/executions/{execution_id}/steps")
def list_steps(
    execution_id: uuid.UUID, principal: Principal = Auth, session: Session = Db
) -> list[StepOut]:
    """The execution's steps in the order they started."""
    rows = runs.list_steps(session, principal=principal, run_id=execution_id)
    return [StepOut.model_validate(s) for s in rows]


@router.get("/executions/{execution_id}/logs")
def list_logs(
    execution_id: uuid.UUID,
    after_seq: int = Query(default=0, ge=0, le=INT32_MAX),
    principal: Principal = Auth,
    session: Session = Db,
) -> list[EventOut]:
    """The persisted events after ``after_seq`` (poll with the last ``seq`` seen)."""
    rows = runs.list_events(session, principal=principal, run_id=execution_id, after_seq=after_seq)
    return [EventOut.model_validate(e) for e in rows]


@router.post("/executions/{execution_id}/cancel")
def cancel_execution(
    execution_id: uuid.UUID, principal: Principal = Auth, session: Session = Db
) -> ExecutionOut:
    """Cancel: pending/paused executions at once, running ones between steps.

    Sub-agent executions are cancelled with it; the approvals they waited for are closed.
    """
    run = cancellation.cancel_run(session, principal=principal, run_id=execution_id)
    return ExecutionOut.model_validate(run)
