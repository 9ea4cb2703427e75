"""Invitations: ``/api/v1/org/invitations`` (admins) and ``/api/v1/invitations`` (invitees).

The invitee's endpoints take the emailed token in the body, never in the URL, so it does not
end up in access logs; they need a signed-in user whose email matches the invitation.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter, Depends, Request, Response, status
from pydantic import Field
from sqlmodel import Session

from agent_platform import routes
from agent_platform.api import deps
from agent_platform.api.v1.schemas import Body, Out
from agent_platform.models.orgs import Role
from agent_platform.services.accounts import auth, invitations, orgs
from agent_platform.services.permissions import Principal
from agent_platform.settings import get_settings

router = APIRouter(prefix="/api/v1", tags=["invitations"])


class InviteIn(Body):
    email: str = Field(max_length=320)
    role: Role = Role.VIEWER


class TokenIn(Body):
    token: str = Field(max_length=200)


class InvitationOut(Out):
    id: uuid.UUID
    email: str
    role: str
    invited_by: uuid.UUID | None
    created_at: datetime
    expires_at: datetime


class PreviewOut(Out):
    org_name: str
    email: str
    role: str
    inviter_email: str


class AcceptedOut(Out):
    org_id: uuid.UUID
    role: str


@router.post("/org/invitations", status_code=status.HTTP_201_CREATED)
def invite(
    body: InviteIn,
    principal: Principal = Depends(deps.principal),
    session: Session = deps.Db,
) -> InvitationOut:
    """Email a single-use invitation link. 409 if the email is already a member."""
    invitation = invitations.invite_member(
        session,
        principal=principal,
        email=body.email,
        role=body.role,
        accept_url=get_settings().base_url.rstrip("/") + routes.INVITE,
    )
    return InvitationOut.model_validate(invitation)


@router.get("/org/invitations")
def list_invitations(
    principal: Principal = Depends(deps.principal), session: Session = deps.Db
) -> list[InvitationOut]:
    """Pending invitations, newest first."""
    rows = invitations.list_invitations(session, principal=principal)
    return [InvitationOut.model_validate(i) for i in rows]


@router.delete("/org/invitations/{invitation_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_invitation(
    invitation_id: uuid.UUID,
    principal: Principal = Depends(deps.principal),
    session: Session = deps.Db,
) -> Response:
    """Make an invitation's link stop working."""
    invitations.revoke_invitation(session, principal=principal, invitation_id=invitation_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/invitations/preview")
def preview_invitation(
    body: TokenIn,
    principal: Principal = Depends(deps.principal),
    session: Session = deps.Db,
) -> PreviewOut:
    """What an emailed token invites to (422 if it is unknown, used, revoked or expired)."""
    orgs.require_user(principal)
    return PreviewOut.model_validate(invitations.preview_invitation(session, token=body.token))


@router.post("/invitations/accept")
def accept_invitation(
    body: TokenIn,
    request: Request,
    principal: Principal = Depends(deps.principal),
    session: Session = deps.Db,
) -> AcceptedOut:
    """Join the organization as the signed-in user and make it the session's current one.

    403 when the signed-in email is not the invited one; 422 when the token no longer works.
    """
    user_id = orgs.require_user(principal)
    membership = invitations.accept_invitation(session, token=body.token, user_id=user_id)
    token = deps.credential_from(request) or ""
    if token.startswith(auth.SESSION_PREFIX):
        auth.switch_org(session, token=token, org_id=membership.org_id)
    return AcceptedOut(org_id=membership.org_id, role=membership.role)
