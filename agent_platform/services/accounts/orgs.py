"""Organizations and their members (invitations: ``services.accounts.invitations``).

Every function that acts inside an organization takes the caller's ``Principal`` and works only
on rows with ``org_id == principal.org_id``; anything else is ``NotFound``. The caller commits.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from agent_platform.models.accounts import User
from agent_platform.models.orgs import Membership, Organization, Role, TeamMember
from agent_platform.services import audit
from agent_platform.services.accounts import auth
from agent_platform.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from agent_platform.services.permissions import Permission, Principal


@dataclass
class OrgSummary:
    """An organization the user belongs to, with their role there."""

    id: uuid.UUID
    name: str
    slug: str
    role: str


@dataclass
class MemberView:
    """A member as lists show them."""

    user_id: uuid.UUID
    email: str
    name: str
    role: str
    joined_at: datetime


def require_user(principal: Principal) -> uuid.UUID:
    """The principal's user id. Raises ``Forbidden`` for API keys, which are not members."""
    if principal.user_id is None:
        raise Forbidden("This action needs a signed-in member, not an API key.")
    return principal.user_id


def parse_role(role: str) -> Role:
    """``role`` as a ``Role``. Raises ``InvalidInput`` for anything else."""
    try:
        return Role(role)
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise InvalidInput(f"Role must be one of: {choices}.", details={"role": role}) from None


def audit_action(
    session: Session,
    principal: Principal,
    action: str,
    target: tuple[str, object],
    **details: object,
) -> None:
    audit.record(
        session,
        action=action,
        org_id=principal.org_id,
        actor=principal,
        target_type=target[0],
        target_id=str(target[1]),
        details=details,
    )


def list_my_orgs(session: Session, *, user_id: uuid.UUID) -> list[OrgSummary]:
    """Every organization ``user_id`` belongs to, oldest membership first."""
    rows = session.exec(
        select(Organization, Membership)
        .join(Membership, col(Membership.org_id) == Organization.id)
        .where(Membership.user_id == user_id)
        .order_by(col(Membership.created_at))
    )
    return [OrgSummary(id=o.id, name=o.name, slug=o.slug, role=m.role) for o, m in rows]


def get_current_user(session: Session, *, principal: Principal) -> User:
    """The principal's user. Raises ``Forbidden`` for API keys, ``NotFound`` if gone."""
    user = session.get(User, require_user(principal))
    if user is None:
        raise NotFound("User not found.")
    return user


def get_org(session: Session, *, principal: Principal) -> Organization:
    """The principal's organization. Raises ``NotFound`` if it no longer exists."""
    org = session.get(Organization, principal.org_id)
    if org is None:
        raise NotFound("Organization not found.")
    return org


def rename_org(session: Session, *, principal: Principal, name: str) -> Organization:
    """Rename the principal's organization (``MANAGE_ORG``).

    Raises:
        Forbidden: without ``MANAGE_ORG``.
        InvalidInput: empty name or longer than 200 characters.
    """
    principal.require(Permission.MANAGE_ORG)
    org = get_org(session, principal=principal)
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidInput("Give the organization a name of 1 to 200 characters.")
    audit_action(
        session, principal, "org.renamed", ("org", org.id), **{"from": org.name, "to": name}
    )
    org.name = name
    session.add(org)
    return org


def create_additional_org(session: Session, *, user_id: uuid.UUID, name: str) -> Organization:
    """Create another organization with ``user_id`` as its owner.

    Raises:
        NotFound: the user does not exist or is inactive.
        InvalidInput: bad name.
    """
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise NotFound("User not found.")
    org = auth.create_org(session, name=name, owner_id=user.id)
    audit.record(
        session,
        action="org.created",
        org_id=org.id,
        user_id=user.id,
        email=user.email,
        target_type="org",
        target_id=org.id,
    )
    return org


def list_members(session: Session, *, principal: Principal) -> list[MemberView]:
    """Every member of the principal's organization, oldest first (any member may list).

    Raises:
        Forbidden: for API keys.
    """
    require_user(principal)
    rows = session.exec(
        select(Membership, User)
        .join(User, col(User.id) == Membership.user_id)
        .where(Membership.org_id == principal.org_id)
        .order_by(col(Membership.created_at))
    )
    return [
        MemberView(user_id=u.id, email=u.email, name=u.name, role=m.role, joined_at=m.created_at)
        for m, u in rows
    ]


def find_membership(
    session: Session, org_id: uuid.UUID, user_id: uuid.UUID, *, lock: bool = False
) -> Membership | None:
    stmt = select(Membership).where(Membership.org_id == org_id, Membership.user_id == user_id)
    return session.exec(stmt.with_for_update() if lock else stmt).first()


def _membership(session: Session, org_id: uuid.UUID, user_id: uuid.UUID) -> Membership:
    row = find_membership(session, org_id, user_id, lock=True)
    if row is None:
        raise NotFound("Member not found.")
    return row


def _owner_count(session: Session, org_id: uuid.UUID) -> int:
    # Locking every owner row serialises concurrent demotions/removals of the last owners.
    stmt = (
        select(Membership)
        .where(Membership.org_id == org_id, Membership.role == Role.OWNER)
        .with_for_update()
    )
    return len(list(session.exec(stmt)))


def require_owner_for(principal: Principal, *roles: str) -> None:
    if Role.OWNER in roles and principal.role is not Role.OWNER:
        raise Forbidden("Only an owner can grant or take away the owner role.")


def change_role(
    session: Session, *, principal: Principal, user_id: uuid.UUID, role: str
) -> Membership:
    """Give a member another role.

    Raises:
        Forbidden: without ``MANAGE_MEMBERS``, or a non-owner granting or taking away owner.
        InvalidInput: unknown role.
        NotFound: not a member of the principal's organization.
        Conflict: it would leave the organization without an owner.
    """
    principal.require(Permission.MANAGE_MEMBERS)
    new_role = parse_role(role)
    membership = _membership(session, principal.org_id, user_id)
    old_role = membership.role
    require_owner_for(principal, old_role, new_role)
    if old_role == new_role:
        return membership
    if old_role == Role.OWNER and _owner_count(session, principal.org_id) <= 1:
        raise Conflict("The last owner cannot be demoted. Make someone else an owner first.")
    membership.role = new_role
    session.add(membership)
    changed = {"from": old_role, "to": new_role.value}
    audit_action(session, principal, "member.role_changed", ("user", user_id), **changed)
    return membership


def remove_member(session: Session, *, principal: Principal, user_id: uuid.UUID) -> None:
    """Remove a member (and their team memberships) from the organization.

    Members may remove themselves; removing others needs ``MANAGE_MEMBERS`` (and owners only
    by an owner).

    Raises:
        Forbidden: not allowed to remove this member.
        NotFound: not a member of the principal's organization.
        Conflict: they are the last owner.
    """
    if principal.user_id is None or principal.user_id != user_id:
        principal.require(Permission.MANAGE_MEMBERS)
    membership = _membership(session, principal.org_id, user_id)
    require_owner_for(principal, membership.role)
    if membership.role == Role.OWNER and _owner_count(session, principal.org_id) <= 1:
        raise Conflict("The last owner cannot leave. Make someone else an owner first.")
    for team_member in session.exec(
        select(TeamMember).where(
            TeamMember.org_id == principal.org_id, TeamMember.user_id == user_id
        )
    ):
        session.delete(team_member)
    session.delete(membership)
    audit_action(session, principal, "member.removed", ("user", user_id), role=membership.role)
