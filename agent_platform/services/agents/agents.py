"""Agents: create, edit the draft graph, publish immutable versions, archive, test-run drafts.

Every function takes the caller's ``Principal`` and loads rows with ``org_id = principal.org_id``:
another organization's agent is indistinguishable from a missing one (``NotFound``).
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from agent_platform.engine.validation import shape_problems, validate_graph
from agent_platform.models.agents import Agent, AgentStatus, AgentVersion
from agent_platform.models.base import utcnow
from agent_platform.services import audit
from agent_platform.services.agents import call_graph, triggers
from agent_platform.services.agents.queries import get_agent, load_agent
from agent_platform.services.errors import Conflict, InvalidInput
from agent_platform.services.permissions import Permission, Principal
from agent_platform.services.template_limits import template_limits

_SLUG_CHARS = re.compile(r"[^a-z0-9]+")


def _unique_slug(session: Session, org_id: uuid.UUID, name: str) -> str:
    base = _SLUG_CHARS.sub("-", name.lower()).strip("-")[:80] or "agent"
    taken = set(
        session.exec(
            select(Agent.slug).where(Agent.org_id == org_id, col(Agent.slug).startswith(base))
        )
    )
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _clean_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise InvalidInput("The agent needs a name.", details={"field": "name"})
    return name


def _check_draft(draft_definition: Any) -> None:
    """Raise ``InvalidInput`` listing the problems when the draft is not graph-shaped."""
    problems = shape_problems(draft_definition)
    if problems:
        raise InvalidInput(
            "The draft is not a graph: it needs lists of nodes and edges.",
            details={"problems": [dataclasses.asdict(p) for p in problems]},
        )


def create_agent(
    session: Session,
    *,
    principal: Principal,
    name: str,
    description: str = "",
    draft_definition: dict[str, Any] | None = None,
) -> Agent:
    """Create a draft agent (``CREATE_AGENT``) with a slug unique in the org.

    Raises:
        InvalidInput: no name, or a ``draft_definition`` that is not graph-shaped.
    """
    principal.require(Permission.CREATE_AGENT)
    name = _clean_name(name)
    if draft_definition is not None:
        _check_draft(draft_definition)
    agent = Agent(
        org_id=principal.org_id,
        name=name,
        slug=_unique_slug(session, principal.org_id, name),
        description=description,
        draft_definition=draft_definition or {"nodes": [], "edges": []},
        created_by=principal.user_id,
    )
    session.add(agent)
    session.flush()
    audit.record(
        session,
        action="agent.created",
        org_id=principal.org_id,
        actor=principal,
        target_type="agent",
        target_id=agent.id,
    )
    return agent


def update_agent(
    session: Session,
    *,
    principal: Principal,
    agent_id: uuid.UUID,
    name: str | None = None,
    description: str | None = None,
    draft_definition: dict[str, Any] | None = None,
) -> Agent:
    """Change the name, description or draft graph (``EDIT_AGENT``); versions are untouched.

    Raises:
        Conflict: the agent is archived.
        InvalidInput: a ``draft_definition`` that is not graph-shaped.
    """
    principal.require(Permission.EDIT_AGENT)
    agent = load_agent(session, org_id=principal.org_id, agent_id=agent_id, lock=True)
    if agent.status == AgentStatus.ARCHIVED:
        raise Conflict("This agent is archived; it cannot be edited.")
    if draft_definition is not None:
        _check_draft(draft_definition)
    if name is not None:
        agent.name = _clean_name(name)
    if description is not None:
        agent.description = description
    if draft_definition is not None:
        agent.draft_definition = draft_definition
    agent.updated_at = utcnow()
    session.add(agent)
    return agent


def archive_agent(session: Session, *, principal: Principal, agent_id: uuid.UUID) -> Agent:
    """Archive the agent (``DELETE_AGENT``): it stops accepting runs; history stays."""
    principal.require(Permission.DELETE_AGENT)
    agent = load_agent(session, org_id=principal.org_id, agent_id=agent_id, lock=True)
    agent.status = AgentStatus.ARCHIVED.value
    agent.updated_at = utcnow()
    session.add(agent)
    triggers.disable_triggers(session, org_id=agent.org_id, agent_id=agent.id)
    audit.record(
        session,
        action="agent.archived",
        org_id=principal.org_id,
        actor=principal,
        target_type="agent",
        target_id=agent.id,
    )
    return agent


def graph_problems(
    session: Session, *, org_id: uuid.UUID, definition: Any, agent_id: uuid.UUID | None = None
) -> list[dict[str, Any]]:
    """Every problem with ``definition`` (engine validation plus sub-agents in this org).

    Also the graph's size against the settings and, with ``agent_id`` (the agent the graph
    belongs to), sub-agent calls leading back to that agent.

    Returns:
        ``[{"node_id", "edge_id", "code", "message", "field"}, ...]``; empty when runnable.
    """
    problems = call_graph.size_problems(definition)
    if problems:  # too large to validate further
        return problems
    limits = template_limits()
    problems = [dataclasses.asdict(p) for p in validate_graph(definition, template_limits=limits)]
    if agent_id is not None:
        problems += call_graph.recursion_problems(
            session, org_id=org_id, agent_id=agent_id, definition=definition
        )
    nodes = definition.get("nodes", []) if isinstance(definition, dict) else []
    for node in nodes if isinstance(nodes, list) else []:
        if not isinstance(node, dict) or node.get("type") != "sub_agent":
            continue
        target = (node.get("data") or {}).get("agent_id")
        if target and not _published_agent_exists(session, org_id, target):
            problems.append(
                {
                    "node_id": node.get("id"),
                    "edge_id": None,
                    "code": "unknown_agent",
                    "message": f"Sub-agent '{target}' is not a published agent of this org.",
                    "field": "agent_id",
                }
            )
    return problems


def _published_agent_exists(session: Session, org_id: uuid.UUID, target: str) -> bool:
    try:
        target_id = uuid.UUID(str(target))
    except ValueError:
        return False
    agent = session.exec(select(Agent).where(Agent.id == target_id, Agent.org_id == org_id)).first()
    return agent is not None and agent.published_version_id is not None


def require_valid(
    session: Session, *, org_id: uuid.UUID, definition: Any, agent_id: uuid.UUID | None = None
) -> None:
    """Raise ``InvalidInput`` with ``details={"problems": [...]}`` listing every problem."""
    problems = graph_problems(session, org_id=org_id, definition=definition, agent_id=agent_id)
    if problems:
        count = len(problems)
        raise InvalidInput(
            f"The graph has {count} problem{'s' if count != 1 else ''}.",
            details={"problems": problems},
        )


def publish_agent(
    session: Session,
    *,
    principal: Principal,
    agent_id: uuid.UUID,
    definition: dict[str, Any] | None = None,
    change_message: str = "",
) -> AgentVersion:
    """Validate and publish ``definition`` (default: the draft) as the next immutable version.

    Returns:
        The new ``AgentVersion`` (numbers count 1, 2, 3, ... per agent); it becomes live.

    Raises:
        InvalidInput: the graph has problems (all of them in ``details["problems"]``).
        Conflict: the agent is archived.
    """
    principal.require(Permission.EDIT_AGENT)
    agent = load_agent(session, org_id=principal.org_id, agent_id=agent_id, lock=True)
    if agent.status == AgentStatus.ARCHIVED:
        raise Conflict("This agent is archived; it cannot be published.")
    graph = agent.draft_definition if definition is None else definition
    require_valid(session, org_id=principal.org_id, definition=graph, agent_id=agent.id)
    latest = session.exec(
        select(func.max(AgentVersion.number)).where(AgentVersion.agent_id == agent.id)
    ).one()
    version = AgentVersion(
        org_id=agent.org_id,
        agent_id=agent.id,
        number=(latest or 0) + 1,
        definition=graph,
        change_message=change_message,
        created_by=principal.user_id,
    )
    session.add(version)
    session.flush()
    # The version's webhook and schedule triggers go live (and removed ones stop) with it.
    triggers.sync_triggers(
        session, org_id=agent.org_id, agent_id=agent.id, version_id=version.id, definition=graph
    )
    agent.draft_definition = graph
    agent.published_version_id = version.id
    agent.status = AgentStatus.PUBLISHED.value
    agent.updated_at = utcnow()
    session.add(agent)
    audit.record(
        session,
        action="agent.published",
        org_id=principal.org_id,
        actor=principal,
        target_type="agent",
        target_id=agent.id,
        details={"version": version.number},
    )
    return version


def list_versions(
    session: Session, *, principal: Principal, agent_id: uuid.UUID
) -> list[AgentVersion]:
    """The agent's versions, newest first."""
    agent = get_agent(session, principal=principal, agent_id=agent_id)
    statement = (
        select(AgentVersion)
        .where(AgentVersion.agent_id == agent.id, AgentVersion.org_id == principal.org_id)
        .order_by(col(AgentVersion.number).desc())
    )
    return list(session.exec(statement))
