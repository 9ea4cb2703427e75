"""``if_else``: follow ``true`` or ``false`` depending on a condition group."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from agent_platform.engine.nodes._conditions import Condition, evaluate
from agent_platform.engine.nodes.base import Handle, Node, NodeConfig, NodeContext, NodeResult


class IfElseConfig(NodeConfig):
    """Conditions deciding the branch: ``and`` needs all to hold, ``or`` any."""

    combinator: Literal["and", "or"] = "and"
    conditions: list[Condition] = Field(min_length=1)


class IfElseNode(Node[IfElseConfig]):
    """Branches on conditions; only the chosen branch runs."""

    type = "if_else"
    display_name = "If / else"
    category = "logic"
    icon = "git-branch"
    description = "Continue on the true or false branch depending on conditions."
    summary_template = (
        "{% set conds = conditions or [] %}"
        "{% set first = conds[0] if conds and conds[0] is mapping else {} %}"
        "{{ (first.left ~ ' ' ~ first.operator ~ ' ' ~ first.right) | short }}"
        "{% if conds | length > 1 %} (+{{ conds | length - 1 }}){% endif %}"
    )
    example_config: ClassVar[dict[str, Any]] = {
        "combinator": "and",
        "conditions": [{"left": "{{inputs.message}}", "operator": "is_not_empty", "right": ""}],
    }

    @classmethod
    def output_handles(cls, config: IfElseConfig) -> list[Handle]:
        """``true`` and ``false``."""
        return [Handle("true", "True"), Handle("false", "False")]

    async def run(self, ctx: NodeContext[IfElseConfig]) -> NodeResult:
        """Evaluate the conditions and pick the handle."""
        result = evaluate(ctx.config, ctx.render_value)
        return NodeResult(output={"result": result}, handle="true" if result else "false")
