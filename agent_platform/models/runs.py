"""Runs (one execution of an agent), their steps, events and approval requests.

Postgres is the source of truth: Redis and Dramatiq carry only run IDs. A run moves through
``pending -> running -> (paused -> running)* -> succeeded | failed | cancelled`` via the
transition methods below, which refuse illegal moves.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Index, Numeric, UniqueConstraint
from sqlmodel import Field, SQLModel

from agent_platform.models.base import created_at_field, id_field, json_field, ts_field, utcnow


class RunStatus(StrEnum):
    """A run's state; the last three are terminal."""

    PENDING = "pending"
    RUNNING = "running"
    PAUSED = "paused"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


TERMINAL = frozenset({RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED})


class RunTrigger(StrEnum):
    """What started a run."""

    MANUAL = "manual"
    API = "api"
    CHAT = "chat"
    WEBHOOK = "webhook"
    SCHEDULE = "schedule"
    TEST = "test"
    SUB_AGENT = "sub_agent"


TRIGGERS = frozenset(RunTrigger)


class IllegalTransition(Exception):  # noqa: N818 - reads better at call sites
    """A status change the run's state machine does not allow."""


def _nullable_json() -> Any:
    from sqlalchemy import JSON
    from sqlalchemy.dialects.postgresql import JSONB

    return Field(default=None, sa_column=Column(JSON().with_variant(JSONB(), "postgresql")))


class Run(SQLModel, table=True):
    """One execution of an agent's graph (``definition`` is the snapshot that runs).

    ``version_id`` pins a published version; draft test runs have none. ``cost_usd`` is in US
    dollars; ``attempts`` counts worker pickups (redeliveries included).
    """

    __tablename__ = "runs"
    __table_args__ = (
        UniqueConstraint("org_id", "agent_id", "idempotency_key"),
        UniqueConstraint("parent_run_id", "parent_step_key"),
        Index("ix_runs_org_created", "org_id", "created_at"),
        Index("ix_runs_status_heartbeat", "status", "heartbeat_at"),
    )

    id: uuid.UUID = id_field()
    org_id: uuid.UUID = Field(foreign_key="organizations.id", index=True, ondelete="CASCADE")
    agent_id: uuid.UUID = Field(foreign_key="agents.id", index=True, ondelete="CASCADE")
    version_id: uuid.UUID | None = Field(
        default=None, foreign_key="agent_versions.id", ondelete="SET NULL"
    )
    definition: dict[str, Any] = json_field(dict)
    status: str = Field(default=RunStatus.PENDING.value, max_length=20)
    trigger: str = Field(default="manual", max_length=20)
    inputs: dict[str, Any] = json_field(dict)
    output: Any = _nullable_json()
    error: str | None = Field(default=None, max_length=4000)
    idempotency_key: str | None = Field(default=None, max_length=255)
    parent_run_id: uuid.UUID | None = Field(
        default=None, foreign_key="runs.id", index=True, ondelete="SET NULL"
    )
    parent_step_key: str | None = Field(default=None, max_length=500)
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = Field(
        default=0.0, sa_column=Column(Numeric(14, 6, asdecimal=False), nullable=False)
    )
    created_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = created_at_field()
    started_at: datetime | None = ts_field()
    finished_at: datetime | None = ts_field()
    heartbeat_at: datetime | None = ts_field()
    cancel_requested_at: datetime | None = ts_field()
    attempts: int = 0

    @property
    def is_terminal(self) -> bool:
        """Whether the run has finished (succeeded, failed or cancelled)."""
        return self.status in TERMINAL

    def _move(self, allowed: set[RunStatus], to: RunStatus) -> None:
        if self.status not in allowed:
            raise IllegalTransition(f"A {self.status} run cannot become {to.value}.")
        self.status = to.value

    def start(self) -> None:
        """A worker picks the run up (again, after a crash: ``running`` stays ``running``)."""
        self._move({RunStatus.PENDING, RunStatus.RUNNING}, RunStatus.RUNNING)
        now = utcnow()
        self.started_at = self.started_at or now
        self.heartbeat_at = now
        self.attempts += 1

    def pause(self) -> None:
        """The run waits for a person (an approval)."""
        self._move({RunStatus.RUNNING}, RunStatus.PAUSED)
        self.heartbeat_at = None

    def resume(self) -> None:
        """A decision arrived; the worker continues the paused run."""
        self._move({RunStatus.PAUSED}, RunStatus.RUNNING)
        self.heartbeat_at = utcnow()

    def succeed(self, output: Any) -> None:
        """The run finished with ``output``."""
        self._move({RunStatus.RUNNING}, RunStatus.SUCCEEDED)
        self.output, self.error = output, None
        self._finish()

    def fail(self, reason: str) -> None:
        """The run failed; ``reason`` is shown to people."""
        self._move({RunStatus.PENDING, RunStatus.RUNNING, RunStatus.PAUSED}, RunStatus.FAILED)
        self.error = reason[:4000]
        self._finish()

    def cancel(self) -> None:
        """The run was cancelled (before it started, while paused, or between steps)."""
        self._move({RunStatus.PENDING, RunStatus.RUNNING, RunStatus.PAUSED}, RunStatus.CANCELLED)
        self.cancel_requested_at = self.cancel_requested_at or utcnow()
        self._finish()

    def _finish(self) -> None:
        self.finished_at = utcnow()
        self.heartbeat_at = None


