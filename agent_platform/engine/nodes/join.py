"""``join``: wait for incoming branches.

Modes (enforced by the runner's scheduler, which decides when the join fires):

* ``all``: waits until every incoming branch has either finished or been skipped (an untaken
  ``if_else``/``switch`` branch); fires if at least one finished and is itself skipped if all
  were skipped. Skipped branches are simply absent from the output.
* ``any``: fires on the first branch to finish; the others keep running to completion.
* ``first``: fires on the first branch to finish and cancels the other branches that lead
  only into this join.

Output: ``{source_node_id: output}`` for the branches that had finished when it fired.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from agent_platform.engine.nodes.base import Node, NodeConfig, NodeContext, NodeResult


class JoinConfig(NodeConfig):
    """When to continue."""

    mode: Literal["all", "any", "first"] = "all"


class JoinNode(Node[JoinConfig]):
    """Merges parallel branches."""

    type = "join"
    multi_input = True
    display_name = "Join"
    category = "logic"
    icon = "merge"
    description = "Wait for all, any or the first of the incoming branches."
    example_config: ClassVar[dict[str, Any]] = {"mode": "all"}

    @classmethod
    def runs_on_first_input(cls, config: JoinConfig) -> bool:
        """``any`` and ``first`` fire on the first branch to finish."""
        return config.mode != "all"

    @classmethod
    def cancels_other_branches(cls, config: JoinConfig) -> bool:
        """``first`` cancels the branches that lead only into it."""
        return config.mode == "first"

    async def run(self, ctx: NodeContext[JoinConfig]) -> NodeResult:
        """Collect the arrived branch outputs."""
        return NodeResult(output=dict(ctx.incoming))
