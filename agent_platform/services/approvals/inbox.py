"""The approvals inbox: list, inspect, decide, claim, reassign and export approval requests.

Requests are opened by the approval node (``services.approvals.decisions.PgApprovalGate``) and
decided exactly once by ``approval_gate.decide_approval``; this module is what people use.
Everything is scoped to the principal's organization; viewing needs ``VIEW_RUNS``, acting
needs ``DECIDE_APPROVALS`` and being an assignee.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import func, or_, type_coerce
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Session, col, select

from agent_platform.models.accounts import User
from agent_platform.models.agents import Agent
from agent_platform.models.approvals import ApprovalVote
from agent_platform.models.base import utcnow
from agent_platform.models.orgs import Membership, Role
from agent_platform.models.runs import Approval, ApprovalStatus, Run, RunStatus
from agent_platform.services import audit
from agent_platform.services.approvals.decisions import (
    check_pending,
    clean_form_data,
    decide_approval,
    has_voted,
    may_decide,
    quorum_needed,
)
from agent_platform.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from agent_platform.services.permissions import Permission, Principal
from agent_platform.services.queue import NOTIFY_APPROVAL, enqueue_after_commit
from agent_platform.services.runs import tree
from agent_platform.services.runs.runs import list_steps

MAX_LIST = 200


@dataclass
class ApprovalSummary:
    """One row of the inbox."""

    approval: Approval
    agent_id: uuid.UUID
    agent_name: str
    can_decide: bool
    decided_by_email: str = ""
    claimed_by_email: str = ""


@dataclass
class ApprovalDetail:
    """An approval with what an approver needs to decide: run context, form and history."""

    summary: ApprovalSummary
    run: Run
    steps: list[dict[str, Any]] = field(default_factory=list)
    votes: list[ApprovalVote] = field(default_factory=list)
    assignees: list[tuple[str, str]] = field(default_factory=list)  # (user id, label)
    quorum: int = 1


def _base(principal: Principal):
    return (
        select(Approval, Agent.id, Agent.name)
        .join(Run, col(Run.id) == Approval.run_id)
        .join(Agent, col(Agent.id) == Run.agent_id)
        .where(Approval.org_id == principal.org_id, Run.org_id == principal.org_id)
    )


def assigned_to(user_id: uuid.UUID):
    """A SQL condition: ``user_id`` is among the approval's assignees."""
    return type_coerce(Approval.assignee_ids, JSONB).contains([str(user_id)])


def list_approvals(
    session: Session,
    *,
    principal: Principal,
    status: str = "pending",
    agent_id: uuid.UUID | None = None,
    assignee: str = "",
    older_than_minutes: int | None = None,
    search: str = "",
    limit: int = MAX_LIST,
) -> list[ApprovalSummary]:
    """The org's approvals, newest first.

    Args:
        status: ``pending``, ``decided`` (approved, rejected, timed out or cancelled with its
            run) or one status.
        assignee: ``"me"``, a user id, or empty for anyone.
        older_than_minutes: only requests waiting at least this long.
        search: matched against the title and the agent's name.

    Raises:
        Forbidden: without ``VIEW_RUNS``.
        InvalidInput: unknown status or assignee.
    """
    principal.require(Permission.VIEW_RUNS)
    statement = _base(principal)
    if status == "decided":
        statement = statement.where(Approval.status != ApprovalStatus.PENDING)
    elif status in {s.value for s in ApprovalStatus}:
        statement = statement.where(Approval.status == status)
    elif status:
        raise InvalidInput(f"Unknown approval status '{status}'.", details={"status": status})
    if agent_id is not None:
        statement = statement.where(Agent.id == agent_id)
    if assignee:
        who = principal.user_id if assignee == "me" else _uuid(assignee, "assignee")
        statement = statement.where(assigned_to(who)) if who else statement.where(False)
    if older_than_minutes:
        cutoff = utcnow() - timedelta(minutes=older_than_minutes)
        statement = statement.where(col(Approval.created_at) <= cutoff)
    if search := search.strip()[:200]:
        pattern = "%" + search.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%"
        title = type_coerce(Approval.payload, JSONB)["title"].astext
        statement = statement.where(or_(title.ilike(pattern), col(Agent.name).ilike(pattern)))
    order = col(Approval.decided_at) if status != "pending" else col(Approval.created_at)
    rows = session.exec(
        statement.order_by(order.desc().nulls_last(), col(Approval.id)).limit(min(limit, MAX_LIST))
    ).all()
    return _summaries(session, principal, rows)