class Step(SQLModel, table=True):
    """One step of a run (a node execution, a loop iteration's node, an agent's tool call).

    ``duration_ms`` is wall time of the last attempt; ``cost_usd`` in US dollars; ``logs`` is a
    list of strings. Sub-steps (``parent_key`` set) are a breakdown of their parent's usage.
    """

    __tablename__ = "steps"
    __table_args__ = (UniqueConstraint("run_id", "step_key"),)

    id: uuid.UUID = id_field()
    org_id: uuid.UUID = Field(foreign_key="organizations.id", index=True, ondelete="CASCADE")
    run_id: uuid.UUID = Field(foreign_key="runs.id", index=True, ondelete="CASCADE")
    step_key: str = Field(max_length=500)
    node_id: str = Field(max_length=64)
    node_type: str = Field(max_length=64)
    parent_key: str | None = Field(default=None, max_length=500)
    status: str = Field(default="running", max_length=20)
    attempt: int = 1
    inputs: Any = _nullable_json()
    output: Any = _nullable_json()
    handle: str | None = Field(default=None, max_length=100)
    error: str | None = Field(default=None, max_length=4000)
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = Field(
        default=0.0, sa_column=Column(Numeric(14, 6, asdecimal=False), nullable=False)
    )
    model: str | None = Field(default=None, max_length=200)
    logs: list[str] = json_field(list)
    duration_ms: int | None = None
    started_at: datetime | None = ts_field()
    finished_at: datetime | None = ts_field()


class RunEvent(SQLModel, table=True):
    """A persisted progress event; ``seq`` orders a run's events from 1."""

    __tablename__ = "run_events"
    __table_args__ = (UniqueConstraint("run_id", "seq"),)

    id: uuid.UUID = id_field()
    org_id: uuid.UUID = Field(foreign_key="organizations.id", index=True, ondelete="CASCADE")
    run_id: uuid.UUID = Field(foreign_key="runs.id", index=True, ondelete="CASCADE")
    seq: int
    type: str = Field(max_length=40)
    step_key: str | None = Field(default=None, max_length=500)
    node_id: str | None = Field(default=None, max_length=64)
    data: dict[str, Any] = json_field(dict)
    created_at: datetime = created_at_field()


class ApprovalStatus(StrEnum):
    """An approval request's state; only ``pending`` may change, and only once.

    ``cancelled``: its run ended (was cancelled, failed, ...) before anyone decided; no run
    ever reads it as a decision.
    """

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    TIMEOUT = "timeout"
    CANCELLED = "cancelled"


DECIDED = frozenset({ApprovalStatus.APPROVED, ApprovalStatus.REJECTED, ApprovalStatus.TIMEOUT})
"""The statuses a waiting approval step continues on (its branch handles)."""


class Approval(SQLModel, table=True):
    """A request for people to approve a paused run's step (one per run and step key).

    ``payload`` holds title/message/approvers/quorum/form fields; ``decision`` the comment and
    form data of the decision.
    """

    __tablename__ = "approvals"
    __table_args__ = (UniqueConstraint("run_id", "step_key"),)

    id: uuid.UUID = id_field()
    org_id: uuid.UUID = Field(foreign_key="organizations.id", index=True, ondelete="CASCADE")
    run_id: uuid.UUID = Field(foreign_key="runs.id", index=True, ondelete="CASCADE")
    step_key: str = Field(max_length=500)
    node_id: str = Field(max_length=64)
    payload: dict[str, Any] = json_field(dict)
    status: str = Field(default=ApprovalStatus.PENDING.value, max_length=20, index=True)
    decision: dict[str, Any] = json_field(dict)
    decided_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    decided_at: datetime | None = ts_field()
    expires_at: datetime | None = ts_field(index=True)
    created_at: datetime = created_at_field()
    # The inbox (services.approvals.inbox): who may decide (user ids, resolved when the request
    # opens; reassignment and escalation change it), who claimed it, reminder/escalation marks.
    assignee_ids: list[str] = json_field(list)
    claimed_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    claimed_at: datetime | None = ts_field()
    reminded_at: datetime | None = ts_field()
    escalated_at: datetime | None = ts_field()
