"""``/api/v1/org/teams``: teams of the organization and their members."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Response, status
from pydantic import Field
from sqlmodel import Session

from agent_platform.api import deps
from agent_platform.api.v1.schemas import Body, MemberOut, Out
from agent_platform.services.accounts import teams
from agent_platform.services.permissions import Principal

router = APIRouter(prefix="/api/v1/org/teams", tags=["teams"])


class TeamIn(Body):
    name: str = Field(max_length=120)
    description: str = Field(default="", max_length=500)


class TeamOut(Out):
    id: uuid.UUID
    name: str
    description: str
    member_count: int
    members: list[MemberOut]


def _no_content() -> Response:
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("")
def list_teams(
    principal: Principal = Depends(deps.principal), session: Session = deps.Db
) -> list[TeamOut]:
    """Every team, by name, with its members."""
    return [TeamOut.model_validate(t) for t in teams.list_teams(session, principal=principal)]


@router.post("", status_code=status.HTTP_201_CREATED)
def create_team(
    body: TeamIn,
    principal: Principal = Depends(deps.principal),
    session: Session = deps.Db,
) -> TeamOut:
    """Create a team (409 if the name is taken in this organization)."""
    team = teams.create_team(
        session, principal=principal, name=body.name, description=body.description
    )
    return TeamOut(
        id=team.id, name=team.name, description=team.description, member_count=0, members=[]
    )


@router.delete("/{team_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_team(
    team_id: uuid.UUID,
    principal: Principal = Depends(deps.principal),
    session: Session = deps.Db,
) -> Response:
    """Delete a team; its members stay in the organization."""
    teams.delete_team(session, principal=principal, team_id=team_id)
    return _no_content()


@router.put("/{team_id}/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
def add_team_member(
    team_id: uuid.UUID,
    user_id: uuid.UUID,
    principal: Principal = Depends(deps.principal),
    session: Session = deps.Db,
) -> Response:
    """Add an organization member to the team (idempotent)."""
    teams.add_team_member(session, principal=principal, team_id=team_id, user_id=user_id)
    return _no_content()


@router.delete("/{team_id}/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_team_member(
    team_id: uuid.UUID,
    user_id: uuid.UUID,
    principal: Principal = Depends(deps.principal),
    session: Session = deps.Db,
) -> Response:
    """Take a user out of the team."""
    teams.remove_team_member(session, principal=principal, team_id=team_id, user_id=user_id)
    return _no_content()
