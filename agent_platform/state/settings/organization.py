"""Settings → Organization: the name, renamed by admins."""

import reflex as rx

from agent_platform.db import session_scope
from agent_platform.services.accounts import orgs
from agent_platform.services.permissions import Permission
from agent_platform.state.base import AppState, requires, requires_login, text


class OrgSettingsState(AppState):
    """The current organization's profile."""

    name: str = ""
    slug: str = ""
    created: str = ""
    can_rename: bool = False

    @rx.event
    @requires_login
    def load(self):
        """Load the organization the caller is working in."""
        principal = self._principal()
        with session_scope() as session:
            org = orgs.get_org(session, principal=principal)
            self.name, self.slug = org.name, org.slug
            self.created = org.created_at.strftime("%Y-%m-%d")
        self.can_rename = principal.can(Permission.MANAGE_ORG)

    @rx.event
    @requires(Permission.MANAGE_ORG)
    def rename(self, form: dict):
        """Rename the organization."""
        with session_scope() as session:
            org = orgs.rename_org(
                session, principal=self._principal(), name=text(form, "name", limit=200)
            )
            self.name = org.name
        return rx.toast.success("Organization renamed.")
