"""The agents list: search, status filter, last run, create, duplicate, archive."""

from __future__ import annotations

import copy
import dataclasses

import reflex as rx

from agent_platform import routes
from agent_platform.db import session_scope
from agent_platform.services.agents import agents
from agent_platform.services.agents import queries as agent_queries
from agent_platform.services.errors import InvalidInput
from agent_platform.services.permissions import Permission
from agent_platform.services.runs import runs
from agent_platform.state.base import AppState, fmt_time, parse_id, requires, text

STATUSES = ["all", "draft", "published", "archived"]
PAGE = 100


@dataclasses.dataclass
class AgentRow:
    """An agent in the list."""

    id: str
    name: str
    description: str
    status: str
    updated: str
    nodes: int
    last_run: str
    last_run_status: str


class AgentsListState(AppState):
    """The organization's agents."""

    rows: list[AgentRow] = []
    search: str = ""
    status: str = "all"
    loaded: bool = False
    can_create: bool = False
    can_archive: bool = False
    can_run: bool = False
    create_open: bool = False

    def _reload(self) -> None:
        principal = self._principal()
        self.can_create = principal.can(Permission.CREATE_AGENT)
        self.can_archive = principal.can(Permission.DELETE_AGENT)
        self.can_run = principal.can(Permission.EXECUTE_AGENT)
        with session_scope() as session:
            page = agent_queries.list_agents(
                session,
                principal=principal,
                search=self.search or None,
                status=None if self.status == "all" else self.status,
                limit=PAGE,
            )
            rows = []
            for agent in page.items:
                last = runs.list_runs(
                    session, principal=principal, agent_id=agent.id, limit=1
                ).items
                rows.append(
                    AgentRow(
                        id=str(agent.id),
                        name=agent.name,
                        description=agent.description,
                        status=agent.status,
                        updated=fmt_time(agent.updated_at),
                        nodes=len((agent.draft_definition or {}).get("nodes") or []),
                        last_run=fmt_time(last[0].created_at) if last else "never",
                        last_run_status=last[0].status if last else "",
                    )
                )
        self.rows, self.loaded = rows, True

    @rx.event
    @requires(Permission.VIEW_AGENTS)
    def load(self):
        """Load the list."""
        self._reload()

    @rx.event
    @requires(Permission.VIEW_AGENTS)
    def apply_filter(self, form: dict):
        """Apply the search box and status filter."""
        status = text(form, "status", limit=20) or "all"
        if status not in STATUSES:
            raise InvalidInput("Unknown status.")
        self.search, self.status = text(form, "search", limit=200), status
        self._reload()

    @rx.event
    @requires(Permission.VIEW_AGENTS)
    def set_status(self, status: str):
        """Show only agents in ``status`` (``all`` for every one)."""
        if status not in STATUSES:
            raise InvalidInput("Unknown status.")
        self.status = status
        self._reload()

    @rx.event
    @requires(Permission.CREATE_AGENT)
    def set_create_open(self, value: bool):
        """Open or close the create dialog."""
        self.create_open = value is True

    @rx.event
    @requires(Permission.CREATE_AGENT)
    def create(self, form: dict):
        """Create a draft agent and open it in the builder."""
        with session_scope() as session:
            agent = agents.create_agent(
                session,
                principal=self._principal(),
                name=text(form, "name", limit=200),
                description=text(form, "description", limit=2000),
            )
            session.flush()
            agent_id = str(agent.id)
        self.create_open = False
        return rx.redirect(routes.agent_edit_url(agent_id))

    @rx.event
    @requires(Permission.CREATE_AGENT)
    def duplicate(self, agent_id: str):
        """Copy an agent's draft into a new draft agent."""
        principal = self._principal()
        with session_scope() as session:
            source = agent_queries.get_agent(
                session, principal=principal, agent_id=parse_id(agent_id, "agent")
            )
            agents.create_agent(
                session,
                principal=principal,
                name=f"{source.name} (copy)"[:200],
                description=source.description,
                draft_definition=copy.deepcopy(source.draft_definition),
            )
        self._reload()
        return rx.toast.success("Agent duplicated.")

    @rx.event
    @requires(Permission.DELETE_AGENT)
    def archive(self, agent_id: str):
        """Archive an agent: it stops running; its history stays."""
        with session_scope() as session:
            agents.archive_agent(
                session, principal=self._principal(), agent_id=parse_id(agent_id, "agent")
            )
        self._reload()
        return rx.toast.success("Agent archived.")
