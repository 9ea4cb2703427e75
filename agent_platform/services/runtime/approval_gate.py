"""``PgApprovalGate``: the engine's ``ApprovalGate`` on Postgres.

The approval node opens a request (idempotent per run and step key) and the run pauses; the
resumed run reads the decision (taken in ``services.approvals.decisions``) through the gate.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session, col, select

from agent_platform.db import in_session
from agent_platform.engine.protocols import ApprovalDecision
from agent_platform.models.base import utcnow
from agent_platform.models.runs import Approval, ApprovalStatus, Run
from agent_platform.services.approvals.decisions import resolve_assignees
from agent_platform.services.queue import NOTIFY_APPROVAL, enqueue_after_commit


class PgApprovalGate:
    """Approval requests of one run.

    Args:
        run_id: the run.
        org_id: its organization (stamped on rows, scopes reads).
    """

    def __init__(self, run_id: uuid.UUID, org_id: uuid.UUID) -> None:
        self.run_id = run_id
        self.org_id = org_id

    async def request(self, *, step_key: str, node_id: str, payload: dict[str, Any]) -> None:
        """Open the request once; a replayed step finds the existing row untouched.

        A new request gets its assignees resolved (named users, role, team; minus the
        requester when the node says so) and its notifications queued after commit.
        """
        minutes = payload.get("timeout_minutes")
        expires_at = utcnow() + timedelta(minutes=minutes) if minutes else None
        statement = (
            insert(Approval)
            .values(
                id=uuid.uuid4(),
                org_id=self.org_id,
                run_id=self.run_id,
                step_key=step_key,
                node_id=node_id,
                payload=payload,
                status=ApprovalStatus.PENDING.value,
                decision={},
                assignee_ids=[],
                expires_at=expires_at,
                created_at=utcnow(),
            )  # fmt: skip
            .on_conflict_do_nothing(index_elements=["run_id", "step_key"])
            .returning(Approval.id)
        )

        def open_request(session: Session) -> None:
            approval_id = session.execute(statement).scalar()
            if approval_id is None:
                return  # replayed: the request exists already
            run = session.get(Run, self.run_id)
            exclude = run.created_by if run and payload.get("requester_cannot_approve") else None
            assignees = resolve_assignees(
                session, self.org_id, payload.get("approvers") or {}, exclude=exclude
            )
            session.execute(
                update(Approval)
                .where(col(Approval.id) == approval_id)
                .values(assignee_ids=assignees)
            )
            enqueue_after_commit(
                session, NOTIFY_APPROVAL,
                approval_id=str(approval_id), event="requested",
            )  # fmt: skip

        await in_session(open_request)

    async def decision(self, *, step_key: str) -> ApprovalDecision | None:
        """The decision, ``timeout`` once expired, or ``None`` while pending."""
        return await in_session(lambda s: self._decision(s, step_key))

    def _decision(self, session: Session, step_key: str) -> ApprovalDecision | None:
        approval = session.exec(
            select(Approval).where(
                Approval.run_id == self.run_id,
                Approval.org_id == self.org_id,
                Approval.step_key == step_key,
            )
        ).first()
        if approval is None:
            return None
        if approval.status == ApprovalStatus.PENDING:
            if approval.expires_at is None or approval.expires_at > utcnow():
                return None
            session.execute(
                update(Approval)
                .where(col(Approval.id) == approval.id, col(Approval.status) == "pending")
                .values(status=ApprovalStatus.TIMEOUT.value, decided_at=utcnow())
            )
            return ApprovalDecision(outcome="timeout")
        return _as_decision(approval)


def _as_decision(approval: Approval) -> ApprovalDecision:
    return ApprovalDecision(
        outcome=approval.status,  # type: ignore[arg-type]
        comment=str(approval.decision.get("comment", "")),
        data=dict(approval.decision.get("data") or {}),
        decided_by=str(approval.decided_by) if approval.decided_by else None,
    )
