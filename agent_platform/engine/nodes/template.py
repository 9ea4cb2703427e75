"""``template``: render text, or a JSON structure whose string leaves are templates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from agent_platform.engine.nodes.base import (
    FieldWidget,
    Node,
    NodeConfig,
    NodeContext,
    NodeResult,
)


class TemplateConfig(NodeConfig):
    """``text`` mode needs a string template; ``json`` mode any JSON value."""

    mode: Literal["text", "json"] = "text"
    template: Any = Field(default="", description="Text or JSON with {{variables}}")

    @model_validator(mode="after")
    def _text_is_string(self) -> TemplateConfig:
        if self.mode == "text" and not isinstance(self.template, str):
            raise ValueError("in text mode the template must be text")
        return self


class TemplateNode(Node[TemplateConfig]):
    """Formats data; output is the rendered text or JSON value."""

    type = "template"
    display_name = "Template"
    category = "data"
    icon = "file-text"
    description = "Build text or JSON from variables."
    example_config: ClassVar[dict[str, Any]] = {"mode": "text", "template": "{{inputs.message}}"}
    summary_template = "{{ template | short }}"
    field_widgets: ClassVar[Mapping[str, FieldWidget]] = {"template": "prompt"}

    async def run(self, ctx: NodeContext[TemplateConfig]) -> NodeResult:
        """Render the template."""
        if ctx.config.mode == "text":
            return NodeResult(output=ctx.render(ctx.config.template))
        return NodeResult(output=ctx.render_json(ctx.config.template))
