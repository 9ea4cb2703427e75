"""Runs: start (with idempotency keys), dry-run drafts, list, inspect, cancel, sub-agent runs.

A run is a row first: its message is sent after the row commits (``services.runs.lifecycle``);
workers execute it (``services.runtime.execute``).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from agent_platform.models.agents import Agent, AgentStatus, AgentVersion
from agent_platform.models.base import utcnow
from agent_platform.models.runs import TRIGGERS, Run, RunEvent, RunStatus, RunTrigger, Step
from agent_platform.services.agents import agents, queries
from agent_platform.services.errors import Conflict, InvalidInput, NotFound
from agent_platform.services.pagination import Page, paginate
from agent_platform.services.permissions import Permission, Principal
from agent_platform.services.runs import tree
from agent_platform.services.runs.admission import admit
from agent_platform.services.runs.lifecycle import enqueue_resume, enqueue_run

__all__ = [
    "cancel_run",
    "create_run",
    "get_run",
    "list_events",
    "list_runs",
    "list_steps",
    "pinned_version",
    "start_run",
    "start_run_as_system",
]


def create_run(
    session: Session,
    *,
    agent: Agent,
    version_id: uuid.UUID | None,
    definition: dict[str, Any],
    inputs: dict[str, Any],
    trigger: str,
    created_by: uuid.UUID | None = None,
    idempotency_key: str | None = None,
    parent_run_id: uuid.UUID | None = None,
    parent_step_key: str | None = None,
    enqueue: bool = True,
) -> Run:
    """Insert a pending run and enqueue it after commit (no permission check: callers do it).

    With ``idempotency_key`` an existing run of the same org and agent with that key is
    returned instead, and nothing is enqueued (also under concurrent requests). ``enqueue``
    is false for sub-agent runs, which their parent's worker drives inline.

    Raises:
        InvalidInput: unknown trigger, inputs not an object, or an over-long key.
    """
    if trigger not in TRIGGERS:
        raise InvalidInput(f"Unknown trigger '{trigger}'.", details={"trigger": trigger})
    if not isinstance(inputs, dict):
        raise InvalidInput("Run inputs must be a JSON object.", details={"field": "inputs"})
    if idempotency_key is not None and not 1 <= len(idempotency_key) <= 255:
        raise InvalidInput("Idempotency-Key must be 1 to 255 characters.")
    if idempotency_key and (found := _by_key(session, agent, idempotency_key)):
        return found
    run = Run(
        org_id=agent.org_id, agent_id=agent.id, version_id=version_id, definition=definition,
        inputs=inputs, trigger=trigger, created_by=created_by, idempotency_key=idempotency_key,
        parent_run_id=parent_run_id, parent_step_key=parent_step_key,
    )  # fmt: skip
    try:
        with session.begin_nested():
            session.add(run)
    except IntegrityError:
        found = _by_key(session, agent, idempotency_key) if idempotency_key else None
        if found is None:
            raise
        return found
    if enqueue:
        enqueue_run(session, run.id)
    return run


def _by_key(session: Session, agent: Agent, key: str) -> Run | None:
    return session.exec(
        select(Run).where(
            Run.org_id == agent.org_id, Run.agent_id == agent.id, Run.idempotency_key == key
        )
    ).first()


def pinned_version(session: Session, agent: Agent, version_id: uuid.UUID | None) -> AgentVersion:
    """The version a run of ``agent`` uses: ``version_id`` or the published one.

    Raises:
        Conflict: the agent is archived or has never been published.
        NotFound: no such version of this agent.
    """
    if agent.status == AgentStatus.ARCHIVED:
        raise Conflict("This agent is archived; it cannot run.")
    wanted = version_id or agent.published_version_id
    if wanted is None:
        raise Conflict("This agent has no published version yet; publish it first.")
    version = session.exec(
        select(AgentVersion).where(
            AgentVersion.id == wanted,
            AgentVersion.agent_id == agent.id,
            AgentVersion.org_id == agent.org_id,
        )
    ).first()
    if version is None:
        raise NotFound("Agent version not found.")
    return version


def start_run(
    session: Session,
    *,
    principal: Principal,
    agent_id: uuid.UUID,
    inputs: dict[str, Any],
    trigger: str = "api",
    idempotency_key: str | None = None,
    version_id: uuid.UUID | None = None,
) -> Run:
    """Start a run of the agent's published version (or ``version_id``), pinned to it.

    Returns:
        The pending run, or the existing run for a repeated ``idempotency_key``.

    Raises:
        Forbidden: without ``EXECUTE_AGENT``.
        NotFound: no such agent/version in the principal's org.
        Conflict: the agent is archived or unpublished.
        RateLimited: the organization's concurrent-run or runs-per-minute limit.
    """
    principal.require(Permission.EXECUTE_AGENT)
    agent = queries.load_agent(session, org_id=principal.org_id, agent_id=agent_id)
    return _start_published(
        session, agent, inputs, trigger, idempotency_key, version_id, principal.user_id
    )


def start_run_as_system(
    session: Session,
    *,
    org_id: uuid.UUID,
    agent_id: uuid.UUID,
    inputs: dict[str, Any],
    trigger: str,
    idempotency_key: str | None = None,
) -> Run:
    """Start a published-version run for a verified trigger (webhook, schedule) of ``org_id``.

    The caller has already authenticated the trigger; the agent is still loaded tenant-scoped.
    Raises like :func:`start_run`.
    """
    agent = queries.load_agent(session, org_id=org_id, agent_id=agent_id)
    return _start_published(session, agent, inputs, trigger, idempotency_key, None, None)


def _start_published(
    session: Session,
    agent: Agent,
    inputs: dict[str, Any],
    trigger: str,
    idempotency_key: str | None,
    version_id: uuid.UUID | None,
    created_by: uuid.UUID | None,
) -> Run:
    if idempotency_key and (found := _by_key(session, agent, idempotency_key)):
        return found
    version = pinned_version(session, agent, version_id)
    admit(session, org_id=agent.org_id)
    return create_run(
        session, agent=agent, version_id=version.id, definition=version.definition,
        inputs=inputs, trigger=trigger, created_by=created_by, idempotency_key=idempotency_key,
    )  # fmt: skip


def get_run(session: Session, *, principal: Principal, run_id: uuid.UUID) -> Run:
    """The run ``run_id`` of the principal's org (``VIEW_RUNS``). Raises ``NotFound``."""
    principal.require(Permission.VIEW_RUNS)
    return _load(session, principal.org_id, run_id)


