"""Approvals: the engine's ``ApprovalGate`` on Postgres and the exactly-once decision.

The approval node opens a request (idempotent per run and step key) and the run pauses. A
person's decision is taken under a row lock, only once; it enqueues the run's resume after
commit, and the resumed run reads the decision through the gate.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session, col, select

from agent_platform.engine.protocols import ApprovalDecision
from agent_platform.models.base import utcnow
from agent_platform.models.orgs import Role, TeamMember
from agent_platform.models.runs import Approval, ApprovalStatus, Run
from agent_platform.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from agent_platform.services.permissions import ROLE_RANK, Permission, Principal
from agent_platform.services.queue import enqueue_after_commit
from agent_platform.services.run_store import in_session


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
        """Open the request once; a replayed step finds the existing row untouched."""
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
                expires_at=expires_at,
                created_at=utcnow(),
            )  # fmt: skip
            .on_conflict_do_nothing(index_elements=["run_id", "step_key"])
        )
        await in_session(lambda s: s.execute(statement))

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


def _may_decide(session: Session, principal: Principal, approvers: dict[str, Any]) -> bool:
    if principal.user_id is None:
        return False
    if str(principal.user_id) in {str(u) for u in approvers.get("user_ids") or []}:
        return True
    role = approvers.get("role")
    known = role in {r.value for r in Role} and principal.role is not None
    if known and ROLE_RANK[principal.role] >= ROLE_RANK[Role(role)]:
        return True
    team_id = approvers.get("team_id")
    if team_id:
        try:
            team_uuid = uuid.UUID(str(team_id))
        except ValueError:
            return False
        member = session.exec(
            select(TeamMember).where(
                TeamMember.team_id == team_uuid,
                TeamMember.org_id == principal.org_id,
                TeamMember.user_id == principal.user_id,
            )
        ).first()
        return member is not None
    return False


def decide_approval(
    session: Session,
    *,
    principal: Principal,
    approval_id: uuid.UUID,
    decision: str,
    comment: str = "",
    data: dict[str, Any] | None = None,
) -> Approval:
    """Approve or reject, exactly once; the run resumes after commit.

    The row is locked (``SELECT ... FOR UPDATE``), so of two concurrent decisions one wins and
    the other sees it decided.

    Raises:
        Forbidden: without ``DECIDE_APPROVALS`` or when not among the named approvers.
        NotFound: no such approval in the principal's org.
        InvalidInput: ``decision`` is not ``approved``/``rejected``.
        Conflict: already decided, expired, or the run is no longer waiting.
    """
    principal.require(Permission.DECIDE_APPROVALS)
    if decision not in (ApprovalStatus.APPROVED, ApprovalStatus.REJECTED):
        raise InvalidInput("decision must be 'approved' or 'rejected'.")
    approval = session.exec(
        select(Approval)
        .where(Approval.id == approval_id, Approval.org_id == principal.org_id)
        .with_for_update()
    ).first()
    if approval is None:
        raise NotFound("Approval not found.")
    _check_open(session, approval)
    if not _may_decide(session, principal, approval.payload.get("approvers") or {}):
        raise Forbidden("You are not one of the approvers of this request.")
    approval.status = decision
    approval.decision = {"comment": comment, "data": dict(data or {})}
    approval.decided_by = principal.user_id
    approval.decided_at = utcnow()
    session.add(approval)
    enqueue_after_commit(session, queue="runs", actor="execute_run", run_id=str(approval.run_id))
    return approval


def _check_open(session: Session, approval: Approval) -> None:
    if approval.status != ApprovalStatus.PENDING:
        raise Conflict(
            f"This approval was already decided ({approval.status}).",
            details={"status": approval.status},
        )
    if approval.expires_at is not None and approval.expires_at <= utcnow():
        raise Conflict(
            "This approval expired; it can no longer be decided.",
            details={"expires_at": approval.expires_at.isoformat()},
        )
    # Locking the run too orders this decision against a worker pausing the run (see
    # engine_services.finish_run): one of them always sees the other's commit.
    run = session.exec(select(Run).where(Run.id == approval.run_id).with_for_update()).first()
    if run is None or run.is_terminal:
        raise Conflict("The execution is no longer waiting for this approval.")


def expire_approvals(session: Session, *, now: datetime) -> list[Approval]:
    """Mark pending approvals past ``expires_at`` as ``timeout`` (caller resumes their runs)."""
    expired = session.exec(
        select(Approval)
        .where(Approval.status == ApprovalStatus.PENDING, col(Approval.expires_at) < now)
        .with_for_update(skip_locked=True)
        .limit(500)
    ).all()
    for approval in expired:
        approval.status = ApprovalStatus.TIMEOUT.value
        approval.decided_at = now
        session.add(approval)
    return list(expired)
