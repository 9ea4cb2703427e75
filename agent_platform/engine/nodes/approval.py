"""``approval``: pause the run until people decide, then follow approved/rejected/timeout.

The engine side only: the node opens a request through ``ApprovalGate`` (idempotent per
step key) and reads its decision. With no decision yet it returns ``paused``; the run stops
and is re-run (replayed) once a decision exists.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from agent_platform.engine.nodes.base import Handle, Node, NodeConfig, NodeContext, NodeResult


class Approvers(BaseModel):
    """Who may decide: any listed user, anyone with the role, or any member of the team."""

    model_config = ConfigDict(extra="forbid")

    user_ids: list[str] = Field(default_factory=list)
    role: str | None = None
    team_id: str | None = None

    @model_validator(mode="after")
    def _someone(self) -> Approvers:
        if not (self.user_ids or self.role or self.team_id):
            raise ValueError("name at least one approver: users, a role or a team")
        return self


class FormField(BaseModel):
    """A field the approver fills in; values arrive in ``output.data``.

    ``default`` is a template (run variables) pre-filling the field, e.g. a drafted reply the
    approver may edit.
    """

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    label: str = ""
    type: Literal["text", "textarea", "number", "boolean", "select"] = "text"
    required: bool = False
    options: list[str] = Field(default_factory=list)
    default: str = Field(default="", max_length=20_000)


class Review(BaseModel):
    """The data under review, shown to approvers as a card.

    ``value`` is a template; ``format`` says how to show it: ``fields`` (a JSON object as
    label/value rows), ``text`` or ``json``.
    """

    model_config = ConfigDict(extra="forbid")

    value: str = Field(default="", max_length=50_000)
    format: Literal["fields", "text", "json"] = "fields"


class Escalation(BaseModel):
    """Before the deadline: remind the approvers, then widen the request to someone else."""

    model_config = ConfigDict(extra="forbid")

    remind_after_minutes: int | None = Field(default=None, ge=1, le=60 * 24 * 30)
    escalate_after_minutes: int | None = Field(default=None, ge=1, le=60 * 24 * 30)
    escalate_to: Approvers | None = None


class ApprovalConfig(NodeConfig):
    """An approval request; ``quorum`` is ``any``, ``all`` or a number of approvals."""

    title: str = Field(default="Approval needed", min_length=1, max_length=200)
    message: str = Field(default="", max_length=20_000, description="Template shown to approvers")
    approvers: Approvers = Field(default_factory=lambda: Approvers(role="admin"))
    quorum: Literal["any", "all"] | int = "any"
    form_fields: list[FormField] = Field(default_factory=list)
    timeout_minutes: int | None = Field(default=None, ge=1, le=60 * 24 * 30)
    requester_cannot_approve: bool = False
    review: Review = Field(default_factory=Review)
    escalation: Escalation = Field(default_factory=Escalation)

    @model_validator(mode="after")
    def _quorum_positive(self) -> ApprovalConfig:
        if isinstance(self.quorum, int) and self.quorum < 1:
            raise ValueError("quorum must be at least 1")
        if self.escalation.escalate_after_minutes and self.escalation.escalate_to is None:
            raise ValueError("escalation needs someone to escalate to")
        return self


class ApprovalNode(Node[ApprovalConfig]):
    """Human in the loop."""

    type = "approval"
    display_name = "Approval"
    category = "human"
    icon = "user-check"
    description = "Pause until someone approves or rejects, then continue on that branch."
    non_template_fields = frozenset(
        {"label", "retry", "approvers", "quorum", "form_fields", "review", "escalation"}
    )
    example_config: ClassVar[dict[str, Any]] = {
        "title": "Approve the reply",
        "message": "{{inputs.message}}",
        "approvers": {"role": "admin"},
    }

    @classmethod
    def output_handles(cls, config: ApprovalConfig) -> list[Handle]:
        """``approved``, ``rejected`` and ``timeout``."""
        return [
            Handle("approved", "Approved"),
            Handle("rejected", "Rejected"),
            Handle("timeout", "Timed out"),
        ]

    async def run(self, ctx: NodeContext[ApprovalConfig]) -> NodeResult:
        """Open (idempotently) the request; follow the decision or pause."""
        config = ctx.config
        fields = [
            f.model_dump() | {"default": ctx.render(f.default) if f.default else ""}
            for f in config.form_fields
        ]
        payload = {
            "title": ctx.render(config.title),
            "message": ctx.render(config.message),
            "approvers": config.approvers.model_dump(),
            "quorum": config.quorum,
            "form_fields": fields,
            "timeout_minutes": config.timeout_minutes,
            "requester_cannot_approve": config.requester_cannot_approve,
            "review": {
                "format": config.review.format,
                "value": ctx.render_value(config.review.value) if config.review.value else None,
            },
            "escalation": config.escalation.model_dump(),
        }
        gate = ctx.approvals
        await gate.request(step_key=ctx.step_key, node_id=ctx.node_id, payload=payload)
        decision = await gate.decision(step_key=ctx.step_key)
        if decision is None:
            return NodeResult(output=payload, status="paused")
        output = {
            "outcome": decision.outcome,
            "comment": decision.comment,
            "data": dict(decision.data),
            "decided_by": decision.decided_by,
        }
        return NodeResult(output=output, handle=decision.outcome)
