"""``/api/v1/org/members``: list members, change a role, remove a member."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Response, status
from sqlmodel import Session

from agent_platform.api import deps
from agent_platform.api.v1.schemas import Body, MemberOut, Out
from agent_platform.models.orgs import Role
from agent_platform.services.accounts import orgs
from agent_platform.services.permissions import Principal

router = APIRouter(prefix="/api/v1/org/members", tags=["members"])


class RoleIn(Body):
    role: Role


class MembershipOut(Out):
    user_id: uuid.UUID
    role: str


@router.get("")
def list_members(
    principal: Principal = Depends(deps.principal), session: Session = deps.Db
) -> list[MemberOut]:
    """Every member of the organization, oldest first."""
    return [MemberOut.model_validate(m) for m in orgs.list_members(session, principal=principal)]


@router.patch("/{user_id}")
def change_role(
    user_id: uuid.UUID,
    body: RoleIn,
    principal: Principal = Depends(deps.principal),
    session: Session = deps.Db,
) -> MembershipOut:
    """Change a member's role. Only owners grant or take away ``owner``; 409 for the last one."""
    membership = orgs.change_role(session, principal=principal, user_id=user_id, role=body.role)
    return MembershipOut.model_validate(membership)


@router.delete("/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_member(
    user_id: uuid.UUID,
    principal: Principal = Depends(deps.principal),
    session: Session = deps.Db,
) -> Response:
    """Remove a member (or leave, with your own id). 409 for the last owner."""
    orgs.remove_member(session, principal=principal, user_id=user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
