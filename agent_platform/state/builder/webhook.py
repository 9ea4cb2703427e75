"""The inspector's webhook section: a published webhook trigger's URL and signing secret.

The URL and secret come from ``services.agents.triggers`` (``MANAGE_INTEGRATIONS``, audited),
the same service as ``GET /api/v1/triggers/{id}/webhook``; they are fetched only when an admin
asks, shown for the selected node only, and forgotten on reload. Everyone who may open the
builder sees whether the webhook is live and its public prefix.
"""

from __future__ import annotations

import uuid

import reflex as rx

from agent_platform.db import session_scope
from agent_platform.models.triggers import AgentTrigger
from agent_platform.services.agents import triggers
from agent_platform.services.errors import InvalidInput
from agent_platform.services.permissions import Permission
from agent_platform.state.base import requires
from agent_platform.state.builder.editor import BuilderState

WEBHOOK = "webhook"


class WebhookState(BuilderState):
    """Webhook details of the selected trigger node."""

    hook_node: str = ""
    hook_live: bool = False
    hook_prefix: str = ""
    hook_url: str = ""
    hook_secret: str = ""
    can_manage: bool = False

    @rx.var
    def is_webhook(self) -> bool:
        """Whether the selected node is a trigger set to start runs from a webhook."""
        return self.selected_type == "trigger" and any(
            f.key == "kind" and f.value == WEBHOOK for f in self.fields
        )

    def _row(self) -> AgentTrigger:
        """The live webhook row of the selected node. Raises ``InvalidInput`` without one."""
        with session_scope() as session:
            rows = triggers.list_triggers(
                session, principal=self._principal(), agent_id=self._agent_uuid()
            )
        row = next(
            (r for r in rows if r.node_id == self.selected_id and r.kind == WEBHOOK and r.enabled),
            None,
        )
        if row is None:
            raise InvalidInput("Publish the agent first: its webhook gets a URL when it goes live.")
        return row

    def _show(self, details: triggers.WebhookDetails) -> None:
        self.hook_node, self.hook_prefix = self.selected_id, details.public_prefix
        self.hook_url, self.hook_secret = details.url, details.secret

    @rx.event
    @requires(Permission.VIEW_AGENTS)
    def load_webhook(self):
        """Whether the selected node's webhook is live (secrets stay on the server)."""
        self.hook_node, self.hook_url, self.hook_secret = self.selected_id, "", ""
        self.can_manage = self._principal().can(Permission.MANAGE_INTEGRATIONS)
        try:
            row = self._row()
        except InvalidInput:
            self.hook_live, self.hook_prefix = False, ""
            return
        self.hook_live, self.hook_prefix = True, row.public_prefix or ""

    @rx.event
    @requires(Permission.MANAGE_INTEGRATIONS)
    def reveal_webhook(self):
        """Show the webhook's URL and signing secret (audited)."""
        trigger_id: uuid.UUID = self._row().id
        with session_scope() as session:
            details = triggers.webhook_details(
                session, principal=self._principal(), trigger_id=trigger_id
            )
        self._show(details)

    @rx.event
    @requires(Permission.MANAGE_INTEGRATIONS)
    def rotate_webhook(self):
        """Issue a new URL and secret; the old ones stop working at once."""
        trigger_id: uuid.UUID = self._row().id
        with session_scope() as session:
            details = triggers.rotate_webhook(
                session, principal=self._principal(), trigger_id=trigger_id
            )
        self._show(details)
        return rx.toast.success("New webhook URL and secret: update the sender.")

    @rx.event
    @requires(Permission.VIEW_AGENTS)
    def hide_webhook(self):
        """Forget the shown URL and secret."""
        self.hook_url, self.hook_secret = "", ""
