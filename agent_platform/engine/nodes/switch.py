"""``switch``: follow the first case whose conditions hold, else ``default``."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from agent_platform.engine.nodes._conditions import Condition, evaluate
from agent_platform.engine.nodes.base import Handle, Node, NodeConfig, NodeContext, NodeResult


class SwitchCase(BaseModel):
    """One case; its ``id`` is the output handle edges leave from."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    label: str = ""
    combinator: Literal["and", "or"] = "and"
    conditions: list[Condition] = Field(min_length=1)


class SwitchConfig(NodeConfig):
    """Cases tried in order; the first that holds wins."""

    cases: list[SwitchCase] = Field(min_length=1)

    @field_validator("cases")
    @classmethod
    def _unique_ids(cls, cases: list[SwitchCase]) -> list[SwitchCase]:
        ids = [case.id for case in cases]
        if len(set(ids)) != len(ids) or "default" in ids:
            raise ValueError("case ids must be unique and must not be 'default'")
        return cases


class SwitchNode(Node[SwitchConfig]):
    """Multi-way branch on conditions."""

    type = "switch"
    display_name = "Switch"
    category = "logic"
    icon = "split"
    description = "Continue on the first case whose conditions hold, otherwise on default."
    dynamic_handles = True
    summary_template = "{{ (cases or []) | length }} case(s) + default"
    example_config: ClassVar[dict[str, Any]] = {
        "cases": [
            {
                "id": "case_1",
                "label": "Greeting",
                "conditions": [
                    {"left": "{{inputs.message}}", "operator": "contains", "right": "hello"}
                ],
            }
        ]
    }

    @classmethod
    def output_handles(cls, config: SwitchConfig) -> list[Handle]:
        """One handle per case id, then ``default``."""
        cases = [Handle(case.id, case.label or case.id) for case in config.cases]
        return [*cases, Handle("default", "Default")]

    async def run(self, ctx: NodeContext[SwitchConfig]) -> NodeResult:
        """Pick the first matching case."""
        for case in ctx.config.cases:
            if evaluate(case, ctx.render_value):
                return NodeResult(output={"case": case.id}, handle=case.id)
        return NodeResult(output={"case": "default"}, handle="default")
