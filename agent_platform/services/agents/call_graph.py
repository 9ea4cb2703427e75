"""Publish-time checks on what a graph may cost: its size and sub-agent recursion.

An agent that calls itself (A -> A) or through others (A -> B -> A) would fan out until a
depth limit stops it; publishing such a graph is refused with a ``sub_agent_recursion``
problem instead. Calls are followed through the *published* versions of the other agents of
the same organization: ``sub_agent`` nodes and ``agent`` nodes' sub-agent tools.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import Session, select

from agent_platform.models.agents import Agent, AgentVersion
from agent_platform.settings import get_settings


def _problem(code: str, message: str, node_id: str | None = None) -> dict[str, Any]:
    return {"node_id": node_id, "edge_id": None, "code": code, "message": message, "field": None}


def calls(definition: Any) -> list[tuple[str, str]]:
    """``(node_id, agent_id)`` for every sub-agent the graph can call."""
    nodes = definition.get("nodes", []) if isinstance(definition, dict) else []
    found = []
    for node in nodes if isinstance(nodes, list) else []:
        if not isinstance(node, dict):
            continue
        data = node.get("data") if isinstance(node.get("data"), dict) else {}
        if node.get("type") == "sub_agent" and data.get("agent_id"):
            found.append((str(node.get("id")), str(data["agent_id"])))
        if node.get("type") == "agent":
            for tool in data.get("sub_agent_tools") or []:
                if isinstance(tool, dict) and tool.get("agent_id"):
                    found.append((str(node.get("id")), str(tool["agent_id"])))
    return found


def size_problems(definition: Any) -> list[dict[str, Any]]:
    """A problem when the graph has more nodes or edges than the settings allow."""
    if not isinstance(definition, dict):
        return []
    limits = get_settings().limits
    problems = []
    for key, limit in (("nodes", limits.max_graph_nodes), ("edges", limits.max_graph_edges)):
        items = definition.get(key)
        if isinstance(items, list) and len(items) > limit:
            problems.append(
                _problem(
                    "graph_too_large",
                    f"The graph has {len(items)} {key}, more than the limit of {limit} {key}.",
                )
            )
    return problems


def _published_definition(session: Session, org_id: uuid.UUID, agent_id: str) -> Any:
    try:
        target = uuid.UUID(agent_id)
    except ValueError:
        return None
    row = session.exec(
        select(AgentVersion.definition)
        .join(Agent, Agent.published_version_id == AgentVersion.id)  # type: ignore[arg-type]
        .where(Agent.id == target, Agent.org_id == org_id, AgentVersion.org_id == org_id)
    ).first()
    return row


def recursion_problems(
    session: Session, *, org_id: uuid.UUID, agent_id: uuid.UUID, definition: Any
) -> list[dict[str, Any]]:
    """A problem per sub-agent call of ``definition`` that leads back to ``agent_id``."""
    me = str(agent_id)
    problems = []
    for node_id, start in calls(definition):
        path = _path_back(session, org_id, start, me)
        if path is not None:
            chain = " -> ".join(["this agent", *path])
            problems.append(
                _problem(
                    "sub_agent_recursion",
                    f"This sub-agent call leads back to this agent ({chain}); sub-agents "
                    "may not call themselves, directly or through others.",
                    node_id,
                )
            )
    return problems


def _path_back(session: Session, org_id: uuid.UUID, start: str, me: str) -> list[str] | None:
    """The chain of agent ids from ``start`` back to ``me``, or ``None`` if there is none."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        current, path = stack.pop()
        if current == me:
            return [*path[:-1], "this agent"]
        if current in seen or len(seen) > 500:
            continue
        seen.add(current)
        for _node, callee in calls(_published_definition(session, org_id, current)):
            stack.append((callee, [*path, callee]))
    return None
