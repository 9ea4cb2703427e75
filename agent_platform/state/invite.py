"""The invitation page: preview, then accept when signed in with the invited email."""

import reflex as rx

from agent_platform import routes
from agent_platform.db import session_scope
from agent_platform.services.accounts import auth, invitations
from agent_platform.services.errors import DomainError, InvalidInput, Unauthenticated
from agent_platform.state.base import AppState, navigate, public, requires_login


class InviteState(AppState):
    """What the invitee sees. The token stays in a backend-only var."""

    loaded: bool = False
    error: str = ""
    org_name: str = ""
    email: str = ""
    role: str = ""
    inviter_email: str = ""
    signed_in_email: str = ""
    signup_link: str = ""
    login_link: str = ""
    _token: str = ""

    @rx.var
    def email_matches(self) -> bool:
        """Whether the signed-in user is the invitee."""
        return bool(self.signed_in_email) and self.signed_in_email == self.email

    @rx.event
    @public
    def load(self):
        """Preview the invitation named by ``?token=`` and see who is signed in."""
        self.loaded, self.error, self.signed_in_email = False, "", ""
        self._token = self._query("token")
        try:
            with session_scope() as session:
                preview = invitations.preview_invitation(session, token=self._token)
        except DomainError as exc:
            self.error, self.loaded = exc.message, True
            return
        self.org_name, self.email = preview.org_name, preview.email
        self.role, self.inviter_email = str(preview.role), preview.inviter_email
        back = routes.invite_url(self._token)  # the token is in the browser's URL already
        self.signup_link = routes.with_query(routes.SIGNUP, next=back, email=preview.email)
        self.login_link = routes.with_query(routes.LOGIN, next=back, email=preview.email)
        try:
            self.signed_in_email = self._resolve_identity().email
        except Unauthenticated:
            self.signed_in_email = ""
        self.loaded = True

    @rx.event
    @requires_login
    def accept(self):
        """Join the organization with the invited role and switch to it."""
        if not self._token:
            raise InvalidInput("Open the link from your invitation email again.")
        identity = self._identity()
        with session_scope() as session:
            membership = invitations.accept_invitation(
                session, token=self._token, user_id=identity.user_id
            )
            auth.switch_org(session, token=self._cookie_token(), org_id=membership.org_id)
        self._token = ""
        return navigate(routes.AGENTS)
