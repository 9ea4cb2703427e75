"""Settings → Notifications: my approval emails, and each agent's approval webhook."""

from __future__ import annotations

import dataclasses

import reflex as rx

from agent_platform.db import session_scope
from agent_platform.services.agents import queries as agent_queries
from agent_platform.services.approvals import notifications, webhooks
from agent_platform.services.permissions import Permission
from agent_platform.state.base import AppState, parse_id, requires, requires_login, text


@dataclasses.dataclass
class AgentOption:
    """An agent whose approval webhook can be set here."""

    id: str
    name: str


class NotificationsState(AppState):
    """The caller's notification preference and the chosen agent's approval webhook."""

    approval_email: bool = True
    agents: list[AgentOption] = []
    agent_id: str = ""
    webhook_url: str = ""
    webhook_on: bool = False
    # Shown only after "Show signing secret" (admins); cleared whenever the agent changes.
    secret: str = ""
    can_edit: bool = False
    can_reveal: bool = False

    def _show_hook(self, hook: webhooks.AgentWebhook) -> None:
        self.webhook_url, self.webhook_on = hook.url or "", hook.enabled
        self.secret = hook.signing_secret or ""

    def _load_hook(self) -> None:
        with session_scope() as session:
            hook = webhooks.get_agent_webhook(
                session, principal=self._principal(), agent_id=parse_id(self.agent_id, "agent")
            )
        self._show_hook(hook)

    @rx.event
    @requires_login
    def load(self):
        """Load my preference; for editors, the agents and the first one's webhook."""
        principal = self._principal()
        self.can_edit = principal.can(Permission.EDIT_AGENT)
        self.can_reveal = principal.can(Permission.MANAGE_INTEGRATIONS)
        with session_scope() as session:
            self.approval_email = notifications.get_email_preference(session, principal=principal)
            found = agent_queries.list_agents(session, principal=principal, limit=100).items
        self.agents = [AgentOption(str(a.id), a.name) for a in found if a.status != "archived"]
        self.agent_id, self.secret = "", ""
        if self.can_edit and self.agents:
            self.agent_id = self.agents[0].id
            self._load_hook()

    @rx.event
    @requires_login
    def set_email(self, enabled: bool):
        """Turn my approval emails on or off."""
        with session_scope() as session:
            notifications.set_email_preference(
                session, principal=self._principal(), enabled=enabled is True
            )
        self.approval_email = enabled is True
        return rx.toast.success("Approval emails " + ("on." if enabled is True else "off."))

    @rx.event
    @requires(Permission.EDIT_AGENT)
    def choose_agent(self, agent_id: str):
        """Show another agent's approval webhook."""
        self.agent_id = str(parse_id(agent_id, "agent"))
        self._load_hook()

    @rx.event
    @requires(Permission.EDIT_AGENT)
    def save_webhook(self, form: dict):
        """Send the chosen agent's approval events to the URL in the form."""
        url = text(form, "url", limit=2000)
        with session_scope() as session:
            hook = webhooks.set_agent_webhook(
                session,
                principal=self._principal(),
                agent_id=parse_id(self.agent_id, "agent"),
                url=url or None,
            )
        self._show_hook(hook)
        return rx.toast.success("Approval webhook saved." if url else "Approval webhook removed.")

    @rx.event
    @requires(Permission.EDIT_AGENT)
    def remove_webhook(self):
        """Stop sending the chosen agent's approval events."""
        with session_scope() as session:
            hook = webhooks.set_agent_webhook(
                session,
                principal=self._principal(),
                agent_id=parse_id(self.agent_id, "agent"),
                url=None,
            )
        self._show_hook(hook)
        return rx.toast.success("Approval webhook removed.")

    @rx.event
    @requires(Permission.MANAGE_INTEGRATIONS)
    def reveal_secret(self):
        """Show the signing secret receivers verify deliveries with (audited)."""
        with session_scope() as session:
            hook = webhooks.get_agent_webhook(
                session,
                principal=self._principal(),
                agent_id=parse_id(self.agent_id, "agent"),
                reveal_secret=True,
            )
        self._show_hook(hook)

    @rx.event
    @requires_login
    def hide_secret(self):
        """Forget the shown secret."""
        self.secret = ""
