"""``/api/v1/org`` (the caller's current organization) and ``/api/v1/orgs`` (create another)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, status
from pydantic import Field
from sqlmodel import Session

from agent_platform.api import deps
from agent_platform.api.v1.schemas import Body, OrgOut
from agent_platform.services.accounts import orgs
from agent_platform.services.permissions import Principal

router = APIRouter(prefix="/api/v1", tags=["org"])


class OrgRenameIn(Body):
    name: str = Field(max_length=200)


class OrgCreateIn(Body):
    name: str = Field(max_length=200)


@router.get("/org")
def get_org(principal: Principal = Depends(deps.principal), session: Session = deps.Db) -> OrgOut:
    """The caller's current organization."""
    return OrgOut.model_validate(orgs.get_org(session, principal=principal))


@router.patch("/org")
def rename_org(
    body: OrgRenameIn,
    principal: Principal = Depends(deps.principal),
    session: Session = deps.Db,
) -> OrgOut:
    """Rename the organization (owners and admins)."""
    org = orgs.rename_org(session, principal=principal, name=body.name)
    return OrgOut.model_validate(org)


@router.post("/orgs", status_code=status.HTTP_201_CREATED)
def create_org(
    body: OrgCreateIn,
    principal: Principal = Depends(deps.principal),
    session: Session = deps.Db,
) -> OrgOut:
    """Create another organization with the signed-in caller as owner (not with an API key)."""
    user_id = orgs.require_user(principal)
    org = orgs.create_additional_org(session, user_id=user_id, name=body.name)
    return OrgOut.model_validate(org)
