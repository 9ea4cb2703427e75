"""Write and read the audit log of security-relevant actions."""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import Session

from agent_platform.models.audit import AuditLog
from agent_platform.services.permissions import Principal


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
