"""Invitations: emailed, single-use, expiring links that add a person to an organization.

Tenant rules as in ``services.accounts.orgs``: the caller's ``Principal`` scopes every lookup;
the caller commits.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, col, select

from agent_platform.models.accounts import User
from agent_platform.models.base import utcnow
from agent_platform.models.orgs import Invitation, Membership, Organization
from agent_platform.services import audit
from agent_platform.services.accounts import auth
from agent_platform.services.accounts.orgs import (
    audit_action,
    find_membership,
    get_org,
    parse_role,
    require_owner_for,
)
from agent_platform.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from agent_platform.services.mail import queue_email
from agent_platform.services.permissions import Permission, Principal
from agent_platform.services.tokens import new_token, token_hash
from agent_platform.settings import get_settings

_BAD_INVITE = "This invitation is invalid, has expired or was already used. Ask for a new one."


@dataclass
class InvitationPreview:
    """What the invitee sees before accepting."""

    org_name: str
    email: str
    role: str
    inviter_email: str


def invite_member(
    session: Session, *, principal: Principal, email: str, role: str, accept_url: str
) -> Invitation:
    """Email a single-use invitation link ``accept_url?token=...`` (``MANAGE_MEMBERS``).

    A pending invitation for the same email is revoked first, so only the newest link works.

    Raises:
        Forbidden: without ``MANAGE_MEMBERS``, or a non-owner inviting an owner.
        InvalidInput: bad email or role.
        Conflict: the email already belongs to a member.
    """
    principal.require(Permission.MANAGE_MEMBERS)
    role_value = parse_role(role)
    require_owner_for(principal, role_value)
    email = auth.normalize_email(email)
    _clear_way_for(session, principal.org_id, email)
    token = new_token()
    invitation = Invitation(
        org_id=principal.org_id,
        email=email,
        role=role_value,
        token_hash=token_hash(token),
        invited_by=principal.user_id,
        expires_at=utcnow() + timedelta(days=get_settings().security.invitation_days),
    )
    session.add(invitation)
    session.flush()
    _send_invitation(session, principal=principal, email=email, token=token, accept_url=accept_url)
    target = ("invitation", invitation.id)
    audit_action(session, principal, "member.invited", target, email=email, role=role_value.value)
    return invitation


def _clear_way_for(session: Session, org_id: uuid.UUID, email: str) -> None:
    """Refuse existing members; revoke older pending invitations so one link stays valid."""
    member = session.exec(
        select(Membership)
        .join(User, col(User.id) == Membership.user_id)
        .where(Membership.org_id == org_id, User.email == email)
    ).first()
    if member is not None:
        raise Conflict(f"{email} is already a member of this organization.")
    for old in _pending_invitations(session, org_id, email=email):
        old.revoked_at = utcnow()
        session.add(old)


def _send_invitation(
    session: Session, *, principal: Principal, email: str, token: str, accept_url: str
) -> None:
    org = get_org(session, principal=principal)
    days = get_settings().security.invitation_days
    queue_email(
        session,
        to=email,
        subject=f"You are invited to {org.name} on Agent Platform",
        text=(
            f"{principal.email} invited you to join {org.name} on Agent Platform.\n\n"
            f"Open this link within {days} days to accept:\n{accept_url}?token={token}\n\n"
            "If you did not expect this, ignore this email."
        ),
    )


def _pending_invitations(
    session: Session, org_id: uuid.UUID, *, email: str | None = None
) -> list[Invitation]:
    stmt = select(Invitation).where(
        Invitation.org_id == org_id,
        col(Invitation.accepted_at).is_(None),
        col(Invitation.revoked_at).is_(None),
        col(Invitation.expires_at) > utcnow(),
    )
    if email is not None:
        stmt = stmt.where(Invitation.email == email)
    return list(session.exec(stmt.order_by(col(Invitation.created_at).desc())))


def list_invitations(session: Session, *, principal: Principal) -> list[Invitation]:
    """Pending (not accepted, revoked or expired) invitations, newest first.

    Raises:
        Forbidden: without ``MANAGE_MEMBERS``.
    """
    principal.require(Permission.MANAGE_MEMBERS)
    return _pending_invitations(session, principal.org_id)


def revoke_invitation(session: Session, *, principal: Principal, invitation_id: uuid.UUID) -> None:
    """Make an invitation's link stop working (idempotent for revoked ones).

    Raises:
        Forbidden: without ``MANAGE_MEMBERS``.
        NotFound: no such invitation in the principal's organization.
        Conflict: it was already accepted.
    """
    principal.require(Permission.MANAGE_MEMBERS)
    invitation = session.exec(
        select(Invitation).where(
            Invitation.org_id == principal.org_id, Invitation.id == invitation_id
        )
    ).first()
    if invitation is None:
        raise NotFound("Invitation not found.")
    if invitation.accepted_at is not None:
        raise Conflict("This invitation was already accepted.")
    if invitation.revoked_at is not None:
        return
    invitation.revoked_at = utcnow()
    session.add(invitation)
    target = ("invitation", invitation.id)
    audit_action(session, principal, "invitation.revoked", target, email=invitation.email)


def _live_invitation(session: Session, token: str, *, lock: bool = False) -> Invitation:
    stmt = select(Invitation).where(Invitation.token_hash == token_hash(token or ""))
    invitation = session.exec(stmt.with_for_update() if lock else stmt).first()
    if (
        invitation is None
        or invitation.accepted_at is not None
        or invitation.revoked_at is not None
        or invitation.expires_at <= utcnow()
    ):
        raise InvalidInput(_BAD_INVITE)
    return invitation


def preview_invitation(session: Session, *, token: str) -> InvitationPreview:
    """Who invites whom to which organization, for the accept page.

    Raises:
        InvalidInput: the token is unknown, expired, used or revoked.
    """
    invitation = _live_invitation(session, token)
    org = session.get(Organization, invitation.org_id)
    inviter = session.get(User, invitation.invited_by) if invitation.invited_by else None
    return InvitationPreview(
        org_name=org.name if org else "",
        email=invitation.email,
        role=invitation.role,
        inviter_email=inviter.email if inviter else "",
    )


def accept_invitation(session: Session, *, token: str, user_id: uuid.UUID) -> Membership:
    """Join the invitation's organization with its role; the token then stops working.

    Raises:
        InvalidInput: the token is unknown, expired, used or revoked.
        Forbidden: the user's email is not the invited email.
    """
    invitation = _live_invitation(session, token, lock=True)
    user = session.get(User, user_id)
    if user is None or not user.is_active or user.email != invitation.email:
        raise Forbidden(
            f"This invitation was sent to {invitation.email}. "
            "Log in with that email address to accept it."
        )
    invitation.accepted_at = utcnow()
    session.add(invitation)
    existing = find_membership(session, invitation.org_id, user.id)
    if existing is not None:
        return existing
    membership = Membership(org_id=invitation.org_id, user_id=user.id, role=invitation.role)
    session.add(membership)
    audit.record(
        session,
        action="member.joined",
        org_id=invitation.org_id,
        user_id=user.id,
        email=user.email,
        target_type="user",
        target_id=user.id,
        details={"role": invitation.role, "invitation_id": str(invitation.id)},
    )
    session.flush()
    return membership
