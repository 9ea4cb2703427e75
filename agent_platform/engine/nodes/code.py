"""``code``: Python run only through the sandboxed ``CodeExecutor``.

The source is checked with ``ast.parse`` when the graph is validated; it is never executed,
evaluated or imported in a platform process.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import Field, field_validator

from agent_platform.engine.nodes.base import (
    FieldWidget,
    Node,
    NodeConfig,
    NodeContext,
    NodeResult,
)

DEFAULT_CODE = "def main(**inputs):\n    return inputs\n"


class CodeConfig(NodeConfig):
    """``code`` defines ``def main(**inputs)``; ``inputs`` maps names to templates."""

    code: str = Field(default=DEFAULT_CODE, min_length=1, max_length=100_000)
    inputs: dict[str, Any] = Field(default_factory=dict)
    timeout_s: float = Field(default=10.0, gt=0, le=120, description="Seconds")
    memory_mb: int = Field(default=128, ge=16, le=2048)

    @field_validator("code")
    @classmethod
    def _parses(cls, code: str) -> str:
        try:
            tree = ast.parse(code)
        except SyntaxError as exc:
            raise ValueError(f"Python syntax error on line {exc.lineno}: {exc.msg}") from None
        if not any(isinstance(n, ast.FunctionDef) and n.name == "main" for n in tree.body):
            raise ValueError("the code must define a top-level function main(**inputs)")
        return code

    @field_validator("inputs")
    @classmethod
    def _identifiers(cls, inputs: dict[str, Any]) -> dict[str, Any]:
        bad = [name for name in inputs if not name.isidentifier()]
        if bad:
            raise ValueError(f"input names must be valid Python names: {', '.join(bad)}")
        return inputs


class CodeNode(Node[CodeConfig]):
    """Runs user Python in the sandbox."""

    type = "code"
    display_name = "Code"
    category = "data"
    icon = "code"
    description = "Run a Python function in an isolated sandbox."
    non_template_fields = frozenset({"label", "retry", "code"})
    field_widgets: ClassVar[Mapping[str, FieldWidget]] = {"code": "code"}
    example_config: ClassVar[dict[str, Any]] = {
        "code": DEFAULT_CODE,
        "inputs": {"message": "{{inputs.message}}"},
    }

    async def run(self, ctx: NodeContext[CodeConfig]) -> NodeResult:
        """Render inputs and call the sandbox."""
        config = ctx.config
        inputs = ctx.render_json(config.inputs)
        result = await ctx.code.run(
            code=config.code, inputs=inputs, timeout_s=config.timeout_s, memory_mb=config.memory_mb
        )
        logs = [result.stdout] if result.stdout else []
        return NodeResult(output=result.result, logs=logs)
