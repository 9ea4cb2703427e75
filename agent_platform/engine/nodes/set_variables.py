"""``set_variables``: name values for later nodes (``{{node_id.output.name}}``)."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field, field_validator

from agent_platform.engine.nodes.base import Node, NodeConfig, NodeContext, NodeResult


class SetVariablesConfig(NodeConfig):
    """Variable name -> template (a single ``{{...}}`` keeps its type)."""

    variables: dict[str, Any] = Field(default_factory=dict)

    @field_validator("variables")
    @classmethod
    def _identifiers(cls, variables: dict[str, Any]) -> dict[str, Any]:
        bad = [name for name in variables if not name.isidentifier()]
        if bad:
            raise ValueError(f"variable names must be letters, digits and _: {', '.join(bad)}")
        return variables


class SetVariablesNode(Node[SetVariablesConfig]):
    """Computes named values."""

    type = "set_variables"
    display_name = "Set variables"
    category = "data"
    icon = "variable"
    description = "Give names to values so later steps can use them."
    example_config: ClassVar[dict[str, Any]] = {"variables": {"question": "{{inputs.message}}"}}

    async def run(self, ctx: NodeContext[SetVariablesConfig]) -> NodeResult:
        """Render each variable."""
        return NodeResult(output=ctx.render_json(ctx.config.variables))
