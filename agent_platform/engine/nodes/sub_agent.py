"""``sub_agent``: run another agent's published version and use its output."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError

from agent_platform.engine.nodes.base import (
    FieldWidget,
    Node,
    NodeConfig,
    NodeContext,
    NodeResult,
)


class SubAgentConfig(NodeConfig):
    """The agent to call and its inputs (name -> template)."""

    agent_id: str = Field(title="Agent", description="The published agent this step runs")
    inputs: dict[str, Any] = Field(default_factory=dict)

    @field_validator("agent_id")
    @classmethod
    def _chosen(cls, value: str) -> str:
        if not value.strip():
            # A new node starts blank: say what to do, not that a string is too short.
            raise PydanticCustomError("choose_agent", "Choose the agent to run")
        return value


class SubAgentNode(Node[SubAgentConfig]):
    """Delegates to another agent through ``SubAgentRunner``."""

    type = "sub_agent"
    display_name = "Sub-agent"
    category = "ai"
    icon = "bot"
    description = "Run another agent and use its result."
    non_template_fields = frozenset({"label", "retry", "agent_id"})
    # The example graph runs on fakes; a node dropped on the canvas starts with no agent.
    example_config: ClassVar[dict[str, Any]] = {
        "agent_id": "agent_123",
        "inputs": {"message": "{{inputs.message}}"},
    }
    required_choices = frozenset({"agent_id"})
    field_widgets: ClassVar[Mapping[str, FieldWidget]] = {"agent_id": "agent"}

    async def run(self, ctx: NodeContext[SubAgentConfig]) -> NodeResult:
        """Run the child agent; ``step_key`` makes a redelivery reuse the same child run."""
        inputs = ctx.render_json(ctx.config.inputs)
        output = await ctx.sub_agents.run(
            agent_id=ctx.config.agent_id, inputs=inputs, step_key=ctx.step_key
        )
        return NodeResult(output=output)
