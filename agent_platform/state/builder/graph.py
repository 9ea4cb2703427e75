"""Pure edits of the builder's graph document (no Reflex, no database).

A document is ``{"nodes": [...], "edges": [...], "notes": [...]}`` in React Flow's shape. The
engine ignores ``notes`` (sticky notes). Every function here takes untrusted client values,
checks them, and returns a new document or raises ``InvalidInput`` with a sentence to show.
"""

from __future__ import annotations

import copy
import re
from collections import defaultdict, deque
from typing import Any

from agent_platform.engine.registry import get_node_type, registered_types
from agent_platform.services.errors import InvalidInput

NODE_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
MULTI_INPUT = frozenset(t for t, cls in registered_types().items() if cls.multi_input)
MAX_NODES = 500
MAX_NOTE = 2000
GRID = 16


def empty() -> dict[str, Any]:
    """A document with nothing in it."""
    return {"nodes": [], "edges": [], "notes": []}


def normalise(doc: Any) -> dict[str, Any]:
    """``doc`` with the three lists present (dropping anything that is not a list of dicts)."""
    doc = doc if isinstance(doc, dict) else {}
    return {
        key: [item for item in doc.get(key) or [] if isinstance(item, dict)]
        for key in ("nodes", "edges", "notes")
    }


def coord(value: Any) -> float:
    """A canvas coordinate from the client, clamped; ``InvalidInput`` if not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise InvalidInput("That position is not valid.")
    return float(max(-1e6, min(1e6, round(value, 1))))


def ids(value: Any, limit: int = MAX_NODES) -> list[str]:
    """A list of node/edge ids from the client (strings of bounded length)."""
    if not isinstance(value, list) or len(value) > limit:
        raise InvalidInput("That selection is not valid.")
    return [v for v in value if isinstance(v, str) and 0 < len(v) <= 200]


def _taken(doc: dict[str, Any]) -> set[str]:
    return {n["id"] for n in doc["nodes"]} | {n["id"] for n in doc["notes"]}


def new_id(doc: dict[str, Any], prefix: str, taken: set[str] | None = None) -> str:
    """The first free ``<prefix>_<n>`` (e.g. ``llm_2``)."""
    taken = _taken(doc) if taken is None else taken
    n = 1
    while f"{prefix}_{n}" in taken:
        n += 1
    return f"{prefix}_{n}"


def add_node(
    doc: dict[str, Any], node_type: str, x: Any, y: Any, config: dict[str, Any]
) -> tuple[dict[str, Any], str]:
    """Add a node of a registered ``node_type`` at ``(x, y)`` with ``config``."""
    if get_node_type(node_type) is None:
        raise InvalidInput("Unknown node type.")
    if len(doc["nodes"]) >= MAX_NODES:
        raise InvalidInput(f"A graph holds at most {MAX_NODES} nodes.")
    node_id = new_id(doc, node_type)
    node = {
        "id": node_id,
        "type": node_type,
        "position": {"x": coord(x), "y": coord(y)},
        "data": copy.deepcopy(config),
    }
    return {**doc, "nodes": [*doc["nodes"], node]}, node_id


def add_note(doc: dict[str, Any], x: Any, y: Any) -> tuple[dict[str, Any], str]:
    """Add an empty sticky note at ``(x, y)``."""
    note_id = new_id(doc, "note")
    note = {"id": note_id, "position": {"x": coord(x), "y": coord(y)}, "text": ""}
    return {**doc, "notes": [*doc["notes"], note]}, note_id


def edit_note(doc: dict[str, Any], note_id: Any, text: Any) -> dict[str, Any]:
    """Replace a note's text."""
    if not isinstance(text, str) or len(text) > MAX_NOTE:
        raise InvalidInput(f"A note holds at most {MAX_NOTE} characters.")
    notes = [{**n, "text": text} if n["id"] == note_id else n for n in doc["notes"]]
    return {**doc, "notes": notes}


def move(doc: dict[str, Any], moves: Any) -> dict[str, Any]:
    """Apply ``[{"id", "x", "y"}, ...]`` (a drag that stopped) to nodes and notes."""
    if not isinstance(moves, list) or len(moves) > MAX_NODES:
        raise InvalidInput("That move is not valid.")
    where = {
        m["id"]: {"x": coord(m.get("x")), "y": coord(m.get("y"))}
        for m in moves
        if isinstance(m, dict) and isinstance(m.get("id"), str)
    }

    def placed(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**i, "position": where[i["id"]]} if i["id"] in where else i for i in items]

    return {**doc, "nodes": placed(doc["nodes"]), "notes": placed(doc["notes"])}


