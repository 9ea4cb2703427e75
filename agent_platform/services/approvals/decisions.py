"""Approvals: the engine's ``ApprovalGate`` on Postgres and the exactly-once decision.

The approval node opens a request (idempotent per run and step key) and the run pauses. A
person's decision is taken under row locks (the runs, root first, then the request), only
once; it enqueues the resume of the run's root after commit (parents drive sub-agent runs),
and the resumed run reads the decision through the gate.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from agent_platform.models.approvals import ApprovalVote
from agent_platform.models.base import utcnow
from agent_platform.models.orgs import Membership, Role, TeamMember
from agent_platform.models.runs import Approval, ApprovalStatus, Run
from agent_platform.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from agent_platform.services.permissions import ROLE_RANK, Permission, Principal
from agent_platform.services.queue import NOTIFY_APPROVAL, enqueue_after_commit
from agent_platform.services.runs import tree
from agent_platform.services.runs.lifecycle import enqueue_resume


def resolve_assignees(
    session: Session,
    org_id: uuid.UUID,
    approvers: dict[str, Any],
    *,
    exclude: uuid.UUID | None = None,
) -> list[str]:
    """The org members (user id strings) named by ``approvers``, who may decide.

    Named users must be members; a role means members of at least that rank; a team means its
    members. Viewers never decide. ``exclude`` (the requester) is left out.
    """
    rows = session.exec(
        select(Membership.user_id, Membership.role).where(Membership.org_id == org_id)
    ).all()
    ranks = {str(uid): ROLE_RANK.get(Role(role), 0) for uid, role in rows if role in _ROLES}
    named = {str(u) for u in approvers.get("user_ids") or []}
    role = approvers.get("role")
    floor = ROLE_RANK[Role(role)] if role in _ROLES else None
    team = _team_members(session, org_id, approvers.get("team_id"))
    found = [
        uid
        for uid, rank in ranks.items()
        if rank > 0 and (uid in named or uid in team or (floor is not None and rank >= floor))
    ]
    return sorted(u for u in found if u != (str(exclude) if exclude else None))


_ROLES = {r.value for r in Role}


def _team_members(session: Session, org_id: uuid.UUID, team_id: Any) -> set[str]:
    if not team_id:
        return set()
    try:
        team_uuid = uuid.UUID(str(team_id))
    except ValueError:
        return set()
    rows = session.exec(
        select(TeamMember.user_id).where(
            TeamMember.team_id == team_uuid, TeamMember.org_id == org_id
        )
    ).all()
    return {str(u) for u in rows}


def may_decide(session: Session, principal: Principal, approval: Approval) -> bool:
    """Whether ``principal`` is one of the approval's assignees (and may decide at all).

    Rows opened before assignees were resolved fall back to the payload's approvers.
    """
    if principal.user_id is None or not principal.can(Permission.DECIDE_APPROVALS):
        return False
    me = str(principal.user_id)
    if approval.assignee_ids:
        return me in approval.assignee_ids
    approvers = approval.payload.get("approvers") or {}
    return me in resolve_assignees(session, approval.org_id, approvers)


def quorum_needed(approval: Approval) -> int:
    """How many approvals decide it: 1 for ``any``, everyone for ``all``, else the number."""
    quorum = approval.payload.get("quorum", "any")
    if quorum == "all":
        return max(1, len(approval.assignee_ids))
    return quorum if isinstance(quorum, int) and quorum > 0 else 1


def decide_approval(
    session: Session,
    *,
    principal: Principal,
    approval_id: uuid.UUID,
    decision: str,
    comment: str = "",
    data: dict[str, Any] | None = None,
) -> Approval:
    """Vote on an approval; once the quorum is met (or anyone rejects) it is decided, once.

    The rows are locked (``SELECT ... FOR UPDATE``), so of two concurrent decisions one wins
    and the other sees it decided; the resume of the run (through its root run, for a
    sub-agent run) is enqueued after commit, only by the vote that decided it. A rejection
    by any approver rejects.

    Raises:
        Forbidden: without ``DECIDE_APPROVALS``, when not an assignee, when the requester may
            not approve their own run, or when someone else claimed it.
        NotFound: no such approval in the principal's org.
        InvalidInput: ``decision`` is not ``approved``/``rejected``.
        Conflict: already decided, expired, already voted, or the run is no longer waiting.
    """
    principal.require(Permission.DECIDE_APPROVALS)
    if decision not in (ApprovalStatus.APPROVED, ApprovalStatus.REJECTED):
        raise InvalidInput("decision must be 'approved' or 'rejected'.")
    approval, run = _lock_open(session, principal, approval_id)
    _check_decider(session, principal, approval, run)
    votes = _votes(session, approval.id)
    if any(v.user_id == principal.user_id for v in votes):
        raise Conflict("You already voted on this approval.")
    vote = ApprovalVote(
        org_id=approval.org_id, approval_id=approval.id, user_id=principal.user_id,
        user_email=principal.email, decision=decision, comment=comment, data=dict(data or {}),
    )  # fmt: skip
    session.add(vote)
    votes.append(vote)
    approvals = [v for v in votes if v.decision == ApprovalStatus.APPROVED]
    if decision == ApprovalStatus.REJECTED or len(approvals) >= quorum_needed(approval):
        merged: dict[str, Any] = {}
        for v in votes:
            merged.update(v.data)
        approval.status = decision
        approval.decision = {"comment": comment, "data": merged, "votes": len(votes)}
        approval.decided_by = principal.user_id
        approval.decided_at = utcnow()
        enqueue_resume(session, run.id)
        enqueue_after_commit(
            session, NOTIFY_APPROVAL,
            approval_id=str(approval.id), event="decided",
        )  # fmt: skip
    session.add(approval)
    return approval


def _votes(session: Session, approval_id: uuid.UUID) -> list[ApprovalVote]:
    statement = select(ApprovalVote).where(ApprovalVote.approval_id == approval_id)
    return list(session.exec(statement.order_by(col(ApprovalVote.created_at))))


def _check_decider(session: Session, principal: Principal, approval: Approval, run: Run) -> None:
    if approval.payload.get("requester_cannot_approve") and run.created_by == principal.user_id:
        raise Forbidden("You started this run, so you cannot approve it yourself.")
    if not may_decide(session, principal, approval):
        raise Forbidden("You are not one of the approvers of this request.")
    if approval.claimed_by not in (None, principal.user_id) and quorum_needed(approval) == 1:
        raise Forbidden("Someone else claimed this approval; ask them to unclaim it first.")


def check_pending(approval: Approval) -> None:
    """Raise ``Conflict`` unless the approval is pending and before its deadline."""
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


def has_voted(session: Session, approval_id: uuid.UUID, user_id: uuid.UUID | None) -> bool:
    """Whether ``user_id`` already voted on the approval."""
    statement = select(ApprovalVote.id).where(
        ApprovalVote.approval_id == approval_id, ApprovalVote.user_id == user_id
    )
    return session.exec(statement).first() is not None


def _lock_open(
    session: Session, principal: Principal, approval_id: uuid.UUID
) -> tuple[Approval, Run]:
    """The pending approval and its waiting run, locked: the runs root first, then the request.

    Locking the runs orders this decision against a worker pausing the run (see
    ``lifecycle.finish``) and against a cancellation: one always sees the other's commit.
    """
    run_id = session.exec(
        select(Approval.run_id).where(
            Approval.id == approval_id, Approval.org_id == principal.org_id
        )
    ).first()
    if run_id is None:
        raise NotFound("Approval not found.")
    lineage = tree.lock_lineage(session, run_id)
    approval = session.exec(
        select(Approval)
        .where(Approval.id == approval_id, Approval.org_id == principal.org_id)
        .with_for_update()
        # A row the session loaded before the lock must be re-read, or its status is stale.
        .execution_options(populate_existing=True)
    ).one()
    check_pending(approval)
    if not lineage or any(r.is_terminal for r in lineage):
        raise Conflict("The execution is no longer waiting for this approval.")
    return approval, lineage[-1]


def expire_approvals(session: Session, *, now: datetime) -> list[Approval]:
    """Mark pending approvals past ``expires_at`` as ``timeout`` and resume their runs.

    The runs take their ``timeout`` branch (a sub-agent run's through its root run);
    messages go out after the caller commits.
    """
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
        enqueue_resume(session, approval.run_id)
    return list(expired)


def clean_form_data(
    fields: list[dict[str, Any]], data: dict[str, Any], *, check_required: bool
) -> dict[str, Any]:
    """The approver's form values coerced to the fields' types; unknown keys are dropped.

    Raises:
        InvalidInput: a value of the wrong type, a select value not offered, or a required
            field left empty (checked when approving).
    """
    if not isinstance(data, dict):
        raise InvalidInput("Form data must be an object.")
    clean: dict[str, Any] = {}
    for spec in fields:
        name, kind = spec.get("name", ""), spec.get("type", "text")
        label = spec.get("label") or name
        value = data.get(name)
        if value is None or value == "":
            if check_required and spec.get("required") and kind != "boolean":
                raise InvalidInput(f"'{label}' is required.", details={"field": name})
            if kind == "boolean":
                clean[name] = False
            continue
        clean[name] = _coerce(kind, value, label, spec.get("options") or [])
    return clean


def _coerce(kind: str, value: Any, label: str, options: list[str]) -> Any:
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        return str(value).lower() in ("true", "on", "yes", "1")
    if kind == "number":
        try:
            number = float(str(value).strip())
        except ValueError:
            raise InvalidInput(f"'{label}' must be a number.") from None
        return int(number) if number.is_integer() else number
    text = value if isinstance(value, str) else str(value)
    if len(text) > 20_000:
        raise InvalidInput(f"'{label}' is too long.")
    if kind == "select" and text not in options:
        raise InvalidInput(f"'{label}' must be one of: {', '.join(options)}.")
    return text
