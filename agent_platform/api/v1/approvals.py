"""``/api/v1/approvals``: the inbox over REST; deciding an execution's pending approval.

Decisions are role- and assignment-checked by the service and take effect exactly once: a
second decision gets 409, a decision after the deadline 409 with a clear message.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import Field
from sqlmodel import Session

from agent_platform.api import deps
from agent_platform.api.v1.schemas import Body, Out
from agent_platform.services.approvals import export as approvals_export
from agent_platform.services.approvals import inbox as approvals
from agent_platform.services.approvals import webhooks
from agent_platform.services.approvals.inbox import ApprovalSummary
from agent_platform.services.permissions import Principal

router = APIRouter(prefix="/api/v1", tags=["approvals"])
Auth = Depends(deps.principal)
#: ``pending``, ``decided`` (approved, rejected, timed out or cancelled), one status, or empty.
ApprovalFilter = Literal["", "pending", "decided", "approved", "rejected", "timeout", "cancelled"]
Db = deps.Db


class DecisionIn(Body):
    decision: Literal["approved", "rejected"]
    comment: str = Field(default="", max_length=5000)
    data: dict[str, Any] = Field(default_factory=dict)


class ApproveIn(Body):
    decision: Literal["approved", "rejected"] = "approved"
    comment: str = Field(default="", max_length=5000)
    data: dict[str, Any] = Field(default_factory=dict)


class WebhookIn(Body):
    """Where approval events go; ``null`` removes the webhook."""

    url: str | None = Field(default=None, max_length=2000)


class ApprovalWebhookOut(Out):
    """An agent's approval webhook. Deliveries carry ``signature_header: sha256=<hex>``, the
    HMAC-SHA256 of the raw body under ``signing_secret`` (``null`` unless revealed)."""

    agent_id: uuid.UUID
    url: str | None
    enabled: bool
    signing_secret: str | None
    signature_header: str


class ApprovalOut(Out):
    """An approval request; ``decision`` holds the final comment and merged form values."""

    id: uuid.UUID
    run_id: uuid.UUID
    step_key: str
    node_id: str
    status: str
    title: str = ""
    agent_id: uuid.UUID | None = None
    agent_name: str = ""
    decision: dict[str, Any]
    decided_by: uuid.UUID | None
    decided_at: datetime | None
    assignee_ids: list[str] = []
    claimed_by: uuid.UUID | None = None
    can_decide: bool = False
    expires_at: datetime | None = None
    created_at: datetime | None = None


class VoteOut(Out):
    user_id: uuid.UUID | None
    user_email: str
    decision: str
    comment: str
    data: dict[str, Any]
    created_at: datetime


class ApprovalDetailOut(ApprovalOut):
    """With the request's card, form and the run's context."""

    message: str = ""
    review: Any = None
    form_fields: list[dict[str, Any]] = []
    quorum: int = 1
    run_status: str = ""
    run_inputs: dict[str, Any] = {}
    steps: list[dict[str, Any]] = []
    votes: list[VoteOut] = []


def _out(summary: ApprovalSummary) -> dict[str, Any]:
    a = summary.approval
    return {
        **{k: getattr(a, k) for k in ApprovalOut.model_fields if hasattr(a, k)},
        "title": str(a.payload.get("title", "")),
        "agent_id": summary.agent_id,
        "agent_name": summary.agent_name,
        "can_decide": summary.can_decide,
    }


@router.get("/approvals")
def list_approvals(
    status: ApprovalFilter = "pending",
    agent_id: uuid.UUID | None = None,
    assignee: str = Query(default="", max_length=40),
    q: str = Query(default="", max_length=200),
    principal: Principal = Auth,
    session: Session = Db,
) -> list[ApprovalOut]:
    """The organization's approvals.

    ``status``: pending, decided (any closed one), approved, rejected, timeout or cancelled
    (its execution ended first).
    """
    rows = approvals.list_approvals(
        session, principal=principal, status=status, agent_id=agent_id, assignee=assignee, search=q
    )
    return [ApprovalOut.model_validate(_out(r)) for r in rows]


@router.get("/approvals/export.csv")
def export_approvals(
    status: ApprovalFilter = "decided",
    principal: Principal = Auth,
    session: Session = Db,
) -> Response:
    """The decision history as CSV (one line per vote)."""
    text = approvals_export.export_csv(session, principal=principal, status=status)
    headers = {"content-disposition": 'attachment; filename="approvals.csv"'}
    return Response(text, media_type="text/csv", headers=headers)


@router.get("/approvals/{approval_id}")
def get_approval(
    approval_id: uuid.UUID, principal: Principal = Auth, session: Session = Db
) -> ApprovalDetailOut:
    """One approval with its card, form, the run's inputs and earlier steps, and votes."""
    detail = approvals.get_approval(session, principal=principal, approval_id=approval_id)
    payload = detail.summary.approval.payload
    return ApprovalDetailOut.model_validate(
        _out(detail.summary)
        | {
            "message": str(payload.get("message", "")),
            "review": payload.get("review"),
            "form_fields": payload.get("form_fields") or [],
            "quorum": detail.quorum,
            "run_status": detail.run.status,
            "run_inputs": detail.run.inputs,
            "steps": detail.steps,
            "votes": [VoteOut.model_validate(v) for v in detail.votes],
        }
    )


@router.post("/approvals/{approval_id}/decision")
def decide_approval(
    approval_id: uuid.UUID, body: DecisionIn, principal: Principal = Auth, session: Session = Db
) -> ApprovalOut:
    """Approve or reject once; the execution resumes. A second decision gets 409."""
    approval = approvals.decide(
        session, principal=principal, approval_id=approval_id, decision=body.decision,
        comment=body.comment, data=body.data,
    )  # fmt: skip
    return ApprovalOut.model_validate(approval)


@router.post("/executions/{execution_id}/approve")
def approve_execution(
    execution_id: uuid.UUID, body: ApproveIn, principal: Principal = Auth, session: Session = Db
) -> ApprovalOut:
    """Decide the execution's pending approval (approved unless ``decision`` says otherwise)."""
    approval = approvals.decide_run(
        session, principal=principal, run_id=execution_id, decision=body.decision,
        comment=body.comment, data=body.data,
    )  # fmt: skip
    return ApprovalOut.model_validate(approval)


@router.get("/agents/{agent_id}/approval-webhook")
def get_approval_webhook(
    agent_id: uuid.UUID,
    reveal: bool = Query(default=False, description="Include the signing secret (admins)"),
    principal: Principal = Auth,
    session: Session = Db,
) -> ApprovalWebhookOut:
    """The agent's outgoing approval webhook; with ``reveal=true`` its signing secret too."""
    hook = webhooks.get_agent_webhook(
        session, principal=principal, agent_id=agent_id, reveal_secret=reveal
    )
    return ApprovalWebhookOut.model_validate(hook)


@router.put("/agents/{agent_id}/approval-webhook")
def set_approval_webhook(
    agent_id: uuid.UUID, body: WebhookIn, principal: Principal = Auth, session: Session = Db
) -> ApprovalWebhookOut:
    """Set or clear (``url: null``) the agent's outgoing approval webhook."""
    hook = webhooks.set_agent_webhook(session, principal=principal, agent_id=agent_id, url=body.url)
    return ApprovalWebhookOut.model_validate(hook)