def delete(doc: dict[str, Any], node_ids: list[str], edge_ids: list[str]) -> dict[str, Any]:
    """Remove nodes (with their edges), notes and edges."""
    gone = set(node_ids)
    drop_edges = set(edge_ids)
    return {
        "nodes": [n for n in doc["nodes"] if n["id"] not in gone],
        "notes": [n for n in doc["notes"] if n["id"] not in gone],
        "edges": [
            e
            for e in doc["edges"]
            if e["id"] not in drop_edges and e["source"] not in gone and e["target"] not in gone
        ],
    }


def _reaches(doc: dict[str, Any], start: str, goal: str) -> bool:
    out = defaultdict(list)
    for edge in doc["edges"]:
        out[edge["source"]].append(edge["target"])
    seen, queue = {start}, deque([start])
    while queue:
        here = queue.popleft()
        if here == goal:
            return True
        for nxt in out[here]:
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return False


def connection_problem(
    doc: dict[str, Any], source: str, handle: str | None, target: str
) -> str | None:
    """Why ``source[handle] -> target`` may not be drawn, or ``None`` if it may."""
    nodes = {n["id"]: n for n in doc["nodes"]}
    if source not in nodes or target not in nodes:
        return "Connect two steps of this graph."
    if source == target:
        return "A step cannot connect to itself."
    target_type = nodes[target]["type"]
    if target_type == "trigger":
        return "A trigger starts the run, so nothing can connect into it."
    for edge in doc["edges"]:
        same_ends = edge["source"] == source and edge["target"] == target
        if same_ends and edge.get("sourceHandle") == handle:
            return "These steps are already connected."
        if edge["target"] == target and target_type not in MULTI_INPUT:
            return "This step already has an input; use a Join step to merge branches."
    if target_type != "loop" and _reaches(doc, target, source):
        return "That connection would make a cycle; use a Loop step to repeat steps."
    return None


def connect(doc: dict[str, Any], source: Any, handle: Any, target: Any) -> dict[str, Any]:
    """Add the edge ``source[handle] -> target`` or raise ``InvalidInput`` saying why not."""
    if not isinstance(source, str) or not isinstance(target, str):
        raise InvalidInput("That connection is not valid.")
    handle = handle if isinstance(handle, str) and handle else None
    problem = connection_problem(doc, source, handle, target)
    if problem:
        raise InvalidInput(problem)
    edge_id = f"e_{source}_{handle or 'out'}_{target}"
    edge = {"id": edge_id, "source": source, "target": target, "sourceHandle": handle}
    return {**doc, "edges": [*doc["edges"], edge]}


def fragment(doc: dict[str, Any], node_ids: list[str]) -> dict[str, Any]:
    """The chosen nodes and notes with the edges between them (what copy puts on the clipboard)."""
    chosen = set(node_ids)
    return {
        "nodes": [n for n in doc["nodes"] if n["id"] in chosen],
        "notes": [n for n in doc["notes"] if n["id"] in chosen],
        "edges": [e for e in doc["edges"] if e["source"] in chosen and e["target"] in chosen],
    }


def paste(
    doc: dict[str, Any], piece: Any, offset: float = 40.0
) -> tuple[dict[str, Any], list[str]]:
    """Add a copied fragment with fresh ids, shifted by ``offset``; returns the new ids."""
    piece = normalise(piece)
    if len(doc["nodes"]) + len(piece["nodes"]) > MAX_NODES:
        raise InvalidInput(f"A graph holds at most {MAX_NODES} nodes.")
    taken, renamed, added = _taken(doc), {}, []
    nodes, notes = list(doc["nodes"]), list(doc["notes"])
    for item in piece["nodes"] + piece["notes"]:
        is_note = item in piece["notes"]
        kind = "note" if is_note else item.get("type")
        if not is_note and (not isinstance(kind, str) or get_node_type(kind) is None):
            continue
        new = new_id(doc, kind, taken)
        taken.add(new)
        renamed[item.get("id")] = new
        pos = item.get("position") if isinstance(item.get("position"), dict) else {}
        where = {"x": coord(pos.get("x", 0)) + offset, "y": coord(pos.get("y", 0)) + offset}
        if is_note:
            text = item.get("text") if isinstance(item.get("text"), str) else ""
            notes.append({"id": new, "position": where, "text": text[:MAX_NOTE]})
        else:
            data = item.get("data") if isinstance(item.get("data"), dict) else {}
            nodes.append({"id": new, "type": kind, "position": where, "data": data})
        added.append(new)
    edges = list(doc["edges"])
    for edge in piece["edges"]:
        source, target = renamed.get(edge.get("source")), renamed.get(edge.get("target"))
        if source and target:
            handle = edge.get("sourceHandle") if isinstance(edge.get("sourceHandle"), str) else None
            edge_id = f"e_{source}_{handle or 'out'}_{target}"
            edges.append(
                {"id": edge_id, "source": source, "target": target, "sourceHandle": handle}
            )
    return {"nodes": nodes, "edges": edges, "notes": notes}, added


