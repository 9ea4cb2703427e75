"""``parallel``: fan out; every outgoing edge runs concurrently."""

from __future__ import annotations

from typing import Any

from agent_platform.engine.nodes.base import Node, NodeConfig, NodeContext, NodeResult


def pass_through(incoming: dict[str, Any]) -> Any:
    """The single predecessor's output, or all of them by node id."""
    if len(incoming) == 1:
        return next(iter(incoming.values()))
    return incoming


class ParallelNode(Node[NodeConfig]):
    """Marks a fan-out; passes its input on unchanged."""

    type = "parallel"
    display_name = "Parallel"
    category = "logic"
    icon = "git-fork"
    description = "Run every connected branch at the same time."

    async def run(self, ctx: NodeContext[NodeConfig]) -> NodeResult:
        """Pass the input through; the runner starts all branches."""
        return NodeResult(output=pass_through(dict(ctx.incoming)))
