"""Teams: named groups of members inside one organization.

Teams and their members are loaded with ``org_id == principal.org_id``; anything else is
``NotFound``. The caller commits.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from agent_platform.models.accounts import User
from agent_platform.models.orgs import Membership, Team, TeamMember
from agent_platform.services import audit
from agent_platform.services.accounts.orgs import MemberView, require_user
from agent_platform.services.errors import Conflict, InvalidInput, NotFound
from agent_platform.services.permissions import Permission, Principal


@dataclass
class TeamView:
    """A team with its members (``role`` is their organization role)."""

    id: uuid.UUID
    name: str
    description: str
    member_count: int
    members: list[MemberView] = field(default_factory=list)


def list_teams(session: Session, *, principal: Principal) -> list[TeamView]:
    """Every team of the principal's organization by name, with members (any member may list).

    Raises:
        Forbidden: for API keys.
    """
    require_user(principal)
    teams = session.exec(
        select(Team).where(Team.org_id == principal.org_id).order_by(col(Team.name))
    ).all()
    rows = session.exec(
        select(TeamMember, Membership, User)
        .join(User, col(User.id) == TeamMember.user_id)
        .join(
            Membership,
            (col(Membership.user_id) == TeamMember.user_id)
            & (col(Membership.org_id) == TeamMember.org_id),
        )
        .where(TeamMember.org_id == principal.org_id)
        .order_by(col(TeamMember.created_at))
    )
    members: dict[uuid.UUID, list[MemberView]] = {t.id: [] for t in teams}
    for tm, m, u in rows:
        view = MemberView(
            user_id=u.id, email=u.email, name=u.name, role=m.role, joined_at=tm.created_at
        )
        members.setdefault(tm.team_id, []).append(view)
    return [
        TeamView(
            id=t.id,
            name=t.name,
            description=t.description,
            member_count=len(members[t.id]),
            members=members[t.id],
        )
        for t in teams
    ]


def _team(session: Session, principal: Principal, team_id: uuid.UUID) -> Team:
    team = session.exec(
        select(Team).where(Team.org_id == principal.org_id, Team.id == team_id)
    ).first()
    if team is None:
        raise NotFound("Team not found.")
    return team


def create_team(
    session: Session, *, principal: Principal, name: str, description: str = ""
) -> Team:
    """Create a team in the principal's organization.

    Raises:
        Forbidden: without ``MANAGE_MEMBERS``.
        InvalidInput: name not 1..120 characters or description over 500.
        Conflict: the organization already has a team with that name.
    """
    principal.require(Permission.MANAGE_MEMBERS)
    name, description = name.strip(), description.strip()
    if not name or len(name) > 120:
        raise InvalidInput("Give the team a name of 1 to 120 characters.")
    if len(description) > 500:
        raise InvalidInput("Keep the description under 500 characters.")
    team = Team(org_id=principal.org_id, name=name, description=description)
    try:
        with session.begin_nested():  # a savepoint: a duplicate leaves the transaction usable
            session.add(team)
    except IntegrityError:
        raise Conflict(f"There is already a team called {name}.") from None
    audit.record(
        session,
        action="team.created",
        org_id=principal.org_id,
        actor=principal,
        target_type="team",
        target_id=team.id,
        details={"name": name},
    )
    return team


def delete_team(session: Session, *, principal: Principal, team_id: uuid.UUID) -> None:
    """Delete a team (its memberships go with it; the users stay in the organization).

    Raises:
        Forbidden: without ``MANAGE_MEMBERS``.
        NotFound: no such team in the principal's organization.
    """
    principal.require(Permission.MANAGE_MEMBERS)
    team = _team(session, principal, team_id)
    for team_member in session.exec(select(TeamMember).where(TeamMember.team_id == team.id)):
        session.delete(team_member)
    session.delete(team)
    audit.record(
        session,
        action="team.deleted",
        org_id=principal.org_id,
        actor=principal,
        target_type="team",
        target_id=team.id,
        details={"name": team.name},
    )


def add_team_member(
    session: Session, *, principal: Principal, team_id: uuid.UUID, user_id: uuid.UUID
) -> TeamMember:
    """Add an organization member to a team (idempotent).

    Raises:
        Forbidden: without ``MANAGE_MEMBERS``.
        NotFound: no such team, or the user is not a member of the principal's organization.
    """
    principal.require(Permission.MANAGE_MEMBERS)
    team = _team(session, principal, team_id)
    member = session.exec(
        select(Membership).where(
            Membership.org_id == principal.org_id, Membership.user_id == user_id
        )
    ).first()
    if member is None:
        raise NotFound("That user is not a member of this organization.")
    existing = session.exec(
        select(TeamMember).where(TeamMember.team_id == team.id, TeamMember.user_id == user_id)
    ).first()
    if existing is not None:
        return existing
    row = TeamMember(org_id=principal.org_id, team_id=team.id, user_id=user_id)
    session.add(row)
    audit.record(
        session,
        action="team.member_added",
        org_id=principal.org_id,
        actor=principal,
        target_type="team",
        target_id=team.id,
        details={"user_id": str(user_id)},
    )
    session.flush()
    return row


def remove_team_member(
    session: Session, *, principal: Principal, team_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    """Take a user out of a team.

    Raises:
        Forbidden: without ``MANAGE_MEMBERS``.
        NotFound: no such team, or the user is not in it.
    """
    principal.require(Permission.MANAGE_MEMBERS)
    team = _team(session, principal, team_id)
    row = session.exec(
        select(TeamMember).where(
            TeamMember.org_id == principal.org_id,
            TeamMember.team_id == team.id,
            TeamMember.user_id == user_id,
        )
    ).first()
    if row is None:
        raise NotFound("That user is not in this team.")
    session.delete(row)
    audit.record(
        session,
        action="team.member_removed",
        org_id=principal.org_id,
        actor=principal,
        target_type="team",
        target_id=team.id,
        details={"user_id": str(user_id)},
    )