def set_config(doc: dict[str, Any], node_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """Replace one node's config."""
    nodes = [{**n, "data": data} if n["id"] == node_id else n for n in doc["nodes"]]
    return {**doc, "nodes": nodes}


def ancestors(doc: dict[str, Any], node_id: str) -> list[str]:
    """Ids of the nodes that run before ``node_id``, nearest first."""
    into = defaultdict(list)
    for edge in doc["edges"]:
        into[edge["target"]].append(edge["source"])
    seen, order, queue = {node_id}, [], deque([node_id])
    while queue:
        for prev in into[queue.popleft()]:
            if prev not in seen:
                seen.add(prev)
                order.append(prev)
                queue.append(prev)
    return order


def auto_layout(doc: dict[str, Any]) -> dict[str, Any]:
    """A layered left-to-right layout: each node one column right of its deepest input."""
    out, indeg = defaultdict(list), defaultdict(int)
    node_ids = [n["id"] for n in doc["nodes"]]
    known = set(node_ids)
    for edge in doc["edges"]:
        if edge["source"] in known and edge["target"] in known:
            out[edge["source"]].append(edge["target"])
            indeg[edge["target"]] += 1
    layer = dict.fromkeys(node_ids, 0)
    queue = deque(i for i in node_ids if indeg[i] == 0)
    remaining = dict(indeg)
    while queue:
        here = queue.popleft()
        for nxt in out[here]:
            layer[nxt] = max(layer[nxt], layer[here] + 1)
            remaining[nxt] -= 1
            if remaining[nxt] == 0:
                queue.append(nxt)
    rows: dict[int, int] = defaultdict(int)
    where = {}
    for node_id in node_ids:
        column = layer[node_id]
        where[node_id] = {"x": float(column * 260), "y": float(rows[column] * 130)}
        rows[column] += 1
    nodes = [{**n, "position": where[n["id"]]} for n in doc["nodes"]]
    return {**doc, "nodes": nodes}


def diff(old: Any, new: Any) -> dict[str, list[str]]:
    """Node ids ``added``, ``removed`` and ``changed`` (config or type) from ``old`` to ``new``."""
    before = {n["id"]: n for n in normalise(old)["nodes"]}
    after = {n["id"]: n for n in normalise(new)["nodes"]}
    changed = [
        i
        for i in after
        if i in before
        and (before[i].get("data"), before[i].get("type"))
        != (after[i].get("data"), after[i].get("type"))
    ]
    return {
        "added": sorted(after.keys() - before.keys()),
        "removed": sorted(before.keys() - after.keys()),
        "changed": sorted(changed),
    }


def scrub(value: Any) -> Any:
    """A copy for export with credential references blanked (a graph never holds secrets)."""
    if isinstance(value, dict):
        return {
            k: (None if k == "credential_id" else scrub(v))
            for k, v in value.items()
            if k not in {"selected", "dragging"}
        }
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


def imported(value: Any) -> dict[str, Any]:
    """A document from imported JSON, ids kept (templates refer to them); bad items dropped."""
    doc = normalise(value)
    nodes, seen = [], set()
    for node in doc["nodes"][:MAX_NODES]:
        node_id, kind = node.get("id"), node.get("type")
        if not isinstance(node_id, str) or not NODE_ID.match(node_id) or node_id in seen:
            continue
        if not isinstance(kind, str) or get_node_type(kind) is None:
            continue
        pos = node.get("position") if isinstance(node.get("position"), dict) else {}
        data = node.get("data") if isinstance(node.get("data"), dict) else {}
        where = {"x": coord(pos.get("x", 0)), "y": coord(pos.get("y", 0))}
        nodes.append({"id": node_id, "type": kind, "position": where, "data": data})
        seen.add(node_id)
    edges = []
    for edge in doc["edges"]:
        source, target = edge.get("source"), edge.get("target")
        if source in seen and target in seen and isinstance(edge.get("id"), str):
            handle = edge.get("sourceHandle") if isinstance(edge.get("sourceHandle"), str) else None
            edges.append(
                {"id": edge["id"][:200], "source": source, "target": target, "sourceHandle": handle}
            )
    notes = [
        {
            "id": n["id"],
            "position": {
                "x": coord((n.get("position") or {}).get("x", 0)),
                "y": coord((n.get("position") or {}).get("y", 0)),
            },
            "text": n.get("text", "")[:MAX_NOTE] if isinstance(n.get("text"), str) else "",
        }
        for n in doc["notes"][:MAX_NODES]
        if isinstance(n.get("id"), str) and NODE_ID.match(n["id"]) and n["id"] not in seen
    ]
    return {"nodes": nodes, "edges": edges, "notes": notes}
