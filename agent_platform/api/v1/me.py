"""``/api/v1/me``: who the caller is, where, which organizations they can switch to, and their
notification preferences in the current organization."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends
from sqlmodel import Session

from agent_platform.api import deps
from agent_platform.api.v1.schemas import Body, Bool, OrgOut, OrgSummaryOut, Out, UserOut
from agent_platform.services.accounts import orgs
from agent_platform.services.approvals import notifications
from agent_platform.services.permissions import Principal

router = APIRouter(prefix="/api/v1", tags=["me"])


class MeOut(Out):
    """``user`` and ``role`` are ``null`` for an API key, which acts through ``scopes``."""

    user: UserOut | None
    org: OrgOut
    role: str | None
    orgs: list[OrgSummaryOut]
    api_key_id: uuid.UUID | None
    scopes: list[str]


@router.get("/me")
def get_me(principal: Principal = Depends(deps.principal), session: Session = deps.Db) -> MeOut:
    """The caller, their current organization and role, and all their organizations."""
    org = orgs.get_org(session, principal=principal)
    user = None
    summaries: list[orgs.OrgSummary] = []
    if principal.user_id is not None:
        user = orgs.get_current_user(session, principal=principal)
        summaries = orgs.list_my_orgs(session, user_id=user.id)
    return MeOut(
        user=UserOut.model_validate(user) if user else None,
        org=OrgOut.model_validate(org),
        role=principal.role.value if principal.role else None,
        orgs=[OrgSummaryOut.model_validate(s) for s in summaries],
        api_key_id=principal.api_key_id,
        scopes=sorted(s.value for s in principal.scopes),
    )


class NotificationPreferencesOut(Out):
    """The caller's notifications in the current organization (people only, not API keys)."""

    approval_email: Bool


class NotificationPreferencesIn(Body):
    """``approval_email: false`` stops approval emails (the in-app inbox stays)."""

    approval_email: Bool


Auth = Depends(deps.principal)
Db = deps.Db


@router.get("/me/notification-preferences")
def get_notification_preferences(
    principal: Principal = Auth, session: Session = Db
) -> NotificationPreferencesOut:
    """Whether approval requests also reach the caller by email."""
    enabled = notifications.get_email_preference(session, principal=principal)
    return NotificationPreferencesOut(approval_email=enabled)


@router.put("/me/notification-preferences")
def set_notification_preferences(
    body: NotificationPreferencesIn, principal: Principal = Auth, session: Session = Db
) -> NotificationPreferencesOut:
    """Turn the caller's approval emails on or off."""
    notifications.set_email_preference(session, principal=principal, enabled=body.approval_email)
    return NotificationPreferencesOut(
        approval_email=notifications.get_email_preference(session, principal=principal)
    )
