"""Teams against real PostgreSQL: tenant scoping, unique names, membership rules."""

from __future__ import annotations

import pytest

from agent_platform.models import Membership, Role
from agent_platform.services.accounts import auth, teams
from agent_platform.services.errors import Conflict, Forbidden, NotFound
from agent_platform.services.permissions import Principal

PASSWORD = "long enough"


def _org(session, email):
    user, org, token = auth.signup(session, email=email, password=PASSWORD)
    return user, org, auth.resolve_session(session, token=token).principal


def test_team_lifecycle(session):
    owner, org, principal = _org(session, "a@example.com")
    team = teams.create_team(session, principal=principal, name=" Core ", description="The core")
    assert team.name == "Core"
    with pytest.raises(Conflict):
        teams.create_team(session, principal=principal, name="Core")
    teams.create_team(session, principal=principal, name="Alpha")  # the transaction survived
    teams.add_team_member(session, principal=principal, team_id=team.id, user_id=owner.id)
    teams.add_team_member(
        session, principal=principal, team_id=team.id, user_id=owner.id
    )  # idempotent
    views = teams.list_teams(session, principal=principal)
    assert [(v.name, v.member_count) for v in views] == [("Alpha", 0), ("Core", 1)]
    assert views[1].members[0].email == "a@example.com" and views[1].members[0].role == "owner"
    teams.remove_team_member(session, principal=principal, team_id=team.id, user_id=owner.id)
    with pytest.raises(NotFound):
        teams.remove_team_member(session, principal=principal, team_id=team.id, user_id=owner.id)
    teams.delete_team(session, principal=principal, team_id=team.id)
    assert [v.name for v in teams.list_teams(session, principal=principal)] == ["Alpha"]


def test_teams_are_tenant_scoped(session):
    a_owner, _, a = _org(session, "a@example.com")
    b_owner, _, b = _org(session, "b@example.com")
    a_team = teams.create_team(session, principal=a, name="Core")
    b_team = teams.create_team(session, principal=b, name="Core")  # same name, other org: fine
    with pytest.raises(NotFound):
        teams.delete_team(session, principal=b, team_id=a_team.id)
    with pytest.raises(NotFound):
        teams.add_team_member(session, principal=b, team_id=a_team.id, user_id=b_owner.id)
    with pytest.raises(NotFound):  # A's owner is not a member of B
        teams.add_team_member(session, principal=b, team_id=b_team.id, user_id=a_owner.id)
    assert [t.id for t in teams.list_teams(session, principal=b)] == [b_team.id]


def test_teams_need_manage_members(session):
    _, org, principal = _org(session, "a@example.com")
    viewer, _, _ = _org(session, "v@example.com")
    session.add(Membership(org_id=org.id, user_id=viewer.id, role=Role.VIEWER))
    as_viewer = Principal(user_id=viewer.id, org_id=org.id, role=Role.VIEWER)
    with pytest.raises(Forbidden):
        teams.create_team(session, principal=as_viewer, name="X")
    team = teams.create_team(session, principal=principal, name="X")
    with pytest.raises(Forbidden):
        teams.delete_team(session, principal=as_viewer, team_id=team.id)
    assert [t.name for t in teams.list_teams(session, principal=as_viewer)] == ["X"]
