"""The Runs page: every run of the org with filters (one run's page: ``state.runs.detail``)."""

from __future__ import annotations

import reflex as rx

from agent_platform.db import session_scope
from agent_platform.models.runs import RunStatus, RunTrigger
from agent_platform.services.agents import queries as agent_queries
from agent_platform.services.errors import InvalidInput
from agent_platform.services.permissions import Permission
from agent_platform.services.runs import runs
from agent_platform.state.base import AppState, parse_id, requires
from agent_platform.state.builder.steps import RunRow, run_row

STATUSES = ["all", *(s.value for s in RunStatus)]
TRIGGERS = ["all", *(t.value for t in RunTrigger)]
PAGE = 100


class RunsListState(AppState):
    """Runs of the organization, newest first, filtered by agent, status and trigger."""

    rows: list[RunRow] = []
    agent_options: list[list[str]] = []
    agent_id: str = "all"
    status: str = "all"
    trigger: str = "all"
    loaded: bool = False

    def _reload(self) -> None:
        principal = self._principal()
        agent = None if self.agent_id == "all" else parse_id(self.agent_id, "agent")
        with session_scope() as session:
            names = {
                str(a.id): a.name
                for a in agent_queries.list_agents(session, principal=principal, limit=100).items
            }
            found = runs.list_runs(
                session,
                principal=principal,
                agent_id=agent,
                status=None if self.status == "all" else self.status,
                limit=PAGE,
            ).items
            rows = [run_row(r, names.get(str(r.agent_id), "(other agent)")) for r in found]
        # The service has no trigger filter; one page is filtered here.
        self.rows = [r for r in rows if self.trigger in ("all", r.trigger)]
        self.agent_options = [["all", "All agents"], *[[k, v] for k, v in names.items()]]
        self.loaded = True

    @rx.event
    @requires(Permission.VIEW_RUNS)
    def load(self):
        """Load the list (``?agent=`` preselects an agent)."""
        wanted = self._query("agent")
        if wanted:
            self.agent_id = str(parse_id(wanted, "agent"))
        self._reload()

    @rx.event
    @requires(Permission.VIEW_RUNS)
    def set_filter(self, name: str, value: str):
        """Change one filter (``agent``, ``status`` or ``trigger``)."""
        if name == "agent" and (value == "all" or parse_id(value, "agent")):
            self.agent_id = value
        elif name == "status" and value in STATUSES:
            self.status = value
        elif name == "trigger" and value in TRIGGERS:
            self.trigger = value
        else:
            raise InvalidInput("Unknown filter.")
        self._reload()
