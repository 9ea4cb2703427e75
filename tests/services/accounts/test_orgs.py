"""Organizations, members and invitations against real PostgreSQL (and SMTP for invites)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from agent_platform.models import AuditLog, Invitation, Membership, Role, TeamMember
from agent_platform.models.base import utcnow
from agent_platform.services.accounts import auth, invitations, orgs, teams
from agent_platform.services.errors import Conflict, Forbidden, InvalidInput, NotFound

PASSWORD = "long enough"


def _owner(session, email="owner@example.com", org_name="Acme"):
    user, org, token = auth.signup(session, email=email, password=PASSWORD, org_name=org_name)
    return user, org, auth.resolve_session(session, token=token).principal


def _join(session, principal, email, role="viewer"):
    """Invite ``email`` with ``role`` and accept as a freshly signed-up user; returns the user."""
    user, _, _ = auth.signup(session, email=email, password=PASSWORD)
    invitations.invite_member(
        session, principal=principal, email=email, role=role, accept_url="http://x/a"
    )
    token = _token(session, email)
    invitations.accept_invitation(session, token=token, user_id=user.id)
    return user


def _token(session, email):
    """The plaintext token of the newest queued invitation email to ``email``."""
    from agent_platform.services.mail import open_email

    outbox = session.info["dramatiq_outbox"]
    emails = [open_email(**m.kwargs) for m, _ in outbox if m.actor_name == "send_email"]
    return re.search(r"token=(\S+)", [e for e in emails if e.to == email][-1].text).group(1)


def _principal_in(session, user, org_id, role):
    from agent_platform.services.permissions import Principal

    return Principal(user_id=user.id, org_id=org_id, role=Role(role), email=user.email)


def test_list_my_orgs_and_create_additional_org(session):
    user, org, principal = _owner(session)
    second = orgs.create_additional_org(session, user_id=user.id, name="Side project")
    summaries = orgs.list_my_orgs(session, user_id=user.id)
    assert [(s.name, s.role) for s in summaries] == [("Acme", "owner"), ("Side project", "owner")]
    assert orgs.get_org(session, principal=principal).id == org.id
    assert second.id != org.id


def test_rename_needs_manage_org(session):
    _, org, principal = _owner(session)
    viewer = _join(session, principal, "v@example.com")
    with pytest.raises(Forbidden):
        orgs.rename_org(
            session, principal=_principal_in(session, viewer, org.id, "viewer"), name="X"
        )
    assert orgs.rename_org(session, principal=principal, name=" New name ").name == "New name"
    with pytest.raises(InvalidInput):
        orgs.rename_org(session, principal=principal, name="  ")


def test_invite_and_accept(session, worker, mailbox):
    _, org, principal = _owner(session)
    invitation = invitations.invite_member(
        session, principal=principal, email="New@Example.com", role="admin", accept_url="http://x/a"
    )
    assert invitation.expires_at > utcnow() + timedelta(days=6)
    assert [i.id for i in invitations.list_invitations(session, principal=principal)] == [
        invitation.id
    ]
    session.commit()
    text = mailbox.wait_for("new@example.com").get_payload(decode=True).decode()
    token = re.search(r"http://x/a\?token=(\S+)", text).group(1)
    preview = invitations.preview_invitation(session, token=token)
    assert (preview.org_name, preview.role, preview.inviter_email) == (
        "Acme",
        "admin",
        principal.email,
    )
    newcomer, _, _ = auth.signup(session, email="new@example.com", password=PASSWORD)
    other, _, _ = auth.signup(session, email="other@example.com", password=PASSWORD)
    with pytest.raises(Forbidden, match="new@example.com"):
        invitations.accept_invitation(session, token=token, user_id=other.id)
    membership = invitations.accept_invitation(session, token=token, user_id=newcomer.id)
    assert (membership.org_id, membership.role) == (org.id, "admin")
    with pytest.raises(InvalidInput):
        invitations.accept_invitation(session, token=token, user_id=newcomer.id)
    assert invitations.list_invitations(session, principal=principal) == []


def test_invite_rules(session):
    _, org, principal = _owner(session)
    admin = _join(session, principal, "admin@example.com", "admin")
    as_admin = _principal_in(session, admin, org.id, "admin")
    with pytest.raises(Forbidden):
        invitations.invite_member(
            session, principal=as_admin, email="b@example.com", role="owner", accept_url="u"
        )
    with pytest.raises(Conflict):
        invitations.invite_member(
            session, principal=as_admin, email="ADMIN@example.com", role="viewer", accept_url="u"
        )
    with pytest.raises(InvalidInput):
        invitations.invite_member(
            session, principal=as_admin, email="b@example.com", role="boss", accept_url="u"
        )
    first = invitations.invite_member(
        session, principal=as_admin, email="b@example.com", role="viewer", accept_url="u"
    )
    old_token = _token(session, "b@example.com")
    second = invitations.invite_member(
        session, principal=as_admin, email="b@example.com", role="editor", accept_url="u"
    )
    assert first.revoked_at is not None and second.revoked_at is None
    with pytest.raises(InvalidInput):
        invitations.preview_invitation(session, token=old_token)
    invitations.revoke_invitation(session, principal=as_admin, invitation_id=second.id)
    assert invitations.list_invitations(session, principal=principal) == []


def test_expired_invitation_is_refused(session):
    _, _, principal = _owner(session)
    invitation = invitations.invite_member(
        session, principal=principal, email="late@example.com", role="viewer", accept_url="u"
    )
    token = _token(session, "late@example.com")
    invitation.expires_at = utcnow() - timedelta(seconds=1)
    session.add(invitation)
    with pytest.raises(InvalidInput):
        invitations.preview_invitation(session, token=token)


def test_accept_when_already_member_marks_it_used(session):
    user, org, principal = _owner(session)
    member = _join(session, principal, "m@example.com")
    # An invitation row that predates the membership (e.g. accepted elsewhere meanwhile).
    from agent_platform.services.tokens import new_token, token_hash

    token = new_token()
    session.add(
        Invitation(
            org_id=org.id,
            email="m@example.com",
            role="admin",
            token_hash=token_hash(token),
            expires_at=utcnow() + timedelta(days=1),
        )
    )
    membership = invitations.accept_invitation(session, token=token, user_id=member.id)
    assert membership.role == "viewer"  # unchanged
    with pytest.raises(InvalidInput):
        invitations.accept_invitation(session, token=token, user_id=member.id)


def test_change_role_rules_and_audit(session):
    owner, org, principal = _owner(session)
    admin = _join(session, principal, "admin@example.com", "admin")
    viewer = _join(session, principal, "viewer@example.com", "viewer")
    as_admin = _principal_in(session, admin, org.id, "admin")
    orgs.change_role(session, principal=as_admin, user_id=viewer.id, role="editor")
    with pytest.raises(Forbidden):
        orgs.change_role(session, principal=as_admin, user_id=viewer.id, role="owner")
    with pytest.raises(Forbidden):
        orgs.change_role(session, principal=as_admin, user_id=owner.id, role="admin")
    with pytest.raises(Conflict):
        orgs.change_role(session, principal=principal, user_id=owner.id, role="admin")
    with pytest.raises(NotFound):
        orgs.change_role(
            session,
            principal=principal,
            user_id=_owner(session, "x@example.com")[0].id,
            role="admin",
        )
    entry = session.exec(select(AuditLog).where(AuditLog.action == "member.role_changed")).one()
    assert entry.details == {"from": "viewer", "to": "editor"} and entry.actor_user_id == admin.id


def test_remove_member_drops_team_memberships(session):
    owner, org, principal = _owner(session)
    editor = _join(session, principal, "e@example.com", "editor")
    team = teams.create_team(session, principal=principal, name="Core")
    teams.add_team_member(session, principal=principal, team_id=team.id, user_id=editor.id)
    with pytest.raises(Forbidden):
        orgs.remove_member(
            session, principal=_principal_in(session, editor, org.id, "editor"), user_id=owner.id
        )
    orgs.remove_member(session, principal=principal, user_id=editor.id)
    session.flush()
    assert session.exec(select(TeamMember).where(TeamMember.user_id == editor.id)).all() == []
    assert (
        session.exec(
            select(Membership).where(Membership.user_id == editor.id, Membership.org_id == org.id)
        ).first()
        is None
    )
    with pytest.raises(Conflict):
        orgs.remove_member(session, principal=principal, user_id=owner.id)
    assert [m.email for m in orgs.list_members(session, principal=principal)] == [
        "owner@example.com"
    ]


def test_api_keys_cannot_list_members(session):
    from agent_platform.services.permissions import Principal

    _, org, _ = _owner(session)
    key = Principal(user_id=None, org_id=org.id, role=None, api_key_id=org.id)
    with pytest.raises(Forbidden):
        orgs.list_members(session, principal=key)
