"""Edits of an agent's draft graph: every change the builder makes goes through here.

A draft is ``{"nodes": [...], "edges": [...], "notes": [...]}`` in React Flow's shape; the
engine ignores ``notes`` (sticky notes). Each function takes untrusted client values, checks
them and returns a new document (its argument is never changed) or raises ``InvalidInput`` with
a sentence to show. Questions about structure (which inputs a step takes, cycles, what runs
before a step, layers) are answered by the engine's graph model (``engine.graph``,
``engine.topology``, ``engine.validation``), so the builder refuses and offers exactly what
validation and the runner would.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from typing import Any

from agent_platform.engine.graph import GraphDocument, GraphEdge
from agent_platform.engine.registry import get_node_type
from agent_platform.engine.topology import Topology, depths
from agent_platform.engine.validation import NODE_ID, input_problem
from agent_platform.services.errors import InvalidInput

Draft = dict[str, Any]

#: Node types whose input takes several edges (the canvas's instant check reads it per node).
MAX_NODES = 500
MAX_NOTE = 2000
COLUMN, ROW = 260.0, 130.0

_INPUT_REFUSALS = {
    "trigger_has_input": "A trigger starts the run, so nothing can connect into it.",
    "multiple_inputs": "This step already has an input; use a Join step to merge branches.",
}
_CYCLE = "That connection would make a cycle; use a Loop step to repeat steps."


def empty() -> Draft:
    """A draft with nothing in it."""
    return {"nodes": [], "edges": [], "notes": []}


def normalise(doc: Any) -> Draft:
    """``doc`` with the three lists present (dropping anything that is not a list of dicts)."""
    doc = doc if isinstance(doc, dict) else {}
    return {
        key: [item for item in doc.get(key) or [] if isinstance(item, dict)]
        for key in ("nodes", "edges", "notes")
    }


def coord(value: Any) -> float:
    """A canvas coordinate from the client, clamped to ±1e6.

    Raises:
        InvalidInput: ``value`` is not a finite number (booleans and NaN included).
    """
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise InvalidInput("That position is not valid.")
    return float(max(-1e6, min(1e6, round(value, 1))))


def ids(value: Any, limit: int = MAX_NODES) -> list[str]:
    """The node/edge ids in a client list (non-strings and over-long ids dropped).

    Raises:
        InvalidInput: ``value`` is not a list, or holds more than ``limit`` items.
    """
    if not isinstance(value, list) or len(value) > limit:
        raise InvalidInput("That selection is not valid.")
    return [v for v in value if isinstance(v, str) and 0 < len(v) <= 200]


def _taken(doc: Draft) -> set[str]:
    return {n["id"] for n in doc["nodes"]} | {n["id"] for n in doc["notes"]}


def new_id(doc: Draft, prefix: str, taken: set[str] | None = None) -> str:
    """The first free ``<prefix>_<n>`` (e.g. ``llm_2``) among ``taken`` (default: ``doc``'s)."""
    taken = _taken(doc) if taken is None else taken
    n = 1
    while f"{prefix}_{n}" in taken:
        n += 1
    return f"{prefix}_{n}"


def _position(value: Any, offset: float = 0.0) -> dict[str, float]:
    pos = value if isinstance(value, dict) else {}
    return {"x": coord(pos.get("x", 0)) + offset, "y": coord(pos.get("y", 0)) + offset}


def _edge(source: str, handle: Any, target: str, edge_id: str | None = None) -> dict[str, Any]:
    handle = handle if isinstance(handle, str) else None
    edge_id = f"e_{source}_{handle or 'out'}_{target}" if edge_id is None else edge_id
    return {"id": edge_id, "source": source, "target": target, "sourceHandle": handle}


def _topology(doc: Draft) -> Topology:
    return Topology.of(GraphDocument.lenient(doc))


def add_node(
    doc: Draft, node_type: str, x: Any, y: Any, config: dict[str, Any]
) -> tuple[Draft, str]:
    """Add a node of a registered ``node_type`` at ``(x, y)`` with (a copy of) ``config``.

    Returns:
        ``(new draft, new node id)``.

    Raises:
        InvalidInput: unknown type, a bad position, or the graph is full.
    """
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


def add_note(doc: Draft, x: Any, y: Any) -> tuple[Draft, str]:
    """Add an empty sticky note at ``(x, y)``; returns ``(new draft, note id)``.

    Raises:
        InvalidInput: a bad position.
    """
    note_id = new_id(doc, "note")
    note = {"id": note_id, "position": {"x": coord(x), "y": coord(y)}, "text": ""}
    return {**doc, "notes": [*doc["notes"], note]}, note_id


def edit_note(doc: Draft, note_id: Any, text: Any) -> Draft:
    """Replace a note's text (an unknown ``note_id`` changes nothing).

    Raises:
        InvalidInput: ``text`` is not a string of at most ``MAX_NOTE`` characters.
    """
    if not isinstance(text, str) or len(text) > MAX_NOTE:
        raise InvalidInput(f"A note holds at most {MAX_NOTE} characters.")
    notes = [{**n, "text": text} if n["id"] == note_id else n for n in doc["notes"]]
    return {**doc, "notes": notes}


def move(doc: Draft, moves: Any) -> Draft:
    """Apply ``[{"id", "x", "y"}, ...]`` (a drag that stopped) to nodes and notes.

    Raises:
        InvalidInput: ``moves`` is not a list of at most ``MAX_NODES``, or a bad position.
    """
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


def delete(doc: Draft, node_ids: list[str], edge_ids: list[str]) -> Draft:
    """Remove nodes (with their edges), notes and edges by id."""
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


def connection_problem(doc: Draft, source: str, handle: str | None, target: str) -> str | None:
    """Why ``source[handle] -> target`` may not be drawn, or ``None`` if it may.

    The input and cycle rules are the engine's (``input_problem``, ``Topology.on_cycle``),
    asked of the draft with the edge added: an edge closing a loop body is no cycle, an edge
    from after a loop back into it is.
    """
    edge = _edge(source, handle, target)
    topo = _topology({**doc, "edges": [*doc["edges"], edge]})
    if source not in topo.nodes or target not in topo.nodes:
        return "Connect two steps of this graph."
    if source == target:
        return "A step cannot connect to itself."
    rule = input_problem(topo, target)
    if rule == "trigger_has_input":
        return _INPUT_REFUSALS[rule]
    for old in doc["edges"]:
        if (old["source"], old["target"], old.get("sourceHandle")) == (source, target, handle):
            return "These steps are already connected."
    if rule is not None:
        return _INPUT_REFUSALS[rule]
    if topo.on_cycle(GraphEdge.model_validate(edge)):
        return _CYCLE
    return None


def connect(doc: Draft, source: Any, handle: Any, target: Any) -> Draft:
    """Add the edge ``source[handle] -> target`` (an empty handle is stored as ``None``).

    Raises:
        InvalidInput: the ids are not strings, or ``connection_problem`` says why not.
    """
    if not isinstance(source, str) or not isinstance(target, str):
        raise InvalidInput("That connection is not valid.")
    handle = handle if isinstance(handle, str) and handle else None
    problem = connection_problem(doc, source, handle, target)
    if problem:
        raise InvalidInput(problem)
    return {**doc, "edges": [*doc["edges"], _edge(source, handle, target)]}


def fragment(doc: Draft, node_ids: list[str]) -> Draft:
    """The chosen nodes and notes with the edges between them (what copy puts on the clipboard)."""
    chosen = set(node_ids)
    return {
        "nodes": [n for n in doc["nodes"] if n["id"] in chosen],
        "notes": [n for n in doc["notes"] if n["id"] in chosen],
        "edges": [e for e in doc["edges"] if e["source"] in chosen and e["target"] in chosen],
    }


def paste(doc: Draft, piece: Any, offset: float = 40.0) -> tuple[Draft, list[str]]:
    """Add a copied fragment with fresh ids, shifted by ``offset``.

    Args:
        doc: the draft.
        piece: untrusted clipboard JSON shaped like a draft; unknown types and junk are skipped.
        offset: pixels right and down.

    Returns:
        ``(new draft, ids of the added nodes and notes)``.

    Raises:
        InvalidInput: the graph would be full, or a bad position.
    """
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
        new = renamed[item.get("id")] = new_id(doc, kind, taken)
        taken.add(new)
        added.append(new)
        where = _position(item.get("position"), offset)
        if is_note:
            text = item.get("text") if isinstance(item.get("text"), str) else ""
            notes.append({"id": new, "position": where, "text": text[:MAX_NOTE]})
        else:
            data = item.get("data") if isinstance(item.get("data"), dict) else {}
            nodes.append({"id": new, "type": kind, "position": where, "data": data})
    edges = list(doc["edges"])
    for edge in piece["edges"]:
        source, target = renamed.get(edge.get("source")), renamed.get(edge.get("target"))
        if source and target:
            edges.append(_edge(source, edge.get("sourceHandle"), target))
    return {"nodes": nodes, "edges": edges, "notes": notes}, added


def set_config(doc: Draft, node_id: str, data: dict[str, Any]) -> Draft:
    """Replace one node's config (``data``)."""
    nodes = [{**n, "data": data} if n["id"] == node_id else n for n in doc["nodes"]]
    return {**doc, "nodes": nodes}


def ancestors(doc: Draft, node_id: str) -> list[str]:
    """Ids of the nodes whose outputs ``node_id`` may use, nearest first.

    The engine's ``Topology.upstream``: nodes of a loop body come before later body nodes but
    not before the loop or what follows its ``done``, as validation of templates requires.
    """
    return _topology(doc).upstream(node_id)


def auto_layout(doc: Draft) -> Draft:
    """A layered left-to-right layout: each node one column right of its deepest input.

    Loop bodies read left to right too (edges closing a body are not followed).
    """
    topo = _topology(doc)
    layer = depths(topo.nodes, topo.forward_edges())
    rows: dict[int, int] = defaultdict(int)
    nodes = []
    for node in doc["nodes"]:
        column = layer.get(node["id"], 0)
        nodes.append({**node, "position": {"x": column * COLUMN, "y": rows[column] * ROW}})
        rows[column] += 1
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


def imported(value: Any) -> Draft:
    """A draft from imported JSON, ids kept (templates refer to them); bad items dropped.

    Raises:
        InvalidInput: a bad position.
    """
    doc = normalise(value)
    nodes, seen = [], set()
    for node in doc["nodes"][:MAX_NODES]:
        node_id, kind = node.get("id"), node.get("type")
        if not isinstance(node_id, str) or not NODE_ID.match(node_id) or node_id in seen:
            continue
        if not isinstance(kind, str) or get_node_type(kind) is None:
            continue
        data = node.get("data") if isinstance(node.get("data"), dict) else {}
        nodes.append(
            {"id": node_id, "type": kind, "position": _position(node.get("position")), "data": data}
        )
        seen.add(node_id)
    edges = [
        _edge(e["source"], e.get("sourceHandle"), e["target"], e["id"][:200])
        for e in doc["edges"]
        if e.get("source") in seen and e.get("target") in seen and isinstance(e.get("id"), str)
    ]
    notes = [
        {
            "id": n["id"],
            "position": _position(n.get("position")),
            "text": n.get("text", "")[:MAX_NOTE] if isinstance(n.get("text"), str) else "",
        }
        for n in doc["notes"][:MAX_NODES]
        if isinstance(n.get("id"), str) and NODE_ID.match(n["id"]) and n["id"] not in seen
    ]
    return {"nodes": nodes, "edges": edges, "notes": notes}
