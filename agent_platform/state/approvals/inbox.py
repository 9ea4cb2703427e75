"""The approvals inbox list: Pending / Decided tabs with counts, filters, search, CSV export."""

import uuid

import reflex as rx

from agent_platform.db import session_scope
from agent_platform.services.agents import queries as agent_queries
from agent_platform.services.approvals import export as approvals_export
from agent_platform.services.approvals import inbox as approvals
from agent_platform.services.permissions import Permission
from agent_platform.state.approvals.view import AGES, ApprovalRow, Pair, row
from agent_platform.state.base import AppState, requires, text

TABS = ("pending", "decided")
ASSIGNEES = ("me", "anyone")


class ApprovalsState(AppState):
    """The list side of the inbox; the open item lives in ``ApprovalDetailState``."""

    tab: str = "pending"
    pending_count: int = 0
    decided_count: int = 0
    mine_count: int = 0
    agent_filter: str = "all"
    age_filter: str = "any"
    assignee_filter: str = "anyone"
    search: str = ""
    agents: list[Pair] = []
    rows: list[ApprovalRow] = []

    def _reload(self) -> None:
        principal = self._principal()
        agent_id = uuid.UUID(self.agent_filter) if self.agent_filter != "all" else None
        with session_scope() as session:
            counts = approvals.count_approvals(session, principal=principal)
            found = approvals.list_approvals(
                session, principal=principal, status=self.tab, agent_id=agent_id,
                assignee="me" if self.assignee_filter == "me" else "",
                older_than_minutes=AGES.get(self.age_filter), search=self.search,
            )  # fmt: skip
            agents = agent_queries.list_agents(session, principal=principal, limit=100).items
        self.pending_count, self.decided_count = counts["pending"], counts["decided"]
        self.mine_count = counts["mine"]
        self.rows = [row(s) for s in found]
        self.agents = sorted(
            (Pair(str(a.id), a.name) for a in agents), key=lambda p: p.value.lower()
        )

    @rx.event
    @requires(Permission.VIEW_RUNS)
    def load(self):
        """Load the list (page on_load)."""
        self._reload()

    @rx.event
    @requires(Permission.VIEW_RUNS)
    def set_tab(self, tab: str):
        """Show pending or decided requests."""
        self.tab = tab if tab in TABS else "pending"
        self._reload()

    @rx.event
    @requires(Permission.VIEW_RUNS)
    def set_agent_filter(self, value: str):
        """Only one agent's requests (``all`` for every agent)."""
        self.agent_filter = value if any(a.key == value for a in self.agents) else "all"
        self._reload()

    @rx.event
    @requires(Permission.VIEW_RUNS)
    def set_age_filter(self, value: str):
        """Only requests waiting at least this long."""
        self.age_filter = value if value in AGES else "any"
        self._reload()

    @rx.event
    @requires(Permission.VIEW_RUNS)
    def set_assignee_filter(self, value: str):
        """``me``: only requests assigned to me."""
        self.assignee_filter = value if value in ASSIGNEES else "anyone"
        self._reload()

    @rx.event
    @requires(Permission.VIEW_RUNS)
    def run_search(self, form: dict):
        """Search titles and agent names."""
        self.search = text(form, "q", limit=200)
        self._reload()

    @rx.event
    @requires(Permission.VIEW_RUNS)
    def export_csv(self):
        """Download the decision history of the current tab as CSV."""
        with session_scope() as session:
            data = approvals_export.export_csv(
                session, principal=self._principal(), status=self.tab
            )
        return rx.download(data=data, filename=f"approvals-{self.tab}.csv")
