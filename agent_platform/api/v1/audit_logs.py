"""``/api/v1/org/audit-logs``: the organization's audit log, newest first, cursor-paginated."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query
from sqlmodel import Session

from agent_platform.api import deps
from agent_platform.api.v1.schemas import Out
from agent_platform.services import audit
from agent_platform.services.pagination import DEFAULT_LIMIT, MAX_LIMIT
from agent_platform.services.permissions import Principal

router = APIRouter(prefix="/api/v1/org/audit-logs", tags=["audit"])


class AuditLogOut(Out):
    id: uuid.UUID
    action: str
    actor_user_id: uuid.UUID | None
    actor_api_key_id: uuid.UUID | None
    actor_email: str
    target_type: str
    target_id: str
    details: dict[str, Any]
    ip: str
    created_at: datetime


class AuditLogPage(Out):
    """``next_cursor`` is ``null`` on the last page; pass it back as ``?cursor=``."""

    items: list[AuditLogOut]
    next_cursor: str | None


@router.get("")
def list_audit_logs(
    cursor: str | None = Query(default=None, max_length=200),
    limit: int = Query(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    principal: Principal = Depends(deps.principal),
    session: Session = deps.Db,
) -> AuditLogPage:
    """One page of audit entries (owners and admins)."""
    page = audit.list_audit_logs(session, principal=principal, cursor=cursor, limit=limit)
    return AuditLogPage(
        items=[AuditLogOut.model_validate(e) for e in page.items], next_cursor=page.next_cursor
    )