def _load(session: Session, org_id: uuid.UUID, run_id: uuid.UUID) -> Run:
    run = session.exec(select(Run).where(Run.id == run_id, Run.org_id == org_id)).first()
    if run is None:
        raise NotFound("Execution not found.")
    return run


def list_runs(
    session: Session,
    *,
    principal: Principal,
    agent_id: uuid.UUID | None = None,
    status: str | None = None,
    trigger: str | None = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> Page[Run]:
    """The org's runs, newest first, filtered in the database, one page at a time.

    Args:
        agent_id: only this agent's runs.
        status: only runs in this ``RunStatus``.
        trigger: only runs started this way (a ``RunTrigger``).
        created_after: only runs created at or after this instant (timezone-aware).
        created_before: only runs created before this instant (timezone-aware).
        cursor: ``next_cursor`` of the previous page, with the same filters.
        limit: page size, 1..100 (default 20).

    Returns:
        A ``Page[Run]``; ``next_cursor`` is ``None`` on the last page.

    Raises:
        Forbidden: without ``VIEW_RUNS``.
        InvalidInput: unknown status or trigger, a date without a timezone, an empty range,
            or a bad cursor or limit.
    """
    principal.require(Permission.VIEW_RUNS)
    statement = select(Run).where(Run.org_id == principal.org_id)
    if agent_id is not None:
        statement = statement.where(Run.agent_id == agent_id)
    if status:
        if status not in {s.value for s in RunStatus}:
            raise InvalidInput(f"Unknown run status '{status}'.", details={"status": status})
        statement = statement.where(Run.status == status)
    if trigger:
        if trigger not in TRIGGERS:
            raise InvalidInput(f"Unknown trigger '{trigger}'.", details={"trigger": trigger})
        statement = statement.where(Run.trigger == trigger)
    for name, value in (("created_after", created_after), ("created_before", created_before)):
        if value is not None and value.utcoffset() is None:
            raise InvalidInput(f"{name} needs a timezone (e.g. 'Z').", details={"field": name})
    if created_after and created_before and created_after >= created_before:
        raise InvalidInput("created_after must be before created_before.")
    if created_after is not None:
        statement = statement.where(col(Run.created_at) >= created_after)
    if created_before is not None:
        statement = statement.where(col(Run.created_at) < created_before)
    return paginate(session, statement, model=Run, cursor=cursor, limit=limit)


def list_steps(session: Session, *, principal: Principal, run_id: uuid.UUID) -> list[Step]:
    """The run's steps in the order they started."""
    run = get_run(session, principal=principal, run_id=run_id)
    statement = (
        select(Step)
        .where(Step.run_id == run.id, Step.org_id == run.org_id)
        .order_by(col(Step.started_at).asc().nulls_last(), col(Step.step_key))
    )
    return list(session.exec(statement))


def list_events(
    session: Session, *, principal: Principal, run_id: uuid.UUID, after_seq: int = 0
) -> list[RunEvent]:
    """The run's persisted events with ``seq > after_seq``, in order (at most 1000)."""
    run = get_run(session, principal=principal, run_id=run_id)
    statement = (
        select(RunEvent)
        .where(RunEvent.run_id == run.id, RunEvent.org_id == run.org_id, RunEvent.seq > after_seq)
        .order_by(col(RunEvent.seq))
        .limit(1000)
    )
    return list(session.exec(statement))


def cancel_run(session: Session, *, principal: Principal, run_id: uuid.UUID) -> Run:
    """Cancel a run and its sub-agent runs (``EXECUTE_AGENT``).

    Pending and paused runs end at once, running ones between steps. A cancelled sub-agent run
    lets its waiting parent continue (its step fails). Pending approvals are closed by the
    caller (``services.runtime.cancel``), which sees the approvals domain.

    Raises:
        NotFound: no such run in the principal's org.
        Conflict: the run already finished.
    """
    principal.require(Permission.EXECUTE_AGENT)
    run = _load(session, principal.org_id, run_id)
    tree.lock_lineage(session, run.id)  # root first, like decisions: never a deadlock
    if run.is_terminal:
        raise Conflict(f"This execution already {run.status}; it cannot be cancelled.")
    for each in [run, *tree.open_descendants(session, run.id)]:
        each.cancel_requested_at = each.cancel_requested_at or utcnow()
        if each.status in (RunStatus.PENDING, RunStatus.PAUSED):
            each.cancel()
        session.add(each)
    if run.parent_run_id is not None:
        enqueue_resume(session, run.id)
    return run


def child_run(
    session: Session,
    *,
    org_id: uuid.UUID,
    parent_id: uuid.UUID,
    step_key: str,
    agent_id: str,
    inputs: dict[str, Any],
) -> uuid.UUID:
    """The sub-agent run of ``parent_id``'s step ``step_key``, created on first call.

    The child is pinned to the published version of ``agent_id`` in the same org and is not
    enqueued: the parent's worker drives it inline. It inherits the parent's requester (for
    ``requester_cannot_approve``) and a cancel request already made.

    Raises:
        NotFound: the agent is not in ``org_id``.
        Conflict: it is archived or unpublished.
    """
    existing = session.exec(
        select(Run.id).where(Run.parent_run_id == parent_id, Run.parent_step_key == step_key)
    ).first()
    if existing is not None:
        return existing
    try:
        target = uuid.UUID(str(agent_id))
    except ValueError:
        raise NotFound("Agent not found.") from None
    agent = queries.load_agent(session, org_id=org_id, agent_id=target)
    version = pinned_version(session, agent, None)
    parent = _load(session, org_id, parent_id)
    run = create_run(
        session, agent=agent, version_id=version.id, definition=version.definition,
        inputs=inputs, trigger=RunTrigger.SUB_AGENT, created_by=parent.created_by,
        parent_run_id=parent_id, parent_step_key=step_key, enqueue=False,
    )  # fmt: skip
    run.cancel_requested_at = parent.cancel_requested_at
    session.flush()
    return run.id


def dry_run_agent(
    session: Session, *, principal: Principal, agent_id: uuid.UUID, inputs: dict[str, Any]
) -> Any:
    """Dry-run the stored draft graph as a ``test`` run on the workers (``EDIT_AGENT``).

    Only the stored draft runs: clients never submit a graph to execute.

    Returns:
        The pending ``Run`` (its message is sent after commit).

    Raises:
        InvalidInput: the draft has problems (all listed).
    """
    principal.require(Permission.EDIT_AGENT)
    principal.require(Permission.EXECUTE_AGENT)
    agent = queries.load_agent(session, org_id=principal.org_id, agent_id=agent_id)
    agents.require_valid(
        session, org_id=principal.org_id, definition=agent.draft_definition, agent_id=agent.id
    )
    admit(session, org_id=agent.org_id)
    return create_run(
        session,
        agent=agent,
        version_id=None,
        definition=agent.draft_definition,
        inputs=inputs,
        trigger=RunTrigger.TEST,
        created_by=principal.user_id,
    )
