"""What the builder shows, computed from the graph document (pure; no Reflex, no database).

The canvas receives ready-to-render nodes (title, icon, one-line summary, handles, problem
messages) so the browser shim never needs the node registry or the configs. Everything per
type comes from the node classes through the registry; nothing here names a node type.
"""

from __future__ import annotations

from typing import Any, TypedDict

from pydantic import ValidationError

from agent_platform.engine.registry import get_node_type, node_types_schema


class PaletteItem(TypedDict):
    """A node type in the palette."""

    type: str
    label: str
    category: str
    icon: str
    description: str


class CanvasNode(TypedDict):
    """A node as React Flow renders it (``kind`` = ``step`` or ``note``)."""

    id: str
    type: str
    position: dict[str, float]
    data: dict[str, Any]


class CanvasEdge(TypedDict):
    """A connection as React Flow renders it."""

    id: str
    source: str
    target: str
    sourceHandle: str | None  # noqa: N815 - React Flow's spelling


def catalog() -> dict[str, dict[str, Any]]:
    """The node registry's catalogue by type (each entry computed once per class)."""
    return {entry["type"]: entry for entry in node_types_schema()}


def palette() -> list[PaletteItem]:
    """Palette entries, triggers first, grouped by category."""
    order = ["trigger", "ai", "logic", "data", "integration", "human", "output"]
    entries = sorted(
        catalog().values(),
        key=lambda e: (order.index(e["category"]) if e["category"] in order else 99, e["type"]),
    )
    return [
        PaletteItem(
            type=e["type"],
            label=e["display_name"],
            category=e["category"],
            icon=e["icon"],
            description=e["description"],
        )
        for e in entries
    ]


def handles(node_type: str, data: dict[str, Any]) -> list[dict[str, str]]:
    """The node's output handles for its current config (switch cases follow the config)."""
    entry = catalog().get(node_type)
    cls = get_node_type(node_type)
    if entry is None or cls is None:
        return []
    if entry["dynamic_handles"]:
        try:
            return [
                {"id": h.id, "label": h.label} for h in cls.output_handles(cls.parse_config(data))
            ]
        except (ValidationError, ValueError, TypeError):
            pass
    return list(entry["handles"])


def summary(node_type: str, data: dict[str, Any], org: dict[str, Any] | None = None) -> str:
    """One line describing a node's config (the type's ``summary_template``).

    Args:
        org: facts about the organization the line may show (``default_model``: what the
            organization's default model resolves to).
    """
    cls = get_node_type(node_type)
    return cls.summary(data, org) if cls is not None else ""


def canvas_nodes(
    doc: dict[str, Any], problems: dict[str, list[str]], org: dict[str, Any] | None = None
) -> list[CanvasNode]:
    """Nodes and sticky notes ready for React Flow (``org`` as for :func:`summary`)."""
    nodes: list[CanvasNode] = []
    types = catalog()
    for node in doc["nodes"]:
        entry = types.get(node["type"], {})
        data = node.get("data") or {}
        nodes.append(
            CanvasNode(
                id=node["id"],
                type="step",
                position=node.get("position") or {"x": 0, "y": 0},
                data={
                    "title": (data.get("label") or entry.get("display_name") or node["type"]),
                    "kind": node["type"],
                    "icon": entry.get("icon", "box"),
                    "summary": summary(node["type"], data, org),
                    "handles": handles(node["type"], data),
                    "hasInput": entry.get("has_input", True),
                    "multiInput": entry.get("multi_input", False),
                    "repeatsBody": entry.get("repeats_body", False),
                    "problems": problems.get(node["id"], []),
                },
            )
        )
    for note in doc["notes"]:
        nodes.append(
            CanvasNode(
                id=note["id"],
                type="note",
                position=note.get("position") or {"x": 0, "y": 0},
                data={"text": note.get("text", "")},
            )
        )
    return nodes


def canvas_edges(doc: dict[str, Any]) -> list[CanvasEdge]:
    """Edges ready for React Flow."""
    return [
        CanvasEdge(
            id=e["id"], source=e["source"], target=e["target"], sourceHandle=e.get("sourceHandle")
        )
        for e in doc["edges"]
    ]


def node_problems(problems: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Problem messages by node id."""
    by_node: dict[str, list[str]] = {}
    for problem in problems:
        if problem.get("node_id"):
            by_node.setdefault(problem["node_id"], []).append(problem["message"])
    return by_node


def variables(doc: dict[str, Any], upstream: list[str]) -> list[str]:
    """``{{...}}`` references a node may use: run inputs and its upstream nodes' outputs."""
    nodes = {n["id"]: n for n in doc["nodes"]}
    found: list[str] = []
    for node_id in upstream:
        node = nodes.get(node_id)
        if node is None:
            continue
        cls = get_node_type(node["type"])
        paths = cls.variable_paths(node["data"]) if cls is not None else ["output"]
        found += [f"{{{{{node_id}.{path}}}}}" for path in paths]
    found.append("{{inputs.message}}")
    return found
