"""Graph structure shared by validation and the runner: adjacency, loop bodies, scopes.

A *loop body* is every node reachable from a loop's ``body`` handle without passing through
the loop itself; edges from the body back into the loop *close* it. A node's *scope* is the
innermost loop whose body holds it (``None``: the top level). Within a scope, the edges
between its nodes must form a DAG.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from agent_platform.engine.graph import GraphDocument, GraphEdge, GraphNode

BODY_HANDLE = "body"


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

    def handle_of(self, edge: GraphEdge) -> str | None:
        """The edge's effective source handle (``None`` resolves to a lone handle)."""
        if edge.sourceHandle is not None:
            return edge.sourceHandle
        declared = self.handles.get(edge.source, [])
        return declared[0] if len(declared) == 1 else None

    def _body(self, loop_id: str) -> set[str]:
        starts = [e.target for e in self.out_edges[loop_id] if self.handle_of(e) == BODY_HANDLE]
        seen: set[str] = set()
        stack = [s for s in starts if s != loop_id]
        while stack:
            node_id = stack.pop()
            if node_id in seen or node_id == loop_id:
                continue
            seen.add(node_id)
            stack.extend(e.target for e in self.out_edges[node_id])
        return seen

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

    def ancestors(self, node_id: str) -> set[str]:
        """Nodes with a forward path to ``node_id`` (closing edges excluded)."""
        parents: dict[str, list[str]] = defaultdict(list)
        for edge in self.forward_edges():
            parents[edge.target].append(edge.source)
        return _reach(parents, [node_id]) - {node_id}

    def reachable_from(self, starts: Iterable[str]) -> set[str]:
        """Nodes reachable from ``starts`` along any edge (including the starts)."""
        children: dict[str, list[str]] = defaultdict(list)
        for edge in self.edges:
            children[edge.source].append(edge.target)
        return _reach(children, list(starts))


def _reach(adjacency: dict[str, list[str]], starts: list[str]) -> set[str]:
    seen: set[str] = set()
    stack = list(starts)
    while stack:
        node_id = stack.pop()
        if node_id not in seen:
            seen.add(node_id)
            stack.extend(adjacency.get(node_id, ()))
    return seen


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
