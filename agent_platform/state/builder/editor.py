"""The visual builder: the agent being edited, its draft graph, selection and undo history.

The browser shim keeps dragging, zooming and selecting to itself and sends committed changes;
each one becomes a new draft document here, is saved at once (drafts autosave) and pushes the
previous document on the undo stack. Editing handlers live in the substates
(``builder_edit``, ``builder_inspector``, ``builder_versions``, ``builder_run``).
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

import reflex as rx

from agent_platform.db import session_scope
from agent_platform.services.agents import agents, draft
from agent_platform.services.agents import queries as agent_queries
from agent_platform.services.credentials import llm_models
from agent_platform.services.errors import InvalidInput
from agent_platform.services.permissions import Permission
from agent_platform.state.base import AppState, parse_id, requires
from agent_platform.state.builder import view
from agent_platform.state.builder.fields import Choice, FieldView, fields

HISTORY = 25


@dataclasses.dataclass
class AgentChoice:
    """A published agent the sub-agent picker offers."""

    id: str
    name: str


@dataclasses.dataclass
class ProblemRow:
    """One validation problem in the list under the canvas."""

    node_id: str
    code: str
    message: str


class BuilderState(AppState):
    """The open agent's draft, as the canvas and the side panels show it."""

    agent_id: str = ""
    agent_name: str = ""
    agent_status: str = ""
    can_edit: bool = False
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    revision: int = 0
    problems: list[ProblemRow] = []
    selected_id: str = ""
    focus_tick: int = 0
    fit_tick: int = 0
    selected_ids: list[str] = []
    selected_type: str = ""
    fields: list[FieldView] = []
    variables: list[str] = []
    can_undo: bool = False
    can_redo: bool = False
    saved: bool = True
    palette: list[dict[str, str]] = []
    agent_choices: list[AgentChoice] = []
    panel_open: bool = True

    _doc: dict[str, Any] = {}
    _models: list[Choice] = []  # the model picker's options: the organization's models
    _org: dict[str, str] = {}  # what cards may show of the org (``default_model``)
    _undo: list[dict[str, Any]] = []
    _redo: list[dict[str, Any]] = []

    def _agent_uuid(self) -> uuid.UUID:
        return parse_id(self.agent_id, "agent")

    def _refresh(self) -> None:
        """Recompute everything shown from ``_doc`` (problems, canvas, inspector)."""
        doc = self._doc
        with session_scope() as session:
            found = agents.graph_problems(session, org_id=self._principal().org_id, definition=doc)
        self.problems = [
            ProblemRow(node_id=p.get("node_id") or "", code=p["code"], message=p["message"])
            for p in found
        ]
        self.nodes = list(view.canvas_nodes(doc, view.node_problems(found), self._org))
        self.edges = list(view.canvas_edges(doc))
        self.revision += 1
        self._refresh_selection()

    def _refresh_selection(self) -> None:
        node = next((n for n in self._doc["nodes"] if n["id"] == self.selected_id), None)
        self.selected_type = node["type"] if node else ""
        data = (node.get("data") or {}) if node else {}
        self.fields = fields(node["type"], data, self._models) if node else []
        upstream = draft.ancestors(self._doc, node["id"]) if node else []
        self.variables = view.variables(self._doc, upstream) if node else []
        self.can_undo, self.can_redo = bool(self._undo), bool(self._redo)

    def _published_agents(self) -> list[AgentChoice]:
        """The org's published agents a sub-agent step may call (never this agent itself)."""
        with session_scope() as session:
            page = agent_queries.list_agents(
                session, principal=self._principal(), status="published", limit=100
            )
            found = [AgentChoice(str(a.id), a.name) for a in page.items]
        return sorted((c for c in found if c.id != self.agent_id), key=lambda c: c.name.lower())

    def _save(self, doc: dict[str, Any]) -> None:
        with session_scope() as session:
            agents.update_agent(
                session,
                principal=self._principal(),
                agent_id=self._agent_uuid(),
                draft_definition=doc,
            )

    def _commit(self, doc: dict[str, Any]) -> None:
        """Make ``doc`` the draft: save it, remember the previous one for undo, redraw."""
        if doc == self._doc:
            return
        self._save(doc)
        self._undo = [*self._undo[-(HISTORY - 1) :], self._doc]
        self._redo = []
        self._doc = doc
        self._refresh()

    def _load_agent(self, agent_id: uuid.UUID) -> None:
        principal = self._principal()
        with session_scope() as session:
            agent = agent_queries.get_agent(session, principal=principal, agent_id=agent_id)
            self.agent_id, self.agent_name = str(agent.id), agent.name
            self.agent_status = agent.status
            self._doc = draft.normalise(agent.draft_definition)
            models = llm_models.org_models(session, principal=principal)
        self._models = [Choice(o.value, o.label) for o in models.options]
        self._org = {"default_model": models.default}
        self.can_edit = principal.can(Permission.EDIT_AGENT) and self.agent_status != "archived"
        self._undo, self._redo = [], []
        self.selected_id, self.selected_ids = "", []
        self.palette = [dict(item) for item in view.palette()]
        self.agent_choices = self._published_agents()
        self._refresh()

    @rx.event
    @requires(Permission.VIEW_AGENTS)
    def load(self):
        """Open the agent named by ``?id=`` (the draft as last saved)."""
        self._load_agent(parse_id(self._query("id"), "agent"))

    @rx.event
    @requires(Permission.VIEW_AGENTS)
    def select(self, node_ids: Any):
        """The canvas selection changed (one id opens the inspector)."""
        chosen = draft.ids(node_ids)
        self.selected_ids = chosen
        self.selected_id = chosen[0] if len(chosen) == 1 else ""
        self._refresh_selection()

    @rx.event
    @requires(Permission.VIEW_AGENTS)
    def focus(self, node_id: str):
        """Select one node (clicking a problem or a step): the canvas centres on it."""
        if not isinstance(node_id, str) or not any(n["id"] == node_id for n in self._doc["nodes"]):
            raise InvalidInput("That step is not in this graph.")
        self.selected_ids, self.selected_id = [node_id], node_id
        self.focus_tick += 1
        self._refresh_selection()

    @rx.event
    @requires(Permission.VIEW_AGENTS)
    def set_panel_open(self, value: bool):
        """Show or hide the floating inspector panel."""
        self.panel_open = value is True

    @rx.event
    @requires(Permission.EDIT_AGENT)
    def undo(self):
        """Go back to the document before the last change."""
        if not self._undo:
            return
        previous = self._undo[-1]
        self._save(previous)
        self._redo = [*self._redo, self._doc]
        self._undo = self._undo[:-1]
        self._doc = previous
        self._refresh()

    @rx.event
    @requires(Permission.EDIT_AGENT)
    def redo(self):
        """Re-apply the change undo took back."""
        if not self._redo:
            return
        following = self._redo[-1]
        self._save(following)
        self._undo = [*self._undo, self._doc]
        self._redo = self._redo[:-1]
        self._doc = following
        self._refresh()
