"""Write and read the audit log of security-relevant actions."""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import Session, select

from agent_platform.models.audit import AuditLog
from agent_platform.services.pagination import Page, paginate
from agent_platform.services.permissions import Permission, Principal


def record(
    session: Session,
    *,
    action: str,
    org_id: uuid.UUID | None,
    actor: Principal | None = None,
    user_id: uuid.UUID | None = None,
    email: str = "",
    target_type: str = "",
    target_id: str | uuid.UUID = "",
    details: dict[str, Any] | None = None,
    ip: str = "",
) -> AuditLog:
    """Add one audit entry to ``session`` (the caller commits).

    Args:
        action: dotted verb such as ``auth.login``, ``member.role_changed``, ``api_key.created``.
        actor: the principal acting; ``user_id``/``email`` name the user when there is none yet
            (e.g. a failed login).
    """
    entry = AuditLog(
        org_id=org_id,
        actor_user_id=actor.user_id if actor else user_id,
        actor_api_key_id=actor.api_key_id if actor else None,
        actor_email=(actor.email if actor else email)[:320],
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        details=details or {},
        ip=(actor.ip if actor and actor.ip else ip)[:64],
    )
    session.add(entry)
    return entry


def list_audit_logs(
    session: Session, *, principal: Principal, cursor: str | None, limit: int | None = None
) -> Page[AuditLog]:
    """The principal's organization's audit log, newest first, one page at a time.

    Args:
        cursor: ``next_cursor`` from the previous page, or ``None`` for the newest entries.
        limit: page size, 1..100 (default 20).

    Returns:
        ``Page[AuditLog]``; ``next_cursor`` is ``None`` on the last page.

    Raises:
        Forbidden: without ``VIEW_AUDIT_LOG``.
        InvalidInput: bad cursor or limit.
    """
    principal.require(Permission.VIEW_AUDIT_LOG)
    statement = select(AuditLog).where(AuditLog.org_id == principal.org_id)
    return paginate(session, statement, model=AuditLog, cursor=cursor, limit=limit)
