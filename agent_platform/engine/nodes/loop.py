"""``loop``: run the body once per item of a list, then continue on ``done``.

The body is every node reachable from the ``body`` handle; edges back into the loop node close
it. Inside the body ``{{loop_id.item}}`` and ``{{loop_id.index}}`` are available. The loop's
output is the list of each iteration's last body output.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from pydantic import Field

from agent_platform.engine.nodes.base import Handle, Node, NodeConfig, NodeContext, NodeResult
from agent_platform.engine.protocols import PermanentError


class LoopConfig(NodeConfig):
    """``items`` must render to a list (or a JSON array string)."""

    items: str = Field(min_length=1, description="e.g. {{http_1.output.json.results}}")
    max_iterations: int = Field(default=100, ge=1, le=1000)


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise PermanentError("The loop's items are text, not a list") from None
    if not isinstance(value, list):
        raise PermanentError(f"The loop's items must be a list, got {type(value).__name__}")
    return value


class LoopNode(Node[LoopConfig]):
    """Iterates sequentially over a list."""

    type = "loop"
    multi_input = True
    display_name = "Loop"
    category = "logic"
    icon = "repeat"
    description = "Run the connected body once for every item of a list, then continue."
    example_config: ClassVar[dict[str, Any]] = {"items": "{{inputs.items}}"}
    example_inputs: ClassVar[dict[str, Any]] = {"items": [1, 2, 3]}
    repeats_body = True
    summary_template = "{{ ('each of ' ~ items) | short }}"

    @classmethod
    def example_graph(cls) -> dict[str, Any]:
        """The default example plus a one-node body (``template``) closing the loop."""
        graph = super().example_graph()
        body = {"mode": "text", "template": "item {{loop_1.item}}"}
        graph["nodes"].append(
            {"id": "body_1", "type": "template", "position": {"x": 280.0, "y": 160.0}, "data": body}
        )
        graph["edges"] += [
            {"id": "e_body_in", "source": "loop_1", "sourceHandle": "body", "target": "body_1"},
            {"id": "e_body_out", "source": "body_1", "target": "loop_1"},
        ]
        graph["edges"] = [e for e in graph["edges"] if e["id"] != "e_body"]
        return graph

    @classmethod
    def output_handles(cls, config: LoopConfig) -> list[Handle]:
        """``body`` (per item) and ``done`` (after the last item)."""
        return [Handle("body", "Each item"), Handle("done", "Done")]

    async def run(self, ctx: NodeContext[LoopConfig]) -> NodeResult:
        """Run the body per item and collect the results."""
        if ctx.run_body is None:
            raise PermanentError("Loop bodies are not supported here")
        items = _as_list(ctx.render_value(ctx.config.items))
        if len(items) > ctx.config.max_iterations:
            raise PermanentError(
                f"The list has {len(items)} items, more than this loop's limit of "
                f"{ctx.config.max_iterations}"
            )
        results = [await ctx.run_body(index, item) for index, item in enumerate(items)]
        return NodeResult(output=results, handle="done")
