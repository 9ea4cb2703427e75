"""Graph structure shared by validation and the runner: adjacency, loop bodies, scopes.

A *loop body* is every node reachable from a loop's ``body`` handle without passing through
the loop itself; edges from the body back into the loop *close* it. A node's *scope* is the
innermost loop whose body holds it (``None``: the top level). Within a scope, the edges
between its nodes must form a DAG.

This is the one implementation of graph traversal: validation, the runner and the builder's
draft edits (``services.agents.draft``) all ask it, so they agree on what runs before what.
"""

from __future__ import annotations

import functools
from collections import defaultdict, deque
from collections.abc import Iterable, Mapping

from agent_platform.engine.graph import GraphDocument, GraphEdge, GraphNode
from agent_platform.engine.nodes.base import NodeConfig
from agent_platform.engine.registry import get_node_type

BODY_HANDLE = "body"


def declared_handles(
    graph: GraphDocument, configs: Mapping[str, NodeConfig] | None = None
) -> dict[str, list[str]]:
    """Each node's output handle ids for its config (``switch`` cases follow the config).

    Args:
        graph: the graph.
        configs: parsed configs by node id; ``None`` parses each node's ``data`` here.

    Returns:
        ``{node_id: [handle_id, ...]}`` without the nodes of an unknown type or whose config
        does not parse (an edge leaving them without a ``sourceHandle`` resolves to ``None``).
    """
    handles = {}
    for node in graph.nodes:
        cls = get_node_type(node.type)
        if cls is None:
            continue
        if configs is not None:
            config = configs.get(node.id)
        else:
            try:
                config = cls.parse_config(node.data)
            except (ValueError, TypeError):  # pydantic's ValidationError is a ValueError
                config = None
        if config is not None:
            handles[node.id] = [h.id for h in cls.output_handles(config)]
    return handles


class Topology:
    """Indexes of a graph whose node ids are unique and edges point at existing nodes.

    Args:
        doc: the graph; edges to unknown nodes are ignored here (validation reports them).
        handles: each node's output handle ids, used to resolve ``sourceHandle = None``.
    """

    def __init__(self, doc: GraphDocument, handles: dict[str, list[str]]) -> None:
        self.nodes: dict[str, GraphNode] = {n.id: n for n in doc.nodes}
        self.order = {node_id: i for i, node_id in enumerate(self.nodes)}
        self.handles = handles
        self.edges = [e for e in doc.edges if e.source in self.nodes and e.target in self.nodes]
        self.out_edges: dict[str, list[GraphEdge]] = defaultdict(list)
        self.in_edges: dict[str, list[GraphEdge]] = defaultdict(list)
        for edge in self.edges:
            self.out_edges[edge.source].append(edge)
            self.in_edges[edge.target].append(edge)
        self.loop_bodies = {
            node_id: self._body(node_id) for node_id, n in self.nodes.items() if n.type == "loop"
        }
        self.scope = {node_id: self._innermost_loop(node_id) for node_id in self.nodes}

    @classmethod
    def of(cls, graph: GraphDocument) -> Topology:
        """The topology of ``graph`` with handles from its configs (see ``declared_handles``)."""
        return cls(graph, declared_handles(graph))

    def handle_of(self, edge: GraphEdge) -> str | None:
        """The edge's effective source handle (``None`` resolves to a lone handle)."""
        if edge.sourceHandle is not None:
            return edge.sourceHandle
        declared = self.handles.get(edge.source, [])
        return declared[0] if len(declared) == 1 else None

    def _body(self, loop_id: str) -> set[str]:
        starts = [e.target for e in self.out_edges[loop_id] if self.handle_of(e) == BODY_HANDLE]
        children = {
            node_id: [e.target for e in edges]
            for node_id, edges in self.out_edges.items()
            if node_id != loop_id
        }
        return set(_reach(children, [s for s in starts if s != loop_id])) - {loop_id}

    def _innermost_loop(self, node_id: str) -> str | None:
        owners = [loop for loop, body in self.loop_bodies.items() if node_id in body]
        return min(owners, key=lambda loop: len(self.loop_bodies[loop]), default=None)

    def is_closing(self, edge: GraphEdge) -> bool:
        """Whether ``edge`` goes from a loop's body back into that loop."""
        return edge.target in self.loop_bodies and edge.source in self.loop_bodies[edge.target]

    def scope_nodes(self, scope: str | None) -> list[str]:
        """Nodes whose innermost loop is ``scope``, in document order."""
        return [node_id for node_id in self.nodes if self.scope[node_id] == scope]

    def scope_edges(self, scope: str | None) -> list[GraphEdge]:
        """Edges between two nodes of ``scope`` (body entries and closing edges excluded)."""
        return [
            e for e in self.edges if self.scope[e.source] == scope and self.scope[e.target] == scope
        ]

    def forward_edges(self) -> list[GraphEdge]:
        """All edges except the ones closing loop bodies: the graph that must be acyclic."""
        return [e for e in self.edges if not self.is_closing(e)]

    def upstream(self, node_id: str) -> list[str]:
        """Nodes with a forward path to ``node_id`` (closing edges excluded), nearest first.

        These are the nodes whose outputs ``node_id`` may use: a loop body's nodes are
        upstream of later body nodes but not of the loop itself or of what follows ``done``.
        """
        return [n for n in _reach(self._forward_parents, [node_id]) if n != node_id]

    @functools.cached_property
    def _forward_parents(self) -> dict[str, list[str]]:
        parents: dict[str, list[str]] = defaultdict(list)
        for edge in self.forward_edges():
            parents[edge.target].append(edge.source)
        return parents

    def ancestors(self, node_id: str) -> set[str]:
        """The set of ``upstream(node_id)``."""
        return set(self.upstream(node_id))

    def reachable_from(self, starts: Iterable[str]) -> set[str]:
        """Nodes reachable from ``starts`` along any edge (including the starts)."""
        children: dict[str, list[str]] = defaultdict(list)
        for edge in self.edges:
            children[edge.source].append(edge.target)
        return set(_reach(children, list(starts)))

    def on_cycle(self, edge: GraphEdge) -> bool:
        """Whether ``edge`` (one of this graph's) lies on a cycle ``find_cycles`` reports.

        An edge closing a loop body never does; any other edge does when its target has a
        forward path back to its source.
        """
        if self.is_closing(edge):
            return False
        return edge.source == edge.target or edge.target in self.ancestors(edge.source)


