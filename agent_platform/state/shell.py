"""The app shell: who is signed in, their organizations, org switching and log-out."""

import dataclasses

import reflex as rx

from agent_platform import routes
from agent_platform.db import session_scope
from agent_platform.services.accounts import auth, orgs
from agent_platform.state.base import AppState, navigate, parse_id, public, requires_login, text


@dataclasses.dataclass
class OrgItem:
    """An organization in the switcher."""

    id: str
    name: str
    role: str


class ShellState(AppState):
    """Top bar and sidebar data; the page decorator loads it on every app page."""

    signed_in: bool = False
    user_name: str = ""
    user_email: str = ""
    org_id: str = ""
    org_name: str = ""
    role: str = ""
    permissions: list[str] = []
    orgs: list[OrgItem] = []
    create_org_open: bool = False
    nav_open: bool = False

    @rx.var
    def user_label(self) -> str:
        """The name to show, falling back to the email."""
        return self.user_name or self.user_email

    @rx.var
    def initials(self) -> str:
        """One or two letters for the avatar."""
        words = (self.user_name or self.user_email).replace("@", " ").split()
        return "".join(w[0] for w in words[:2]).upper() or "?"

    def _fill(self, identity: auth.Identity) -> None:
        with session_scope() as session:
            mine = orgs.list_my_orgs(session, user_id=identity.user_id)
        principal = identity.principal
        self.signed_in = True
        self.user_name, self.user_email = identity.name, identity.email
        self.orgs = [OrgItem(id=str(o.id), name=o.name, role=str(o.role)) for o in mine]
        self.org_id = str(principal.org_id) if principal else ""
        self.org_name = next((o.name for o in self.orgs if o.id == self.org_id), "")
        self.role = str(principal.role) if principal and principal.role else ""
        self.permissions = sorted(p.value for p in principal.permissions) if principal else []

    @rx.event
    @requires_login
    def load_shell(self):
        """Load the signed-in user, their orgs and role (the page decorator's auth guard)."""
        self.nav_open = False
        self._fill(self._identity())

    @rx.event
    @requires_login
    def switch_org(self, org_id: str):
        """Make ``org_id`` the current organization and reload the app there."""
        target = parse_id(org_id, "organization")
        with session_scope() as session:
            auth.switch_org(session, token=self._cookie_token(), org_id=target)
        return navigate(routes.AGENTS)

    @rx.event
    @requires_login
    def create_org(self, form: dict):
        """Create another organization owned by the caller and switch to it."""
        name = text(form, "name", limit=200)
        identity = self._identity()
        with session_scope() as session:
            org = orgs.create_additional_org(session, user_id=identity.user_id, name=name)
            session.flush()
            auth.switch_org(session, token=self._cookie_token(), org_id=org.id)
        self.create_org_open = False
        return navigate(routes.AGENTS)

    @rx.event
    @public
    def set_create_org_open(self, value: bool):
        """Open or close the create-organization dialog (UI only)."""
        self.create_org_open = value is True

    @rx.event
    @public
    def set_nav_open(self, value: bool):
        """Open or close the phone navigation drawer (UI only)."""
        self.nav_open = value is True

    @rx.event
    @public
    def logout(self):
        """Revoke the session at once, then let the backend clear the cookie."""
        token = self._cookie_token()
        if token:
            with session_scope() as session:
                auth.logout(session, token=token)
        self.reset()
        return navigate(routes.WEB_LOGOUT)
