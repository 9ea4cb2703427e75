"""Approval notifications: emails with one-time links, agent webhooks, reminders, escalation.

Email links carry a random token (``secrets``) whose SHA-256 alone is stored; a link works
once, expires, and only for the approver it was sent to, who must be logged in. Webhooks go
through the one egress guard, signed as ``services.approvals.webhooks`` describes.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from agent_platform import routes
from agent_platform.models.accounts import User
from agent_platform.models.agents import Agent
from agent_platform.models.approvals import (
    ApprovalLink,
    ApprovalVote,
    ApprovalWebhook,
    NotificationPreference,
)
from agent_platform.models.base import utcnow
from agent_platform.models.runs import Approval, ApprovalStatus, Run
from agent_platform.services import audit
from agent_platform.services.approvals.decisions import resolve_assignees
from agent_platform.services.approvals.webhooks import sign
from agent_platform.services.errors import Forbidden, InvalidInput, NotFound
from agent_platform.services.mail import queue_email
from agent_platform.services.permissions import Principal
from agent_platform.services.queue import SEND_APPROVAL_WEBHOOK, enqueue_after_commit
from agent_platform.services.tokens import new_token, token_hash
from agent_platform.settings import get_settings

LINK_DAYS = 7
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
EVENTS = ("requested", "assigned", "reminder", "escalated", "decided")


def approval_url(approval_id: uuid.UUID | str) -> str:
    """The inbox with this approval open."""
    return routes.with_query(routes.APPROVALS, id=str(approval_id))


def link_url(token: str) -> str:
    """The absolute one-time link sent by email.

    It goes through log-in (which passes signed-in people straight on), so the token in the
    query string survives the log-in step.
    """
    base = get_settings().base_url.rstrip("/")
    return base + routes.login_url(routes.with_query(routes.APPROVALS, token=token))


def create_link(session: Session, approval: Approval, user_id: uuid.UUID) -> str:
    """A new single-use link token for ``user_id`` (expires with the approval, 7 days at most)."""
    token = new_token("apl_")
    expires = utcnow() + timedelta(days=LINK_DAYS)
    if approval.expires_at is not None:
        expires = min(expires, approval.expires_at)
    session.add(
        ApprovalLink(
            org_id=approval.org_id,
            approval_id=approval.id,
            user_id=user_id,
            token_hash=token_hash(token),
            expires_at=expires,
        )  # fmt: skip
    )
    return token


def redeem_link(session: Session, *, principal: Principal, token: str) -> uuid.UUID:
    """Use a link once; returns its approval's id.

    Raises:
        NotFound: unknown token, or another organization's.
        Forbidden: the link was sent to someone else.
        InvalidInput: already used or expired.
    """
    if not token or len(token) > 200:
        raise NotFound("This approval link is not valid.")
    link = session.exec(
        select(ApprovalLink).where(ApprovalLink.token_hash == token_hash(token)).with_for_update()
    ).first()
    if link is None or link.org_id != principal.org_id:
        raise NotFound("This approval link is not valid here. Switch to its organization.")
    if link.user_id != principal.user_id:
        raise Forbidden("This link was sent to another approver. Log in as that person.")
    if link.used_at is not None:
        raise InvalidInput("This link was already used; the request is in your inbox.")
    if link.expires_at is not None and link.expires_at <= utcnow():
        raise InvalidInput("This link has expired; the request is in your inbox.")
    link.used_at = utcnow()
    session.add(link)
    return link.approval_id


def wants_email(session: Session, org_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    """Whether the member gets approval emails (default: yes)."""
    pref = session.exec(
        select(NotificationPreference).where(
            NotificationPreference.org_id == org_id, NotificationPreference.user_id == user_id
        )
    ).first()
    return pref is None or pref.approval_email


def get_email_preference(session: Session, *, principal: Principal) -> bool:
    """The caller's approval-email preference in the current org."""
    if principal.user_id is None:
        raise Forbidden("Only people have notification preferences.")
    return wants_email(session, principal.org_id, principal.user_id)


def set_email_preference(session: Session, *, principal: Principal, enabled: bool) -> None:
    """Turn the caller's approval emails on or off (in-app notifications stay)."""
    if principal.user_id is None:
        raise Forbidden("Only people have notification preferences.")
    pref = session.exec(
        select(NotificationPreference).where(
            NotificationPreference.org_id == principal.org_id,
            NotificationPreference.user_id == principal.user_id,
        )
    ).first() or NotificationPreference(org_id=principal.org_id, user_id=principal.user_id)
    pref.approval_email = bool(enabled)
    session.add(pref)


