"""Test runs of the draft on the real workers, with a live trace on the canvas.

``run_test`` enqueues a dry run (the stored draft only); ``watch`` is a background handler that
polls the persisted steps and events every ``POLL_S`` seconds and holds ``async with self``
only to apply what it read.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import reflex as rx

from agent_platform.db import session_scope
from agent_platform.services.errors import InvalidInput
from agent_platform.services.permissions import Permission, Principal
from agent_platform.services.runs import runs
from agent_platform.services.runtime import cancel as cancellation
from agent_platform.state.base import requires, text
from agent_platform.state.builder.editor import BuilderState
from agent_platform.state.builder.steps import (
    TERMINAL,
    EventRow,
    StepRow,
    event_row,
    node_states,
    step_row,
)

POLL_S = 0.4
WATCH_LIMIT_S = 900
MAX_EVENTS = 200


def poll(principal: Principal, run_id: uuid.UUID, after_seq: int) -> dict[str, Any]:
    """One snapshot of a run: status, output, steps and new events (runs in a thread)."""
    with session_scope() as session:
        run = runs.get_run(session, principal=principal, run_id=run_id)
        steps = runs.list_steps(session, principal=principal, run_id=run_id)
        events = runs.list_events(session, principal=principal, run_id=run_id, after_seq=after_seq)
        return {
            "status": run.status,
            "error": run.error or "",
            "output": "" if run.output is None else json.dumps(run.output, indent=2, default=str),
            "steps": steps,
            "rows": [step_row(s) for s in steps],
            "events": [event_row(e) for e in events],
        }


class BuilderRunState(BuilderState):
    """The test panel: inputs, the run's status, its steps and the selected step."""

    run_inputs: str = '{\n  "message": "Hello! Please summarise our refund policy."\n}'
    run_id: str = ""
    run_status: str = ""
    run_error: str = ""
    run_output: str = ""
    node_status: dict[str, str] = {}
    node_handles: dict[str, str] = {}
    steps: list[StepRow] = []
    events: list[EventRow] = []
    step_key: str = ""

    @rx.var
    def current_step(self) -> StepRow | None:
        """The step open in the step inspector (the selected node's latest step)."""
        chosen = [s for s in self.steps if s.step_key == self.step_key]
        if not chosen and self.selected_id:
            chosen = [s for s in self.steps if s.node_id == self.selected_id]
        return chosen[-1] if chosen else None

    @rx.event
    @requires(Permission.EXECUTE_AGENT)
    def run_test(self, form: dict):
        """Run the saved draft with the JSON inputs of the form, then watch it live."""
        raw = text(form, "inputs", limit=50_000) or "{}"
        try:
            inputs = json.loads(raw)
        except ValueError:
            raise InvalidInput("The inputs must be a JSON object.") from None
        if not isinstance(inputs, dict):
            raise InvalidInput("The inputs must be a JSON object.")
        self.run_inputs = raw
        with session_scope() as session:
            run = runs.dry_run_agent(
                session, principal=self._principal(), agent_id=self._agent_uuid(), inputs=inputs
            )
            session.flush()
            run_id = str(run.id)
        self.run_id, self.run_status, self.run_error, self.run_output = run_id, "pending", "", ""
        self.steps, self.events, self.step_key = [], [], ""
        self.node_status = {n["id"]: "queued" for n in self._doc["nodes"]}
        self.node_handles = {}
        return BuilderRunState.watch

    @rx.event(background=True)
    @requires(Permission.VIEW_RUNS)
    async def watch(self):
        """Poll the run until it finishes, updating the canvas and the step list."""
        run_id, principal = self.run_id, self._principal()
        if not run_id:
            return
        node_ids = [n["id"] for n in self._doc["nodes"]]
        deadline, after = time.monotonic() + WATCH_LIMIT_S, 0
        while time.monotonic() < deadline:
            snap = await asyncio.to_thread(poll, principal, uuid.UUID(run_id), after)
            states, handles = node_states(snap["steps"], snap["status"], node_ids)
            async with self:
                if self.run_id != run_id:
                    return  # another run started; its own watcher takes over
                self.run_status, self.run_error = snap["status"], snap["error"]
                self.run_output = snap["output"]
                self.node_status, self.node_handles = states, handles
                self.steps = snap["rows"]
                if snap["events"]:
                    self.events = (self.events + snap["events"])[-MAX_EVENTS:]
            if snap["events"]:
                after = snap["events"][-1].seq
            if snap["status"] in TERMINAL:
                return
            await asyncio.sleep(POLL_S)

    @rx.event
    @requires(Permission.EXECUTE_AGENT)
    def cancel(self):
        """Ask the workers to stop the running test."""
        if not self.run_id:
            return
        with session_scope() as session:
            cancellation.cancel_run(
                session, principal=self._principal(), run_id=uuid.UUID(self.run_id)
            )
        return rx.toast.info("Cancelling the run…")

    @rx.event
    @requires(Permission.VIEW_RUNS)
    def show_step(self, step_key: Any):
        """Open one step in the step inspector."""
        if not isinstance(step_key, str) or not any(s.step_key == step_key for s in self.steps):
            raise InvalidInput("That step is not in this run.")
        self.step_key = step_key

    @rx.event
    @requires(Permission.VIEW_RUNS)
    def clear_run(self):
        """Take the run colours off the canvas."""
        self.run_id, self.run_status, self.node_status, self.node_handles = "", "", {}, {}
        self.steps, self.events, self.step_key = [], [], ""
