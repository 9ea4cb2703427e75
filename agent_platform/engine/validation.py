"""Graph validation: every problem at once, in words a builder understands.

``validate_graph`` never raises on bad input; it returns a list of :class:`Problem` (empty when
the graph can run). The canvas highlights ``node_id``/``edge_id`` and shows ``message``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from agent_platform.engine.graph import GraphDocument
from agent_platform.engine.nodes.base import NodeConfig
from agent_platform.engine.registry import get_node_type
from agent_platform.engine.template_limits import DEFAULT_LIMITS, TemplateLimits
from agent_platform.engine.topology import Topology, declared_handles, find_cycles
from agent_platform.engine.validation_refs import RUN_INPUTS, template_problems

#: What a node id may look like (``inputs`` is also reserved, for the run's inputs).
NODE_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a graph.

    Attributes:
        code: stable machine name, e.g. ``unknown_node_type``, ``invalid_config``, ``cycle``.
        message: a sentence for the builder.
        field: for config problems, the dotted path inside the node's config.
    """

    node_id: str | None
    edge_id: str | None
    code: str
    message: str
    field: str | None = None


class InvalidGraphError(ValueError):
    """Raised when running a graph that has problems; ``problems`` lists them."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems[:5]))
        self.problems = problems


def _loc(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc)


def _parse_document(doc: Any) -> tuple[GraphDocument | None, list[Problem]]:
    if not isinstance(doc, dict):
        return None, [Problem(None, None, "malformed_document", "The graph must be an object.")]
    try:
        return GraphDocument.model_validate(doc), []
    except ValidationError as exc:
        return None, [
            Problem(None, None, "malformed_document", f"{_loc(e['loc'])}: {e['msg']}")
            for e in exc.errors()
        ]


def shape_problems(doc: Any) -> list[Problem]:
    """What keeps ``doc`` from being a graph document at all (code ``malformed_document``).

    A draft may be unfinished (not runnable) but must always have this shape: an object whose
    ``nodes`` and ``edges`` are lists of nodes and edges (``GraphDocument``). Empty if it has.
    """
    return _parse_document(doc)[1]


def _identity_problems(graph: GraphDocument) -> list[Problem]:
    problems, seen_nodes, seen_edges = [], set(), set()
    for node in graph.nodes:
        if node.id in seen_nodes:
            problems.append(
                Problem(node.id, None, "duplicate_node_id", f"Two nodes are called '{node.id}'.")
            )  # noqa: E501
        elif not NODE_ID.match(node.id) or node.id == RUN_INPUTS:
            msg = (
                f"Node id '{node.id}' must start with a letter, use only letters, digits and _,"
                f" and not be '{RUN_INPUTS}'."
            )
            problems.append(Problem(node.id, None, "invalid_node_id", msg))
        seen_nodes.add(node.id)
    for edge in graph.edges:
        if edge.id in seen_edges:
            problems.append(
                Problem(
                    None, edge.id, "duplicate_edge_id", f"Two connections are called '{edge.id}'."
                )
            )  # noqa: E501
        seen_edges.add(edge.id)
    return problems


def _config_problems(graph: GraphDocument) -> tuple[dict[str, NodeConfig], list[Problem]]:
    configs: dict[str, NodeConfig] = {}
    problems = []
    for node in graph.nodes:
        cls = get_node_type(node.type)
        if cls is None:
            msg = f"'{node.id}' has an unknown node type '{node.type}'."
            problems.append(Problem(node.id, None, "unknown_node_type", msg))
            continue
        try:
            configs[node.id] = cls.parse_config(node.data)
        except ValidationError as exc:
            for err in exc.errors():
                path = _loc(err["loc"])
                where = f" (field '{path}')" if path else ""
                msg = f"{cls.display_name} '{node.id}'{where}: {err['msg']}."
                problems.append(Problem(node.id, None, "invalid_config", msg, field=path or None))
    return configs, problems


def _edge_problems(graph: GraphDocument, topo: Topology) -> list[Problem]:
    problems = []
    for edge in graph.edges:
        missing = [end for end in (edge.source, edge.target) if end not in topo.nodes]
        if missing:
            msg = f"A connection points at '{missing[0]}', which does not exist."
            problems.append(Problem(None, edge.id, "dangling_edge", msg))
            continue
        declared = topo.handles.get(edge.source)
        if declared is None:
            continue  # the source's own problem is reported already
        handle = topo.handle_of(edge)
        if handle not in declared:
            shown = ", ".join(declared) or "none"
            msg = (
                f"The connection from '{edge.source}' leaves from output "
                f"'{edge.sourceHandle}', which it does not have (outputs: {shown})."
            )
            problems.append(Problem(edge.source, edge.id, "unknown_handle", msg))
    return problems


def input_problem(topo: Topology, node_id: str) -> str | None:
    """Which input rule ``node_id`` breaks, if any (validation and the builder both ask).

    Args:
        topo: the graph's topology; ``node_id`` not in it breaks no rule.
        node_id: the node whose incoming edges are checked.

    Returns:
        ``"trigger_has_input"`` for a trigger with any incoming edge, ``"multiple_inputs"`` for
        a node whose class is not ``multi_input`` (join, loop, output are) with more than one,
        else ``None``. An unknown type breaks neither (it is reported as unknown).
    """
    node = topo.nodes.get(node_id)
    cls = get_node_type(node.type) if node is not None else None
    count = len(topo.in_edges.get(node_id, ()))
    if cls is None or count == 0:
        return None
    if node.type == "trigger":
        return "trigger_has_input"
    return "multiple_inputs" if count > 1 and not cls.multi_input else None


def _input_problems(graph: GraphDocument, topo: Topology) -> list[Problem]:
    problems = []
    triggers = [n.id for n in graph.nodes if n.type == "trigger"]
    reachable = topo.reachable_from(triggers)
    for node in graph.nodes:
        incoming = topo.in_edges[node.id]
        rule = input_problem(topo, node.id)
        if rule == "trigger_has_input":
            msg = f"Trigger '{node.id}' starts the run, so nothing can connect into it."
            problems.append(Problem(node.id, incoming[0].id, "trigger_has_input", msg))
        elif node.type != "trigger" and not incoming:
            msg = f"'{node.id}' has no incoming connection, so it would never run."
            problems.append(Problem(node.id, None, "missing_input", msg))
        elif triggers and node.id not in reachable:
            msg = f"'{node.id}' cannot be reached from any trigger."
            problems.append(Problem(node.id, None, "unreachable", msg))
        if rule == "multiple_inputs":
            msg = (
                f"'{node.id}' has {len(incoming)} incoming connections but takes one; use a "
                "Join step to merge branches."
            )
            problems.append(Problem(node.id, incoming[1].id, "multiple_inputs", msg))
    return problems


def _structure_problems(graph: GraphDocument, topo: Topology) -> list[Problem]:
    problems = []
    if not any(n.type == "trigger" for n in graph.nodes):
        problems.append(Problem(None, None, "no_trigger", "The graph needs a trigger to start."))
    if not any(n.type == "output" for n in graph.nodes):
        problems.append(Problem(None, None, "no_output", "The graph needs an output node."))
    problems += _input_problems(graph, topo)
    for group in find_cycles(topo.nodes, topo.forward_edges()):
        msg = f"These steps form a cycle: {', '.join(group)}. Use a loop node to repeat steps."
        problems.append(Problem(group[0], None, "cycle", msg))
    for loop_id, body in topo.loop_bodies.items():
        for edge in topo.edges:
            if edge.target in body and edge.source not in body and edge.source != loop_id:
                msg = (
                    f"'{edge.source}' connects into the body of loop '{loop_id}'; only the loop "
                    "itself can start its body."
                )
                problems.append(Problem(edge.target, edge.id, "loop_body_entry", msg))
    return problems


def validate_graph(doc: Any, *, template_limits: TemplateLimits = DEFAULT_LIMITS) -> list[Problem]:
    """Every problem in ``doc`` (a graph document as saved by the canvas); empty if valid.

    Args:
        doc: the graph document.
        template_limits: what its templates are held to; each is compiled within them.
    """
    graph, problems = _parse_document(doc)
    if graph is None:
        return problems
    problems += _identity_problems(graph)
    configs, config_problems = _config_problems(graph)
    problems += config_problems
    topo = Topology(graph, declared_handles(graph, configs))
    problems += _edge_problems(graph, topo)
    problems += _structure_problems(graph, topo)
    for node_id, code, message in template_problems(graph, topo, template_limits):
        problems.append(Problem(node_id, None, code, message))
    return problems
