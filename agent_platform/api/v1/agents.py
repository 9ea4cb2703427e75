"""``/api/v1/agents``: CRUD, publish immutable versions, test-run drafts, execute.

Bodies forbid unknown fields, so server-owned fields (``org_id``, ``status``, ``slug``,
``created_by``, ...) can never be bound from a request.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Header, Query, status
from pydantic import Field
from sqlmodel import Session

from agent_platform.api import deps
from agent_platform.api.v1.schemas import Body, Graph, Out, PageLimit
from agent_platform.api.v1.stream import ExecuteIn, execute_response
from agent_platform.models.runs import RunTrigger
from agent_platform.services.agents import agents
from agent_platform.services.agents import queries as agent_queries
from agent_platform.services.permissions import Principal
from agent_platform.services.runs import runs

router = APIRouter(prefix="/api/v1/agents", tags=["agents"])

GraphOut = dict[str, Any]  # stored drafts predate the shape check: not promised in responses


class AgentIn(Body):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    draft_definition: Graph | None = None


class AgentUpdateIn(Body):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    draft_definition: Graph | None = None


class PublishIn(Body):
    """``definition`` defaults to the stored draft."""

    definition: Graph | None = None
    change_message: str = Field(default="", max_length=1000)


class InputsIn(Body):
    inputs: dict[str, Any] = Field(default_factory=dict)


class AgentOut(Out):
    id: uuid.UUID
    name: str
    slug: str
    description: str
    status: str
    draft_definition: GraphOut
    published_version_id: uuid.UUID | None
    created_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class AgentPageOut(Out):
    items: list[AgentOut]
    next_cursor: str | None


class VersionOut(Out):
    id: uuid.UUID
    agent_id: uuid.UUID
    number: int
    definition: GraphOut
    change_message: str
    created_by: uuid.UUID | None
    created_at: datetime


class ExecutionCreatedOut(Out):
    """The run was queued; poll ``GET /api/v1/executions/{execution_id}``."""

    execution_id: uuid.UUID
    status: str


Auth = Depends(deps.principal)
Db = deps.Db


@router.get("")
def list_agents(
    search: str | None = Query(default=None, max_length=200),
    status_: str | None = Query(default=None, alias="status"),
    cursor: str | None = None,
    limit: PageLimit = None,
    principal: Principal = Auth,
    session: Session = Db,
) -> AgentPageOut:
    """The organization's agents, newest first (cursor pagination)."""
    page = agent_queries.list_agents(
        session, principal=principal, search=search, status=status_, cursor=cursor, limit=limit
    )
    items = [AgentOut.model_validate(a) for a in page.items]
    return AgentPageOut(items=items, next_cursor=page.next_cursor)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_agent(body: AgentIn, principal: Principal = Auth, session: Session = Db) -> AgentOut:
    """Create a draft agent."""
    agent = agents.create_agent(
        session,
        principal=principal,
        name=body.name,
        description=body.description,
        draft_definition=body.draft_definition,
    )
    return AgentOut.model_validate(agent)


@router.get("/{agent_id}")
def get_agent(agent_id: uuid.UUID, principal: Principal = Auth, session: Session = Db) -> AgentOut:
    """One agent with its draft graph."""
    return AgentOut.model_validate(
        agent_queries.get_agent(session, principal=principal, agent_id=agent_id)
    )


@router.put("/{agent_id}")
def update_agent(
    agent_id: uuid.UUID, body: AgentUpdateIn, principal: Principal = Auth, session: Session = Db
) -> AgentOut:
    """Change the name, description or draft graph (published versions are immutable)."""
    agent = agents.update_agent(
        session,
        principal=principal,
        agent_id=agent_id,
        name=body.name,
        description=body.description,
        draft_definition=body.draft_definition,
    )
    return AgentOut.model_validate(agent)


@router.delete("/{agent_id}")
def archive_agent(
    agent_id: uuid.UUID, principal: Principal = Auth, session: Session = Db
) -> AgentOut:
    """Archive the agent: it stops running; its history stays."""
    agent = agents.archive_agent(session, principal=principal, agent_id=agent_id)
    return AgentOut.model_validate(agent)


@router.post("/{agent_id}/publish", status_code=status.HTTP_201_CREATED)
def publish_agent(
    agent_id: uuid.UUID, body: PublishIn, principal: Principal = Auth, session: Session = Db
) -> VersionOut:
    """Validate and publish the graph as the next version; 422 lists every problem."""
    version = agents.publish_agent(
        session,
        principal=principal,
        agent_id=agent_id,
        definition=body.definition,
        change_message=body.change_message,
    )
    return VersionOut.model_validate(version)


@router.get("/{agent_id}/versions")
def list_versions(
    agent_id: uuid.UUID, principal: Principal = Auth, session: Session = Db
) -> list[VersionOut]:
    """Every published version, newest first."""
    rows = agents.list_versions(session, principal=principal, agent_id=agent_id)
    return [VersionOut.model_validate(v) for v in rows]


@router.post("/{agent_id}/test", status_code=status.HTTP_202_ACCEPTED)
def test_agent(
    agent_id: uuid.UUID, body: InputsIn, principal: Principal = Auth, session: Session = Db
) -> ExecutionCreatedOut:
    """Dry-run the stored draft on the workers as a ``test`` execution."""
    run = runs.dry_run_agent(session, principal=principal, agent_id=agent_id, inputs=body.inputs)
    return ExecutionCreatedOut(execution_id=run.id, status=run.status)


@router.post("/{agent_id}/execute", status_code=status.HTTP_202_ACCEPTED)
def execute_agent(
    agent_id: uuid.UUID,
    body: ExecuteIn,
    idempotency_key: str | None = Header(default=None, max_length=255),
    principal: Principal = Auth,
    session: Session = Db,
) -> ExecutionCreatedOut:
    """Run the published version; a repeated ``Idempotency-Key`` returns the same run.

    Answers 202 at once by default; with ``"wait": true`` waits up to ``timeout_s`` (200 with
    the finished execution, else 202 with its state); with ``"stream": true`` streams the run's
    events as SSE, ending with an ``execution`` event (see ``api/v1/stream.py``).
    """
    run = runs.start_run(
        session,
        principal=principal,
        agent_id=agent_id,
        inputs=body.inputs,
        trigger=RunTrigger.API,
        idempotency_key=idempotency_key,
    )
    answer = execute_response(run.id, run.status, body)
    return answer or ExecutionCreatedOut(execution_id=run.id, status=run.status)
