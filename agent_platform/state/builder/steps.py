"""Runs and steps as the builder's test panel and the runs pages show them (pure conversions)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from agent_platform.models.runs import TERMINAL
from agent_platform.state.base import fmt_time

MAX_SHOWN = 20_000  # characters of one step's inputs/outputs sent to the browser


@dataclasses.dataclass
class StepRow:
    """One step in the step inspector."""

    step_key: str
    node_id: str
    node_type: str
    status: str
    inputs: str
    output: str
    error: str
    tokens: str
    cost: str
    duration: str
    handle: str
    model: str = ""


@dataclasses.dataclass
class EventRow:
    """One persisted run event in the live log."""

    seq: int
    type: str
    node_id: str


def _json(value: Any) -> str:
    if value is None:
        return ""
    text = json.dumps(value, indent=2, default=str)
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + "\n… (truncated)"


def step_row(step: Any) -> StepRow:
    """A ``Step`` row as the step inspector shows it."""
    return StepRow(
        step_key=step.step_key,
        node_id=step.node_id,
        node_type=step.node_type,
        status=step.status,
        inputs=_json(step.inputs),
        output=_json(step.output),
        error=step.error or "",
        tokens=f"{step.input_tokens} in / {step.output_tokens} out",
        cost=f"${float(step.cost_usd or 0):.6f}",
        duration=f"{step.duration_ms} ms" if step.duration_ms is not None else "—",
        handle=step.handle or "",
        model=step.model or "",
    )


def event_row(event: Any) -> EventRow:
    """A ``RunEvent`` row for the live log."""
    return EventRow(seq=event.seq, type=event.type, node_id=event.node_id or "")


def node_states(
    steps: list[Any], run_status: str, node_ids: list[str]
) -> tuple[dict[str, str], dict[str, str]]:
    """``(status by node, handle taken by node)`` for colouring the canvas.

    Nodes without a step are ``queued`` while the run is live; top-level steps win over
    sub-steps; a node that ran several times (loops) shows its latest step.
    """
    live = run_status not in TERMINAL
    states = dict.fromkeys(node_ids, "queued") if live else {}
    taken: dict[str, str] = {}
    for step in steps:
        if step.parent_key:
            continue
        if step.status == "skipped":
            states.pop(step.node_id, None)
            continue
        states[step.node_id] = step.status
        if step.handle:
            taken[step.node_id] = step.handle
    return states, taken


@dataclasses.dataclass
class RunRow:
    """A run in the runs list."""

    id: str
    agent_id: str
    agent_name: str
    status: str
    trigger: str
    created: str
    duration: str
    tokens: int
    cost: str
    error: str


def run_row(run: Any, agent_name: str) -> RunRow:
    """A ``Run`` as the runs list shows it."""
    seconds = (
        f"{(run.finished_at - run.started_at).total_seconds():.1f} s"
        if run.finished_at and run.started_at
        else "—"
    )
    return RunRow(
        id=str(run.id),
        agent_id=str(run.agent_id),
        agent_name=agent_name,
        status=run.status,
        trigger=run.trigger,
        created=fmt_time(run.created_at),
        duration=seconds,
        tokens=(run.input_tokens or 0) + (run.output_tokens or 0),
        cost=f"${float(run.cost_usd or 0):.4f}",
        error=(run.error or "")[:300],
    )
