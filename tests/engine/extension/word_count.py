"""``word_count``: a node type that is not shipped, written as a shipped one would be.

``tests/engine/test_node_extension.py`` puts this directory on the path of
``agent_platform.engine.nodes`` and runs the package's discovery, so this module becomes
``agent_platform.engine.nodes.word_count`` and registers exactly like a shipped type: nothing
else (registry, builder, canvas, tests) is edited for it.
"""

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


class WordCountConfig(NodeConfig):
    """The text to count and when it counts as long."""

    text: str = Field(min_length=1, description="Text to count, with {{variables}}")
    long_after: int = Field(default=5, ge=1, description="More words than this is long")


class WordCountNode(Node[WordCountConfig]):
    """Counts words and branches on ``short`` or ``long``."""

    type = "word_count"
    display_name = "Word count"
    category = "data"
    icon = "hash"
    description = "Count the words of a text, then continue on short or long."
    example_config: ClassVar[dict[str, Any]] = {"text": "{{inputs.message}}"}
    summary_template = "words of {{ text | short }}"
    output_paths = ("output.count",)
    field_widgets: ClassVar[Mapping[str, FieldWidget]] = {"text": "prompt"}

    @classmethod
    def output_handles(cls, config: WordCountConfig) -> list[Handle]:
        """``short`` and ``long``."""
        return [Handle("short", "Short"), Handle("long", "Long")]

    async def run(self, ctx: NodeContext[WordCountConfig]) -> NodeResult:
        """Count the rendered text's words."""
        count = len(ctx.render(ctx.config.text).split())
        handle = "long" if count > ctx.config.long_after else "short"
        return NodeResult(output={"count": count}, handle=handle)