def _reach(adjacency: Mapping[str, list[str]], starts: list[str]) -> list[str]:
    """Breadth-first: ``starts``, then their neighbours, and so on (each node once)."""
    seen = dict.fromkeys(starts)
    queue = deque(seen)
    while queue:
        for nxt in adjacency.get(queue.popleft(), ()):
            if nxt not in seen:
                seen[nxt] = None
                queue.append(nxt)
    return list(seen)


def depths(node_ids: Iterable[str], edges: Iterable[GraphEdge]) -> dict[str, int]:
    """Each node's layer: 0 without inputs, else one more than its deepest input.

    Args:
        node_ids: the nodes to place.
        edges: the edges to follow (those with an end outside ``node_ids`` are ignored);
            pass ``forward_edges()`` so loop bodies read left to right.

    Returns:
        ``{node_id: depth}``; nodes on a cycle keep the depth reached before it.
    """
    depth = dict.fromkeys(node_ids, 0)
    waiting = dict.fromkeys(depth, 0)
    children: dict[str, list[str]] = defaultdict(list)
    for edge in edges:
        if edge.source in depth and edge.target in depth:
            children[edge.source].append(edge.target)
            waiting[edge.target] += 1
    queue = deque(n for n in depth if waiting[n] == 0)
    while queue:
        here = queue.popleft()
        for child in children[here]:
            depth[child] = max(depth[child], depth[here] + 1)
            waiting[child] -= 1
            if waiting[child] == 0:
                queue.append(child)
    return depth


def find_cycles(node_ids: Iterable[str], edges: Iterable[GraphEdge]) -> list[list[str]]:
    """Strongly connected groups of more than one node, or with a self-edge (Tarjan)."""
    adjacency: dict[str, list[str]] = defaultdict(list)
    self_loops = set()
    for edge in edges:
        adjacency[edge.source].append(edge.target)
        if edge.source == edge.target:
            self_loops.add(edge.source)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node_id: str) -> None:
        index[node_id] = low[node_id] = len(index)
        stack.append(node_id)
        on_stack.add(node_id)
        for child in adjacency[node_id]:
            if child not in index:
                visit(child)
                low[node_id] = min(low[node_id], low[child])
            elif child in on_stack:
                low[node_id] = min(low[node_id], index[child])
        if low[node_id] == index[node_id]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node_id:
                    break
            if len(group) > 1 or node_id in self_loops:
                groups.append(sorted(group))

    for node_id in node_ids:
        if node_id not in index:
            visit(node_id)
    return groups
