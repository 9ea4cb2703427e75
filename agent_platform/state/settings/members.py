"""Settings → Members: the member list, invitations, role changes and removals."""

import dataclasses

import reflex as rx

from agent_platform import routes
from agent_platform.db import session_scope
from agent_platform.models.orgs import Role
from agent_platform.services.accounts import invitations, orgs
from agent_platform.services.permissions import Permission
from agent_platform.settings import get_settings
from agent_platform.state.base import (
    AppState,
    fmt_time,
    parse_id,
    requires,
    requires_login,
    text,
)


@dataclasses.dataclass
class MemberRow:
    """A member as the table shows them."""

    user_id: str
    name: str
    email: str
    role: str
    joined: str
    is_me: bool


@dataclasses.dataclass
class InvitationRow:
    """A pending invitation."""

    id: str
    email: str
    role: str
    expires: str


class MembersState(AppState):
    """Members of the current organization; controls only for ``MANAGE_MEMBERS``."""

    members: list[MemberRow] = []
    invitations: list[InvitationRow] = []
    can_manage: bool = False
    role_options: list[str] = []

    def _reload(self) -> None:
        principal = self._principal()
        self.can_manage = principal.can(Permission.MANAGE_MEMBERS)
        grantable = [Role.VIEWER, Role.EDITOR, Role.ADMIN]
        if principal.role is Role.OWNER:
            grantable.append(Role.OWNER)
        self.role_options = [r.value for r in grantable] if self.can_manage else []
        with session_scope() as session:
            members = orgs.list_members(session, principal=principal)
            pending = (
                invitations.list_invitations(session, principal=principal)
                if self.can_manage
                else []
            )
        self.members = [
            MemberRow(
                user_id=str(m.user_id),
                name=m.name,
                email=m.email,
                role=str(m.role),
                joined=fmt_time(m.joined_at),
                is_me=m.user_id == principal.user_id,
            )
            for m in members
        ]
        self.invitations = [
            InvitationRow(
                id=str(i.id), email=i.email, role=str(i.role), expires=fmt_time(i.expires_at)
            )
            for i in pending
        ]

    @rx.event
    @requires_login
    def load(self):
        """Load members (and, for managers, pending invitations)."""
        self._reload()

    @rx.event
    @requires(Permission.MANAGE_MEMBERS)
    def invite(self, form: dict):
        """Email an invitation link for ``email`` with ``role``."""
        email, role = text(form, "email", limit=320), text(form, "role", limit=20) or "editor"
        accept_url = f"{get_settings().base_url}{routes.INVITE}"
        with session_scope() as session:
            invitations.invite_member(
                session,
                principal=self._principal(),
                email=email,
                role=role,
                accept_url=accept_url,
            )
        self._reload()
        return rx.toast.success(f"Invitation sent to {email}.")

    @rx.event
    @requires(Permission.MANAGE_MEMBERS)
    def change_role(self, user_id: str, role: str):
        """Give a member another role."""
        target = parse_id(user_id, "member")
        with session_scope() as session:
            orgs.change_role(
                session, principal=self._principal(), user_id=target, role=str(role)[:20]
            )
        self._reload()
        return rx.toast.success("Role updated.")

    @rx.event
    @requires(Permission.MANAGE_MEMBERS)
    def remove(self, user_id: str):
        """Remove a member from the organization."""
        target = parse_id(user_id, "member")
        with session_scope() as session:
            orgs.remove_member(session, principal=self._principal(), user_id=target)
        self._reload()
        return rx.toast.success("Member removed.")

    @rx.event
    @requires(Permission.MANAGE_MEMBERS)
    def revoke_invitation(self, invitation_id: str):
        """Make a pending invitation's link stop working."""
        target = parse_id(invitation_id, "invitation")
        with session_scope() as session:
            invitations.revoke_invitation(
                session, principal=self._principal(), invitation_id=target
            )
        self._reload()
        return rx.toast.success("Invitation revoked.")
