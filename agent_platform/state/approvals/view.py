"""Plain view rows for the approvals inbox, built from service objects (no ORM rows in state)."""

import dataclasses
import json
from datetime import datetime
from typing import Any

from agent_platform import routes
from agent_platform.integrations import markdown
from agent_platform.models.base import utcnow
from agent_platform.services.approvals.inbox import ApprovalDetail, ApprovalSummary
from agent_platform.state.base import fmt_time

MAX_TEXT = 4000
AGES = {"any": None, "1h": 60, "24h": 60 * 24, "7d": 60 * 24 * 7}


@dataclasses.dataclass
class ApprovalRow:
    """One inbox line."""

    id: str
    title: str
    agent: str
    status: str
    age: str
    decided_by: str
    claimed_by: str
    can_decide: bool


@dataclasses.dataclass
class Pair:
    """A label and a value (review fields, run inputs, options)."""

    key: str
    value: str


@dataclasses.dataclass
class FormFieldView:
    """A form field of the request."""

    name: str
    label: str
    type: str
    required: bool
    options: list[str]
    default: str


@dataclasses.dataclass
class StepView:
    """An earlier step of the run."""

    step_key: str
    node_type: str
    status: str
    output: str


@dataclasses.dataclass
class VoteView:
    """Who decided what, when, with which comment and form values."""

    who: str
    decision: str
    when: str
    comment: str
    data: str


def message_html(payload: dict[str, Any]) -> str:
    """The request's message (a template rendered with run data) as sanitised HTML."""
    return markdown.render(str(payload.get("message") or ""))


def age(value: datetime | None) -> str:
    """``5m``, ``3h``, ``2d`` since ``value``."""
    if value is None:
        return ""
    minutes = int((utcnow() - value).total_seconds() // 60)
    if minutes < 60:
        return f"{max(minutes, 0)}m"
    return f"{minutes // 60}h" if minutes < 60 * 24 else f"{minutes // (60 * 24)}d"


def show(value: Any) -> str:
    """A value as readable text: strings as they are, anything else as indented JSON."""
    text = value if isinstance(value, str) else json.dumps(value, indent=2, default=str)
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"


def row(summary: ApprovalSummary) -> ApprovalRow:
    """The inbox line of ``summary``."""
    a = summary.approval
    return ApprovalRow(
        id=str(a.id), title=str(a.payload.get("title", "Approval"))[:200],
        agent=summary.agent_name, status=a.status,
        age=age(a.created_at), decided_by=summary.decided_by_email,
        claimed_by=summary.claimed_by_email, can_decide=summary.can_decide,
    )  # fmt: skip


def pairs(value: Any) -> list[Pair]:
    """An object's keys and values as pairs (``fields`` review cards, run inputs)."""
    if isinstance(value, dict):
        return [Pair(str(k), show(v)) for k, v in list(value.items())[:50]]
    return []


def form_fields(payload: dict[str, Any]) -> list[FormFieldView]:
    """The request's form, with defaults as text."""
    return [
        FormFieldView(
            name=str(f.get("name", "")),
            label=str(f.get("label") or f.get("name", "")),
            type=str(f.get("type", "text")),
            required=bool(f.get("required")),
            options=[str(o) for o in f.get("options") or []],
            default=str(f.get("default") or ""),
        )  # fmt: skip
        for f in payload.get("form_fields") or []
    ]


def steps(detail: ApprovalDetail) -> list[StepView]:
    """The run's earlier steps with their outputs."""
    return [
        StepView(s["step_key"], s["node_type"], s["status"], show(s["output"]))
        for s in detail.steps
    ]


def votes(detail: ApprovalDetail) -> list[VoteView]:
    """The votes, oldest first."""
    return [
        VoteView(
            who=v.user_email or "deleted user",
            decision=v.decision,
            when=fmt_time(v.created_at),
            comment=v.comment,
            data=show(v.data) if v.data else "",
        )  # fmt: skip
        for v in detail.votes
    ]


def run_link(run_id: str) -> str:
    """The run's page (its detail view when the runs page has one)."""
    builder = getattr(routes, "run_url", None)
    return builder(run_id) if builder else routes.with_query(routes.RUNS, id=run_id)