def notify(
    session: Session, *, approval_id: uuid.UUID, event: str, user_ids: list[str] | None = None
) -> int:
    """Email the approvers (their one-time links) and queue the agent's webhook.

    ``user_ids`` narrows the emails (reassignment, escalation); by default every assignee who
    has not voted yet. ``decided`` events only go to the webhook.

    Returns:
        The number of emails queued.
    """
    approval = session.get(Approval, approval_id)
    if approval is None or event not in EVENTS:
        return 0
    run = session.get(Run, approval.run_id)
    agent = session.get(Agent, run.agent_id) if run else None
    if run is None or agent is None:
        return 0
    hook = session.exec(select(ApprovalWebhook).where(ApprovalWebhook.agent_id == agent.id)).first()
    if hook is not None and hook.enabled:
        enqueue_after_commit(session, SEND_APPROVAL_WEBHOOK,
                             approval_id=str(approval.id), event=event)  # fmt: skip
    if event == "decided" or approval.status != ApprovalStatus.PENDING:
        return 0
    voted = set(
        session.exec(select(ApprovalVote.user_id).where(ApprovalVote.approval_id == approval.id))
    )
    targets = {uuid.UUID(u) for u in (user_ids or approval.assignee_ids)} - voted
    users = session.exec(select(User).where(col(User.id).in_(targets))).all() if targets else []
    sent = 0
    for user in users:
        if not user.is_active or not wants_email(session, approval.org_id, user.id):
            continue
        token = create_link(session, approval, user.id)
        queue_email(session, to=user.email, subject=_subject(event, approval, agent),
                    text=_body(event, approval, agent, link_url(token)))  # fmt: skip
        sent += 1
    return sent


def _subject(event: str, approval: Approval, agent: Agent) -> str:
    """One line: the title is run data, and a line break would end the header (or, kept,
    make the message unsendable)."""
    prefix = {"reminder": "Reminder: ", "escalated": "Escalated: "}.get(event, "")
    title = f"{prefix}Approval needed: {approval.payload.get('title', 'Approval')} ({agent.name})"
    return " ".join(_CONTROL.sub(" ", title).split())[:200]


def _body(event: str, approval: Approval, agent: Agent, url: str) -> str:
    message = str(approval.payload.get("message") or "")[:2000]
    deadline = (
        f"\nDecide before {approval.expires_at:%Y-%m-%d %H:%M UTC}.\n"
        if approval.expires_at
        else ""
    )
    why = {
        "assigned": "This request was assigned to you.",
        "escalated": "This request was escalated to you.",
        "reminder": "This request is still waiting for you.",
    }.get(event, f"The agent {agent.name} is waiting for your decision.")
    return (
        f"{why}\n\n{approval.payload.get('title', 'Approval')}\n{message}\n{deadline}\n"
        f"Open it (you will be asked to log in; the link works once):\n{url}\n"
    )


def webhook_request(
    session: Session, *, approval_id: uuid.UUID, event: str
) -> tuple[str, str, str]:
    """``(url, body, signature)`` for the agent's webhook; empty url when there is none.

    The body carries ids, title, status and a link, never form values or run data.
    """
    approval = session.get(Approval, approval_id)
    run = session.get(Run, approval.run_id) if approval else None
    hook = (
        session.exec(
            select(ApprovalWebhook).where(ApprovalWebhook.agent_id == run.agent_id)
        ).first()
        if run
        else None
    )
    if approval is None or run is None or hook is None or not hook.enabled:
        return "", "", ""
    body = json.dumps({
        "event": f"approval.{event}", "approval_id": str(approval.id), "run_id": str(run.id),
        "agent_id": str(run.agent_id), "title": approval.payload.get("title", ""),
        "status": approval.status, "created_at": _iso(approval.created_at),
        "expires_at": _iso(approval.expires_at),
        "url": get_settings().base_url.rstrip("/") + approval_url(approval.id),
    })  # fmt: skip
    return hook.url, body, sign(hook.id, body)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def sweep_deadlines(session: Session, *, now: datetime | None = None) -> dict[str, int]:
    """Send due reminders and escalations of pending approvals (call periodically).

    Returns:
        ``{"reminded": n, "escalated": n}``.
    """
    now = now or utcnow()
    counts = {"reminded": 0, "escalated": 0}
    pending = session.exec(
        select(Approval)
        .where(Approval.status == ApprovalStatus.PENDING)
        .where((col(Approval.reminded_at).is_(None)) | (col(Approval.escalated_at).is_(None)))
        .with_for_update(skip_locked=True)
        .limit(500)
    ).all()
    for approval in pending:
        if approval.expires_at is not None and approval.expires_at <= now:
            continue  # the run sweeper times it out
        plan = approval.payload.get("escalation") or {}
        age = now - approval.created_at
        remind = plan.get("remind_after_minutes")
        if approval.reminded_at is None and remind and age >= timedelta(minutes=remind):
            approval.reminded_at = now
            notify(session, approval_id=approval.id, event="reminder")
            counts["reminded"] += 1
        escalate = plan.get("escalate_after_minutes")
        if approval.escalated_at is None and escalate and age >= timedelta(minutes=escalate):
            approval.escalated_at = now
            added = _escalate(session, approval, plan.get("escalate_to") or {})
            if added:
                notify(session, approval_id=approval.id, event="escalated", user_ids=added)
            counts["escalated"] += 1
        session.add(approval)
    return counts


def _escalate(session: Session, approval: Approval, target: dict[str, Any]) -> list[str]:
    run = session.get(Run, approval.run_id)
    exclude = run.created_by if run and approval.payload.get("requester_cannot_approve") else None
    extra = resolve_assignees(session, approval.org_id, target, exclude=exclude)
    added = [u for u in extra if u not in approval.assignee_ids]
    approval.assignee_ids = [*approval.assignee_ids, *added]
    audit.record(session, action="approval.escalated", org_id=approval.org_id,
                 target_type="approval", target_id=approval.id,
                 details={"added": added})  # fmt: skip
    return added
