"""Agent lookups: tenant-scoped loads and the org's agent list (read only)."""

from __future__ import annotations

import uuid

from sqlmodel import Session, col, select

from agent_platform.models.agents import Agent, AgentStatus
from agent_platform.services.errors import InvalidInput, NotFound
from agent_platform.services.pagination import Page, paginate
from agent_platform.services.permissions import Permission, Principal


def get_agent(session: Session, *, principal: Principal, agent_id: uuid.UUID) -> Agent:
    """The agent ``agent_id`` of the principal's org. Raises ``NotFound``/``Forbidden``."""
    principal.require(Permission.VIEW_AGENTS)
    return load_agent(session, org_id=principal.org_id, agent_id=agent_id)


def load_agent(
    session: Session, *, org_id: uuid.UUID, agent_id: uuid.UUID, lock: bool = False
) -> Agent:
    """Tenant-scoped load without a permission check (for services and system triggers).

    Raises:
        NotFound: no such agent in ``org_id``.
    """
    statement = select(Agent).where(Agent.id == agent_id, Agent.org_id == org_id)
    agent = session.exec(statement.with_for_update() if lock else statement).first()
    if agent is None:
        raise NotFound("Agent not found.")
    return agent


def list_agents(
    session: Session,
    *,
    principal: Principal,
    search: str | None = None,
    status: str | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> Page[Agent]:
    """The org's agents, newest first; ``search`` matches name/description (case-insensitive)."""
    principal.require(Permission.VIEW_AGENTS)
    statement = select(Agent).where(Agent.org_id == principal.org_id)
    if status:
        if status not in {s.value for s in AgentStatus}:
            raise InvalidInput(f"Unknown agent status '{status}'.", details={"status": status})
        statement = statement.where(Agent.status == status)
    if search:
        escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        statement = statement.where(
            col(Agent.name).ilike(pattern) | col(Agent.description).ilike(pattern)
        )
    return paginate(session, statement, model=Agent, cursor=cursor, limit=limit)
