"""Settings → Teams: named groups of members."""

import dataclasses

import reflex as rx

from agent_platform.db import session_scope
from agent_platform.services.accounts import orgs, teams
from agent_platform.services.permissions import Permission
from agent_platform.state.base import AppState, parse_id, requires, requires_login, text


@dataclasses.dataclass
class TeamMemberRow:
    """A member inside a team card."""

    user_id: str
    label: str


@dataclasses.dataclass
class TeamRow:
    """A team with its members."""

    id: str
    name: str
    description: str
    member_count: int
    members: list[TeamMemberRow]


@dataclasses.dataclass
class MemberOption:
    """An org member that can be added to a team."""

    user_id: str
    label: str


class TeamsState(AppState):
    """Teams of the current organization; controls only for ``MANAGE_MEMBERS``."""

    teams: list[TeamRow] = []
    member_options: list[MemberOption] = []
    can_manage: bool = False

    def _reload(self) -> None:
        principal = self._principal()
        self.can_manage = principal.can(Permission.MANAGE_MEMBERS)
        with session_scope() as session:
            views = teams.list_teams(session, principal=principal)
            members = orgs.list_members(session, principal=principal) if self.can_manage else []
        self.teams = [
            TeamRow(
                id=str(t.id),
                name=t.name,
                description=t.description,
                member_count=t.member_count,
                members=[TeamMemberRow(str(m.user_id), m.name or m.email) for m in t.members],
            )
            for t in views
        ]
        self.member_options = [
            MemberOption(user_id=str(m.user_id), label=m.name or m.email) for m in members
        ]

    @rx.event
    @requires_login
    def load(self):
        """Load the teams (and, for managers, the members that can be added)."""
        self._reload()

    @rx.event
    @requires(Permission.MANAGE_MEMBERS)
    def create(self, form: dict):
        """Create a team."""
        with session_scope() as session:
            teams.create_team(
                session,
                principal=self._principal(),
                name=text(form, "name", limit=120),
                description=text(form, "description", limit=500),
            )
        self._reload()
        return rx.toast.success("Team created.")

    @rx.event
    @requires(Permission.MANAGE_MEMBERS)
    def delete(self, team_id: str):
        """Delete a team (its members stay in the organization)."""
        target = parse_id(team_id, "team")
        with session_scope() as session:
            teams.delete_team(session, principal=self._principal(), team_id=target)
        self._reload()
        return rx.toast.success("Team deleted.")

    @rx.event
    @requires(Permission.MANAGE_MEMBERS)
    def add_member(self, team_id: str, user_id: str):
        """Add an organization member to a team."""
        team, user = parse_id(team_id, "team"), parse_id(user_id, "member")
        with session_scope() as session:
            teams.add_team_member(session, principal=self._principal(), team_id=team, user_id=user)
        self._reload()

    @rx.event
    @requires(Permission.MANAGE_MEMBERS)
    def remove_member(self, team_id: str, user_id: str):
        """Take a member out of a team."""
        team, user = parse_id(team_id, "team"), parse_id(user_id, "member")
        with session_scope() as session:
            teams.remove_team_member(
                session, principal=self._principal(), team_id=team, user_id=user
            )
        self._reload()
