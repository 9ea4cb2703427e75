"""Template variable checks: every ``{{node_id...}}`` must name an existing upstream node."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from agent_platform.engine.graph import GraphDocument
from agent_platform.engine.protocols import PermanentError
from agent_platform.engine.registry import get_node_type
from agent_platform.engine.templating import (
    DEFAULT_LIMITS,
    TemplateLimitExceeded,
    TemplateLimits,
    check,
    count_tokens,
    referenced_variables,
)
from agent_platform.engine.topology import Topology

RUN_INPUTS = "inputs"
LOOP_VARIABLES = frozenset({"item", "index"})


def string_leaves(value: Any) -> Iterator[str]:
    """Every string inside a JSON value (dict values and list items, recursively)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from string_leaves(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from string_leaves(item)


def node_templates(node_type: str, data: dict[str, Any]) -> Iterator[str]:
    """The template strings in a node's config (fields that are not templates skipped)."""
    cls = get_node_type(node_type)
    skip = cls.non_template_fields if cls is not None else frozenset()
    for key, value in data.items():
        if key not in skip:
            yield from string_leaves(value)


def _reference_problem(
    topo: Topology, node_id: str, ancestors: set[str], path: str
) -> tuple[str, str] | None:
    root, _, rest = path.partition(".")
    if root == RUN_INPUTS:
        return None
    if root not in topo.nodes:
        return "unknown_variable", f"'{node_id}' uses {{{{{path}}}}}, but there is no '{root}'."
    if root not in ancestors:
        return "variable_not_upstream", (
            f"'{node_id}' uses {{{{{path}}}}}, but '{root}' does not run before it."
        )
    is_loop_variable = rest.split(".", 1)[0] in LOOP_VARIABLES and root in topo.loop_bodies
    if is_loop_variable and node_id not in topo.loop_bodies[root]:
        return "variable_not_upstream", (
            f"'{node_id}' uses {{{{{path}}}}}, which exists only inside loop '{root}'s body."
        )
    return None


def template_problems(
    graph: GraphDocument, topo: Topology, limits: TemplateLimits = DEFAULT_LIMITS
) -> Iterator[tuple[str, str, str]]:
    """``(node_id, code, message)`` for template errors and bad references.

    Every template is compiled as a worker would compile it: ``template_limit`` for one over
    ``limits`` (a literal ``{{ 'x' * 10**10 }}``, or too long), ``template_syntax`` for the
    rest. Once the graph's templates together pass ``max_graph_tokens`` the rest are not
    compiled (one ``template_limit`` problem says so).
    """
    spent = 0
    for node in graph.nodes:
        ancestors: set[str] | None = None
        for template in node_templates(node.type, node.data):
            try:
                spent += count_tokens(template, limits)
                if spent > limits.max_graph_tokens:
                    total = f"{limits.max_graph_tokens:,}"
                    message = f"the graph's templates have over {total} tokens of markup in all"
                    yield node.id, "template_limit", f"'{node.id}': {message}, over the limit."
                    return
                check(template, limits)
                paths = referenced_variables(template, limits)
            except TemplateLimitExceeded as exc:
                yield node.id, "template_limit", f"'{node.id}': {exc.message}"
                continue
            except PermanentError as exc:
                yield node.id, "template_syntax", f"'{node.id}': {exc.message}"
                continue
            for path in paths:
                if ancestors is None:
                    ancestors = topo.ancestors(node.id)
                problem = _reference_problem(topo, node.id, ancestors, path)
                if problem is not None:
                    yield node.id, *problem
