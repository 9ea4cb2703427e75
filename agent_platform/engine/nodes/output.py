"""``output``: the run's result."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import Field

from agent_platform.engine.nodes.base import (
    FieldWidget,
    Handle,
    Node,
    NodeConfig,
    NodeContext,
    NodeResult,
)


class OutputConfig(NodeConfig):
    """A template (``"{{llm_1.output.text}}"``) or a JSON mapping of templates."""

    value: Any = Field(default="", description="Text, a {{variable}}, or a JSON mapping")


class OutputNode(Node[OutputConfig]):
    """Ends a path; its value becomes the run output."""

    type = "output"
    multi_input = True
    display_name = "Output"
    category = "output"
    icon = "flag"
    description = "The result of the run."
    example_config: ClassVar[dict[str, Any]] = {"value": "{{inputs.message}}"}
    summary_template = "{{ value | short }}"
    field_widgets: ClassVar[Mapping[str, FieldWidget]] = {"value": "prompt"}

    @classmethod
    def output_handles(cls, config: OutputConfig) -> list[Handle]:
        """None: an output ends its path."""
        return []

    async def run(self, ctx: NodeContext[OutputConfig]) -> NodeResult:
        """Render the value."""
        return NodeResult(output=ctx.render_json(ctx.config.value))
