"""Dataflow scheduling of one scope (the top level, or one iteration of a loop body).

Each edge is *pending*, *taken* or *skipped*. A node runs once all its incoming edges are
decided and at least one was taken; if all were skipped it is skipped too and its outgoing
edges are skipped (dead-path elimination), so merges after an ``if_else`` run exactly once.
A node whose class ``runs_on_first_input`` (a ``join`` in mode ``any``/``first``) runs as soon
as one incoming edge is taken; one that ``cancels_other_branches`` (``first``) then cancels the
branches that lead only into it. Ready nodes run concurrently.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Literal

from agent_platform.engine.protocols import PermanentError
from agent_platform.engine.steps import (
    RunCancelled,
    RunPaused,
    RunState,
    StepOutcome,
    StepRequest,
    execute_step,
)

PENDING, TAKEN, SKIPPED = "pending", "taken", "skipped"


@dataclass
class ScopeResult:
    """How a scope ended; ``outputs`` by node id, ``order`` in completion order."""

    status: Literal["succeeded", "failed", "paused", "cancelled"]
    outputs: dict[str, Any] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    error: str | None = None
    failed_step_key: str | None = None
    paused_step_keys: list[str] = field(default_factory=list)


class ScopeRunner:
    """Runs the nodes of one scope to completion, pause, failure or cancellation.

    Args:
        scope: the loop whose body this is, or ``None`` for the top level.
        prefix: step-key prefix, ``""`` or e.g. ``"loop_1[3]/"``.
        variables: the template context visible at the start of the scope.
        skip: nodes to skip from the start (triggers not used by this run).
    """

    def __init__(
        self,
        state: RunState,
        scope: str | None,
        prefix: str,
        variables: dict[str, Any],
        skip: frozenset[str] = frozenset(),
    ) -> None:
        topo = state.topology
        self.state, self.scope, self.prefix = state, scope, prefix
        self.nodes = topo.scope_nodes(scope)
        self.edges = topo.scope_edges(scope)
        self.edge_state = [PENDING] * len(self.edges)
        self.in_idx: dict[str, list[int]] = {n: [] for n in self.nodes}
        self.out_idx: dict[str, list[int]] = {n: [] for n in self.nodes}
        for i, edge in enumerate(self.edges):
            self.out_idx[edge.source].append(i)
            self.in_idx[edge.target].append(i)
        self.node_state = {n: ("skip" if n in skip else PENDING) for n in self.nodes}
        self.variables = dict(variables)
        self.result = ScopeResult("succeeded")
        self.tasks: dict[asyncio.Task[StepOutcome], str] = {}

    def _decision(self, node_id: str) -> str | None:
        states = [self.edge_state[i] for i in self.in_idx[node_id]]
        if not states:
            return "run"
        eager = self.state.classes[node_id].runs_on_first_input(self.state.configs[node_id])
        if eager and TAKEN in states:
            return "run"
        if PENDING in states:
            return None
        return "run" if TAKEN in states else "skip"

    def _settle(self) -> tuple[list[str], list[str]]:
        """Propagate skips and collect nodes ready to run (marked running)."""
        to_run, to_skip = [], [n for n, s in self.node_state.items() if s == "skip"]
        for node_id in to_skip:
            self._mark_skipped(node_id)
        changed = True
        while changed:
            changed = False
            for node_id in self.nodes:
                if self.node_state[node_id] != PENDING:
                    continue
                decision = self._decision(node_id)
                if decision == "skip":
                    self._mark_skipped(node_id)
                    to_skip.append(node_id)
                    changed = True
                elif decision == "run":
                    self.node_state[node_id] = "running"
                    to_run.append(node_id)
                    cancelled = self._cancel_exclusive(node_id)
                    to_skip += cancelled
                    changed = changed or bool(cancelled)
        return to_run, to_skip

    def _mark_skipped(self, node_id: str) -> None:
        self.node_state[node_id] = SKIPPED
        for i in self.out_idx[node_id]:
            self.edge_state[i] = SKIPPED

    def _cancel_exclusive(self, join_id: str) -> list[str]:
        """For ``first`` joins: cancel unfinished branches whose every path ends here."""
        if not self.state.classes[join_id].cancels_other_branches(self.state.configs[join_id]):
            return []
        exclusive: set[str] = set()
        changed = True
        while changed:
            changed = False
            for node_id in self.nodes:
                if node_id == join_id or node_id in exclusive:
                    continue
                if self.node_state[node_id] not in (PENDING, "running"):
                    continue
                targets = {self.edges[i].target for i in self.out_idx[node_id]}
                if targets and targets <= exclusive | {join_id}:
                    exclusive.add(node_id)
                    changed = True
        for task, node_id in self.tasks.items():
            if node_id in exclusive:
                task.cancel()
        for node_id in exclusive:
            self._mark_skipped(node_id)
        return sorted(exclusive)

    async def _start(self, node_id: str) -> None:
        incoming = {
            self.edges[i].source: self.result.outputs[self.edges[i].source]
            for i in self.in_idx[node_id]
            if self.edge_state[i] == TAKEN and self.edges[i].source in self.result.outputs
        }
        variables = dict(self.variables)
        run_body = None
        if node_id in self.state.topology.loop_bodies:
            run_body = self._body_runner(node_id, variables)
        request = StepRequest(node_id, self.prefix + node_id, variables, incoming, run_body)
        self.tasks[asyncio.create_task(execute_step(self.state, request))] = node_id

    def _body_runner(self, loop_id: str, variables: dict[str, Any]) -> Any:
        async def run_body(index: int, item: Any) -> Any:
            scope_vars = {**variables, loop_id: {"item": item, "index": index}}
            body = ScopeRunner(self.state, loop_id, f"{self.prefix}{loop_id}[{index}]/", scope_vars)
            result = await body.execute()
            if result.status == "paused":
                raise RunPaused(result.paused_step_keys)
            if result.status == "cancelled":
                raise RunCancelled
            if result.status == "failed":
                raise PermanentError(
                    f"Iteration {index} failed at step {result.failed_step_key}: {result.error}"
                )
            return _iteration_output(self.state, loop_id, result)

        return run_body

    async def _launch(self) -> None:
        to_run, skipped = self._settle()
        for node_id in skipped:
            key = self.prefix + node_id
            await self.state.store.step_skipped(step_key=key, node_id=node_id)
            await self.state.emit("step_skipped", key, node_id)
        if to_run and await self.state.store.is_cancelled():
            self.result.status = "cancelled"
            return
        for node_id in to_run:
            await self._start(node_id)

    def _complete(self, node_id: str, outcome: StepOutcome) -> None:
        if outcome.status == "succeeded":
            self.node_state[node_id] = "done"
            self.result.outputs[node_id] = outcome.output
            self.result.order.append(node_id)
            self.variables[node_id] = {"output": outcome.output}
            for i in self.out_idx[node_id]:
                handle = self.state.topology.handle_of(self.edges[i])
                follow = outcome.handle is None or handle == outcome.handle
                self.edge_state[i] = TAKEN if follow else SKIPPED
        elif outcome.status == "paused":
            self.node_state[node_id] = "paused"
            self.result.paused_step_keys.extend(outcome.waiting or [outcome.step_key])
        elif outcome.status == "cancelled":
            self.result.status = "cancelled"
        else:
            self.result.status = "failed"
            self.result.error, self.result.failed_step_key = outcome.error, outcome.step_key

    async def execute(self) -> ScopeResult:
        """Run until nothing more can run; the status says why it stopped."""
        try:
            await self._launch()
            while self.tasks and self.result.status == "succeeded":
                done, _ = await asyncio.wait(self.tasks, return_when=asyncio.FIRST_COMPLETED)
                for task in sorted(done, key=lambda t: self.tasks[t]):
                    node_id = self.tasks.pop(task)
                    if task.cancelled() or self.node_state[node_id] == SKIPPED:
                        continue
                    self._complete(node_id, task.result())
                if self.result.status == "succeeded":
                    await self._launch()
        finally:
            await self._stop_all()
        if self.result.status == "succeeded" and self.result.paused_step_keys:
            self.result.status = "paused"
        return self.result

    async def _stop_all(self) -> None:
        # A cancelled run lets steps in flight finish (they may be mid side effect and record
        # their result); a failure or an outer cancellation (time limit) stops them.
        if self.result.status != "cancelled":
            for task in self.tasks:
                task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self.tasks.clear()


def _iteration_output(state: RunState, loop_id: str, result: ScopeResult) -> Any:
    """The output of the body node that closed the iteration last (else the last one run)."""
    topo = state.topology
    closers = {e.source for e in topo.edges if e.target == loop_id and topo.is_closing(e)}
    for node_id in reversed(result.order):
        if node_id in closers:
            return result.outputs[node_id]
    return result.outputs[result.order[-1]] if result.order else None
