"""Closing approval requests whose run ended before anyone decided.

A cancelled (or failed) run never reads its pending approvals again, so they leave the inbox
as ``cancelled``: in the same transaction as the cancellation (``services.runtime.cancel``,
the worker's claim and finish), and as a backstop in the approvals sweep for runs that ended
elsewhere. Each closed request is audited and its agent's webhook hears ``decided``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, true
from sqlmodel import Session, col, select

from agent_platform.models.base import utcnow
from agent_platform.models.runs import TERMINAL, Approval, ApprovalStatus, Run
from agent_platform.services import audit
from agent_platform.services.permissions import Principal
from agent_platform.services.queue import NOTIFY_APPROVAL, enqueue_after_commit

SWEEP_LIMIT = 500


def close_for_ended_runs(
    session: Session, *, run_ids: Sequence[uuid.UUID], actor: Principal | None = None
) -> list[Approval]:
    """Close the pending approvals of those of ``run_ids`` that have ended.

    Runs still live are left alone, so callers may pass a whole tree of runs. The caller
    commits; notifications go out after commit.

    Args:
        run_ids: runs to look at (a run and its sub-agent runs, typically).
        actor: who ended the runs (the audit entry's actor); ``None`` for the platform.

    Returns:
        The approvals closed now (already-closed ones are not repeated).
    """
    if not run_ids:
        return []
    return _close(session, col(Approval.run_id).in_(list(run_ids)), actor)


def close_orphaned(session: Session) -> int:
    """Backstop for the approvals sweep: close pending approvals of any ended run.

    Returns:
        How many were closed (at most ``SWEEP_LIMIT`` per call).
    """
    return len(_close(session, true(), None, sweep=True))


def _close(
    session: Session, where: ColumnElement[bool], actor: Principal | None, *, sweep: bool = False
) -> list[Approval]:
    statement = (
        select(Approval, Run.status)
        .join(Run, col(Run.id) == Approval.run_id)
        .where(where, Approval.status == ApprovalStatus.PENDING, col(Run.status).in_(TERMINAL))
        .order_by(col(Approval.id))
        .limit(SWEEP_LIMIT if sweep else None)
        # Runs were locked first (root first) by whoever ended them; these rows come after.
        # The sweep skips rows someone holds: they are being decided or closed right now.
        .with_for_update(of=Approval, skip_locked=sweep)
        .execution_options(populate_existing=True)
    )
    closed = []
    now = utcnow()
    for approval, run_status in session.exec(statement).all():
        approval.status = ApprovalStatus.CANCELLED.value
        approval.decided_at = now
        approval.decision = {"comment": f"Closed: the execution {run_status}.", "data": {}}
        session.add(approval)
        audit.record(
            session, action="approval.cancelled", org_id=approval.org_id, actor=actor,
            target_type="approval", target_id=approval.id,
            details={"run_id": str(approval.run_id), "run_status": run_status},
        )  # fmt: skip
        enqueue_after_commit(
            session, NOTIFY_APPROVAL, approval_id=str(approval.id), event="decided"
        )
        closed.append(approval)
    return closed
