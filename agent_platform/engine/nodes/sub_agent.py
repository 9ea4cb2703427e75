"""``sub_agent``: run another agent's published version and use its output.

A child that pauses (it waits for an approval) pauses this step too: the runner raises
:class:`SubAgentWaiting`, the step is recorded ``paused`` and the run pauses. When the child can
continue, the run is resumed, this step runs again under the same step key and the runner
rejoins the same child run, whose completed steps replay.
"""

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


class SubAgentWaiting(Exception):  # noqa: N818 - a signal, not an error
    """Raised by a ``SubAgentRunner``: the child run paused; the calling step pauses too.

    Args:
        run_id: the child run that waits.
    """

    def __init__(self, run_id: str) -> None:
        super().__init__(run_id)
        self.run_id = run_id


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
        """Run the child agent; ``step_key`` makes a redelivery or resume reuse the same child.

        Returns:
            The child's output, or a ``paused`` result naming the child run while it waits.
        """
        inputs = ctx.render_json(ctx.config.inputs)
        try:
            output = await ctx.sub_agents.run(
                agent_id=ctx.config.agent_id, inputs=inputs, step_key=ctx.step_key
            )
        except SubAgentWaiting as waiting:
            request = {"waiting_for": "sub_agent", "sub_agent_run_id": waiting.run_id}
            return NodeResult(output=request, status="paused")
        return NodeResult(output=output)
