"""``sub_agent``: run another agent's published version and use its output."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from agent_platform.engine.nodes.base import Node, NodeConfig, NodeContext, NodeResult


class SubAgentConfig(NodeConfig):
    """The agent to call and its inputs (name -> template)."""

    agent_id: str = Field(min_length=1)
    inputs: dict[str, Any] = Field(default_factory=dict)


class SubAgentNode(Node[SubAgentConfig]):
    """Delegates to another agent through ``SubAgentRunner``."""

    type = "sub_agent"
    display_name = "Sub-agent"
    category = "ai"
    icon = "bot"
    description = "Run another agent and use its result."
    non_template_fields = frozenset({"label", "retry", "agent_id"})
    example_config: ClassVar[dict[str, Any]] = {
        "agent_id": "agent_123",
        "inputs": {"message": "{{inputs.message}}"},
    }

    async def run(self, ctx: NodeContext[SubAgentConfig]) -> NodeResult:
        """Run the child agent; ``step_key`` makes a redelivery reuse the same child run."""
        inputs = ctx.render_json(ctx.config.inputs)
        output = await ctx.sub_agents.run(
            agent_id=ctx.config.agent_id, inputs=inputs, step_key=ctx.step_key
        )
        return NodeResult(output=output)