def _summaries(session: Session, principal: Principal, rows: Any) -> list[ApprovalSummary]:
    people = {a.decided_by for a, _, _ in rows} | {a.claimed_by for a, _, _ in rows}
    emails = _emails(session, {p for p in people if p})
    return [
        ApprovalSummary(
            approval=a,
            agent_id=agent_id,
            agent_name=name,
            can_decide=a.status == ApprovalStatus.PENDING and may_decide(session, principal, a),
            decided_by_email=emails.get(a.decided_by, "") if a.decided_by else "",
            claimed_by_email=emails.get(a.claimed_by, "") if a.claimed_by else "",
        )  # fmt: skip
        for a, agent_id, name in rows
    ]


def _emails(session: Session, user_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not user_ids:
        return {}
    rows = session.exec(select(User.id, User.email).where(col(User.id).in_(user_ids))).all()
    return dict(rows)


def _uuid(value: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise InvalidInput(f"That {what} is not valid.") from None


def count_approvals(session: Session, *, principal: Principal) -> dict[str, int]:
    """``{"pending", "decided", "mine"}``: ``mine`` = pending ones the principal may decide."""
    principal.require(Permission.VIEW_RUNS)
    base = select(func.count()).select_from(Approval).where(Approval.org_id == principal.org_id)
    pending = session.exec(base.where(Approval.status == ApprovalStatus.PENDING)).one()
    decided = session.exec(base.where(Approval.status != ApprovalStatus.PENDING)).one()
    mine = 0
    if principal.user_id is not None and principal.can(Permission.DECIDE_APPROVALS):
        voted = select(ApprovalVote.approval_id).where(ApprovalVote.user_id == principal.user_id)
        mine = session.exec(
            base.where(
                Approval.status == ApprovalStatus.PENDING,
                assigned_to(principal.user_id),
                col(Approval.id).not_in(voted),
            )
        ).one()
    return {"pending": pending, "decided": decided, "mine": mine}


def get_approval(
    session: Session, *, principal: Principal, approval_id: uuid.UUID
) -> ApprovalDetail:
    """One approval with its run's context (inputs, earlier steps), votes and assignees.

    Raises:
        NotFound: no such approval in the principal's org.
    """
    principal.require(Permission.VIEW_RUNS)
    row = session.exec(_base(principal).where(Approval.id == approval_id)).first()
    if row is None:
        raise NotFound("Approval not found.")
    summary = _summaries(session, principal, [row])[0]
    approval = summary.approval
    run = session.get(Run, approval.run_id)
    assert run is not None  # joined above
    steps = [
        {"step_key": s.step_key, "node_id": s.node_id, "node_type": s.node_type,
         "status": s.status, "output": s.output}
        for s in list_steps(session, principal=principal, run_id=run.id)
        # Only what happened before the request: later and skipped steps are not context.
        if s.step_key != approval.step_key and s.parent_key is None and s.status != "skipped"
        and s.started_at is not None and s.started_at <= approval.created_at
    ]  # fmt: skip
    votes = list(
        session.exec(
            select(ApprovalVote)
            .where(ApprovalVote.approval_id == approval.id)
            .order_by(col(ApprovalVote.created_at))
        )
    )
    ids = {uuid.UUID(u) for u in approval.assignee_ids}
    users = session.exec(select(User).where(col(User.id).in_(ids))).all() if ids else []
    assignees = sorted((str(u.id), u.name or u.email) for u in users)
    return ApprovalDetail(summary, run, steps, votes, assignees, quorum_needed(approval))


def decide(
    session: Session,
    *,
    principal: Principal,
    approval_id: uuid.UUID,
    decision: str,
    comment: str = "",
    data: dict[str, Any] | None = None,
) -> Approval:
    """Validate the form values, then vote (exactly-once decision); audited.

    Raises:
        as ``approval_gate.decide_approval``; ``InvalidInput`` for bad form values.
    """
    principal.require(Permission.DECIDE_APPROVALS)
    if len(comment) > 5000:
        raise InvalidInput("The comment is too long (5000 characters at most).")
    approval = session.exec(
        select(Approval).where(Approval.id == approval_id, Approval.org_id == principal.org_id)
    ).first()
    if approval is None:
        raise NotFound("Approval not found.")
    if not may_decide(session, principal, approval):
        raise Forbidden("You are not one of the approvers of this request.")
    check_pending(approval)  # all re-checked under the row lock by decide_approval
    if has_voted(session, approval.id, principal.user_id):
        raise Conflict("You already voted on this approval.")
    fields = approval.payload.get("form_fields") or []
    clean = clean_form_data(fields, data or {}, check_required=decision == "approved")
    approval = decide_approval(
        session, principal=principal, approval_id=approval_id, decision=decision,
        comment=comment, data=clean,
    )  # fmt: skip
    audit.record(
        session, action=f"approval.{decision}", org_id=principal.org_id, actor=principal,
        target_type="approval", target_id=approval.id,
        details={"comment": comment[:500], "data": clean, "final": approval.status != "pending"},
    )  # fmt: skip
    return approval


def decide_run(
    session: Session,
    *,
    principal: Principal,
    run_id: uuid.UUID,
    decision: str = "approved",
    comment: str = "",
    data: dict[str, Any] | None = None,
) -> Approval:
    """Decide the oldest pending approval of run ``run_id`` that the principal may decide.

    Approvals of the paused sub-agent runs it waits for count as its own.

    Raises:
        NotFound: no such run in the org. Conflict: it waits for no approval of yours.
    """
    principal.require(Permission.DECIDE_APPROVALS)
    run = session.exec(select(Run).where(Run.id == run_id, Run.org_id == principal.org_id)).first()
    if run is None:
        raise NotFound("Execution not found.")
    waiting = tree.waiting_runs(session, run.id)
    pending = session.exec(
        select(Approval)
        .where(col(Approval.run_id).in_(waiting), Approval.status == ApprovalStatus.PENDING)
        .order_by(col(Approval.created_at))
    ).all()
    mine = [a for a in pending if may_decide(session, principal, a)]
    if not pending or run.status != RunStatus.PAUSED:
        raise Conflict("This execution is not waiting for an approval.")
    if not mine:
        raise Forbidden("You are not one of the approvers of this request.")
    return decide(
        session, principal=principal, approval_id=mine[0].id, decision=decision,
        comment=comment, data=data,
    )  # fmt: skip


def _pending_for_update(session: Session, principal: Principal, approval_id: uuid.UUID) -> Approval:
    approval = session.exec(
        select(Approval)
        .where(Approval.id == approval_id, Approval.org_id == principal.org_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if approval is None:
        raise NotFound("Approval not found.")
    if approval.status != ApprovalStatus.PENDING:
        raise Conflict(f"This approval was already decided ({approval.status}).")
    return approval


def set_claim(
    session: Session, *, principal: Principal, approval_id: uuid.UUID, claim: bool
) -> Approval:
    """Claim (``claim=True``) or release a pending approval; only assignees may claim.

    Raises:
        Forbidden: not an assignee, or releasing someone else's claim without being an admin.
        Conflict: decided already, or someone else holds the claim.
    """
    principal.require(Permission.DECIDE_APPROVALS)
    approval = _pending_for_update(session, principal, approval_id)
    if claim:
        if not may_decide(session, principal, approval):
            raise Forbidden("You are not one of the approvers of this request.")
        if approval.claimed_by not in (None, principal.user_id):
            raise Conflict("Someone else already claimed this approval.")
        approval.claimed_by, approval.claimed_at = principal.user_id, utcnow()
    else:
        mine = approval.claimed_by in (None, principal.user_id)
        if not mine and not principal.can(Permission.MANAGE_MEMBERS):
            raise Forbidden("Only the person who claimed it, or an admin, can release it.")
        approval.claimed_by, approval.claimed_at = None, None
    session.add(approval)
    action = "approval.claimed" if claim else "approval.unclaimed"
    audit.record(session, action=action, org_id=principal.org_id, actor=principal,
                 target_type="approval", target_id=approval.id)  # fmt: skip
    return approval


def reassign(
    session: Session, *, principal: Principal, approval_id: uuid.UUID, user_id: uuid.UUID
) -> Approval:
    """Hand a pending approval to another member (an assignee or an admin may do this).

    The new person becomes its only assignee; the claim is released and they are notified.

    Raises:
        Forbidden: neither an assignee nor an admin. InvalidInput: the target cannot decide.
    """
    principal.require(Permission.DECIDE_APPROVALS)
    approval = _pending_for_update(session, principal, approval_id)
    if not (may_decide(session, principal, approval) or principal.can(Permission.MANAGE_MEMBERS)):
        raise Forbidden("Only an approver or an admin can reassign this request.")
    role = session.exec(
        select(Membership.role).where(
            Membership.org_id == principal.org_id, Membership.user_id == user_id
        )
    ).first()
    if role is None or role == Role.VIEWER:
        raise InvalidInput("Reassign to a member who can approve (not a viewer).")
    run = session.get(Run, approval.run_id)
    if approval.payload.get("requester_cannot_approve") and run and run.created_by == user_id:
        raise InvalidInput("That member started this run and cannot approve it.")
    approval.assignee_ids = [str(user_id)]
    approval.claimed_by, approval.claimed_at = None, None
    session.add(approval)
    audit.record(session, action="approval.reassigned", org_id=principal.org_id, actor=principal,
                 target_type="approval", target_id=approval.id,
                 details={"to": str(user_id)})  # fmt: skip
    enqueue_after_commit(session, NOTIFY_APPROVAL,
                         approval_id=str(approval.id), event="assigned",
                         user_ids=[str(user_id)])  # fmt: skip
    return approval
