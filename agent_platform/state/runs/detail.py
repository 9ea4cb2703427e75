"""One run's page: its graph with the path taken, its steps and the step inspector."""

from __future__ import annotations

import asyncio
import dataclasses
import time
import uuid
from typing import Any

import reflex as rx

from agent_platform.db import session_scope
from agent_platform.services.agents import draft
from agent_platform.services.agents import queries as agent_queries
from agent_platform.services.errors import InvalidInput
from agent_platform.services.permissions import Permission
from agent_platform.services.runs import runs
from agent_platform.services.runtime import cancel as cancellation
from agent_platform.state.base import AppState, parse_id, requires
from agent_platform.state.builder import view
from agent_platform.state.builder.run import POLL_S, WATCH_LIMIT_S, poll
from agent_platform.state.builder.steps import TERMINAL, RunRow, StepRow, node_states, run_row

NO_EVENTS = 2**31 - 1  # the detail page shows steps, not the event log


class RunDetailState(AppState):
    """One run: its graph with the path taken, its steps and the step inspector."""

    run: RunRow | None = None
    output: str = ""
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    node_status: dict[str, str] = {}
    node_handles: dict[str, str] = {}
    steps: list[StepRow] = []
    step_key: str = ""
    _node_ids: list[str] = []

    @rx.var
    def current_step(self) -> StepRow | None:
        """The step open in the inspector."""
        return next((s for s in self.steps if s.step_key == self.step_key), None)

    @rx.var
    def live(self) -> bool:
        """Whether the run has not finished yet (it can be cancelled)."""
        return self.run is not None and self.run.status not in TERMINAL

    def _apply(self, snap: dict[str, Any]) -> None:
        states, handles = node_states(snap["steps"], snap["status"], self._node_ids)
        self.node_status, self.node_handles, self.steps = states, handles, snap["rows"]
        self.output = snap["output"]
        if self.run is not None:
            self.run = dataclasses.replace(
                self.run, status=snap["status"], error=snap["error"][:300]
            )
        ran = [s for s in self.steps if s.status != "skipped"]
        if not self.step_key and ran:
            self.step_key = ran[-1].step_key

    @rx.event
    @requires(Permission.VIEW_RUNS)
    def load(self):
        """Load ``?id=<run>``; a live run keeps updating."""
        run_id = parse_id(self._query("id"), "run")
        principal = self._principal()
        with session_scope() as session:
            run = runs.get_run(session, principal=principal, run_id=run_id)
            agent = agent_queries.get_agent(session, principal=principal, agent_id=run.agent_id)
            doc = draft.normalise(run.definition)
            self.run = run_row(run, agent.name)
        self._node_ids = [n["id"] for n in doc["nodes"]]
        self.nodes = list(view.canvas_nodes(doc, {}))
        self.edges = list(view.canvas_edges(doc))
        self.step_key = ""
        self._apply(poll(principal, run_id, NO_EVENTS))
        if self.run.status not in TERMINAL:
            return RunDetailState.watch

    @rx.event(background=True)
    @requires(Permission.VIEW_RUNS)
    async def watch(self):
        """Follow a live run until it finishes."""
        if self.run is None:
            return
        run_id, principal = self.run.id, self._principal()
        deadline = time.monotonic() + WATCH_LIMIT_S
        while time.monotonic() < deadline:
            await asyncio.sleep(POLL_S)
            snap = await asyncio.to_thread(poll, principal, uuid.UUID(run_id), NO_EVENTS)
            async with self:
                if self.run is None or self.run.id != run_id:
                    return
                self._apply(snap)
            if snap["status"] in TERMINAL:
                return

    @rx.event
    @requires(Permission.EXECUTE_AGENT)
    def cancel(self):
        """Cancel this run (and its sub-agent runs); the approvals it waited for close."""
        if self.run is None or self.run.status in TERMINAL:
            return
        with session_scope() as session:
            run = cancellation.cancel_run(
                session, principal=self._principal(), run_id=uuid.UUID(self.run.id)
            )
            status = run.status
        self.run = dataclasses.replace(self.run, status=status)
        return rx.toast.info("Cancelling the run…")

    @rx.event
    @requires(Permission.VIEW_RUNS)
    def show_step(self, step_key: Any):
        """Open one step in the inspector."""
        if not isinstance(step_key, str) or not any(s.step_key == step_key for s in self.steps):
            raise InvalidInput("That step is not in this run.")
        self.step_key = step_key

    @rx.event
    @requires(Permission.VIEW_RUNS)
    def select_node(self, node_ids: Any):
        """Clicking a node on the graph opens its latest step."""
        chosen = draft.ids(node_ids)
        found = [s for s in self.steps if chosen and s.node_id == chosen[0]]
        if found:
            self.step_key = found[-1].step_key
