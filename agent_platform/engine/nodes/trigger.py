"""``trigger``: where a run starts; its output is the run's inputs."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from agent_platform.engine.nodes.base import Node, NodeConfig, NodeContext, NodeResult
from agent_platform.engine.protocols import PermanentError


class InputField(BaseModel):
    """A run input the trigger expects (drives the manual run form and API docs)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    label: str = ""
    type: Literal["text", "number", "boolean", "json"] = "text"
    required: bool = False


class TriggerConfig(NodeConfig):
    """How runs start. ``schedule`` needs a 5-field ``cron`` and an IANA ``timezone``."""

    kind: Literal["manual", "chat", "webhook", "schedule", "api"] = "manual"
    cron: str | None = Field(default=None, description="e.g. '0 9 * * 1-5'")
    timezone: str = Field(default="UTC", description="IANA name, e.g. 'Europe/Paris'")
    input_fields: list[InputField] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str | None) -> str | None:
        if value is not None and (len(value.split()) != 5 or not croniter.is_valid(value)):
            raise ValueError(f"{value!r} is not a valid 5-field cron expression")
        return value

    @model_validator(mode="after")
    def _schedule_needs_cron(self) -> TriggerConfig:
        if self.kind == "schedule" and not self.cron:
            raise ValueError("a schedule trigger needs a cron expression")
        return self

    def next_fire_time(self, after: datetime) -> datetime | None:
        """The next scheduled time after ``after`` in the trigger's zone (schedule only)."""
        if self.kind != "schedule" or not self.cron:
            return None
        start = after.astimezone(ZoneInfo(self.timezone))
        return croniter(self.cron, start).get_next(datetime)


class TriggerNode(Node[TriggerConfig]):
    """Entry point of a graph."""

    type = "trigger"
    display_name = "Trigger"
    category = "trigger"
    icon = "play"
    description = "Starts the run: manually, from chat, a webhook, a schedule or the API."
    example_config: ClassVar[dict[str, Any]] = {"kind": "manual"}
    has_input = False
    summary_template = (
        "{% set names = (input_fields or []) | select('mapping')"
        " | map(attribute='name', default='') | list %}"
        "{{ kind | default('manual') }}{% if names %} · {{ names | join(', ') }}{% endif %}"
    )
    output_paths = ("output.message",)

    @classmethod
    def variable_paths(cls, data: Mapping[str, Any]) -> list[str]:
        """One path per declared input field; ``output.message`` when none are declared."""
        fields = data.get("input_fields") or []
        names = [f.get("name") for f in fields if isinstance(f, dict)]
        return [f"output.{name}" for name in names] if names else list(cls.output_paths)

    async def run(self, ctx: NodeContext[TriggerConfig]) -> NodeResult:
        """Pass the run inputs on, checking required fields."""
        fields = ctx.config.input_fields
        missing = [f.name for f in fields if f.required and f.name not in ctx.inputs]
        if missing:
            raise PermanentError(f"Missing required run input(s): {', '.join(missing)}")
        return NodeResult(output=dict(ctx.inputs))
