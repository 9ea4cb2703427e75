"""The runner: executes a validated graph, replaying completed steps from a ``StepStore``.

Usage::

    runner = Runner(graph_doc, services=Services(llm=..., http=...), step_store=store,
                    events=sink, hooks=[MeteringHook()], time_limit_s=300)
    outcome = await runner.run({"message": "hi"})

A paused run (an approval without a decision) returns ``status="paused"``; calling
``run`` again with the same inputs and store resumes it: completed steps are replayed from the
store without running their nodes, and the approval node reads its decision.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Mapping, Sequence
from typing import Any

from agent_platform.engine.events import NullEventSink
from agent_platform.engine.graph import GraphDocument
from agent_platform.engine.hooks import RunnerHook
from agent_platform.engine.limits import (
    LimitedSubAgents,
    LimitExceeded,
    RunLimits,
    StepCounter,
    check_payload,
)
from agent_platform.engine.memory import InMemoryStepStore
from agent_platform.engine.nodes.base import Services
from agent_platform.engine.outcome import RunOutcome
from agent_platform.engine.protocols import EventSink, RunEvent, StepStore
from agent_platform.engine.registry import get_node_type
from agent_platform.engine.scheduler import ScopeResult, ScopeRunner
from agent_platform.engine.steps import RunState
from agent_platform.engine.template_limits import DEFAULT_LIMITS, TemplateLimits
from agent_platform.engine.topology import Topology
from agent_platform.engine.validation import InvalidGraphError, validate_graph


class Runner:
    """Runs one graph. Construct once per graph; ``run`` may be called per run/resume.

    Args:
        graph: a graph document (dict as saved by the canvas, or ``GraphDocument``).
        services: the ports nodes may use; missing ones fail the nodes that need them.
        step_store: durable step records (default: a fresh in-memory store per runner).
        events: progress events (default: discarded).
        hooks: runner layers, called in order.
        time_limit_s: wall-clock limit per ``run`` call in seconds (``None``: no limit).
        token_batch_chars: streamed text is sent in events of about this many characters.
        template_limits: what every template of the graph is held to, when it is validated
            here and each time a step renders one.
        limits: steps, sub-agent depth and child runs, payload sizes (default: ``RunLimits()``).
        depth: sub-agent nesting depth of this run (0 for a top-level run).

    Raises:
        InvalidGraphError: the graph has problems (``validate_graph`` lists them).
    """

    def __init__(
        self,
        graph: Mapping[str, Any] | GraphDocument,
        *,
        services: Services | None = None,
        step_store: StepStore | None = None,
        events: EventSink | None = None,
        hooks: Sequence[RunnerHook] = (),
        time_limit_s: float | None = 300.0,
        token_batch_chars: int = 64,
        template_limits: TemplateLimits = DEFAULT_LIMITS,
        limits: RunLimits | None = None,
        depth: int = 0,
    ) -> None:
        raw = graph.model_dump() if isinstance(graph, GraphDocument) else dict(graph)
        problems = validate_graph(raw, template_limits=template_limits)
        if problems:
            raise InvalidGraphError(problems)
        self.graph = GraphDocument.model_validate(raw)
        self.classes = {n.id: get_node_type(n.type) for n in self.graph.nodes}
        self.configs = {n.id: self.classes[n.id].parse_config(n.data) for n in self.graph.nodes}
        handles = {
            node_id: [h.id for h in cls.output_handles(self.configs[node_id])]
            for node_id, cls in self.classes.items()
        }
        self.topology = Topology(self.graph, handles)
        self.limits = limits or RunLimits()
        self.depth = depth
        self.services = services or Services()
        self.step_store = step_store or InMemoryStepStore()
        self.events = events or NullEventSink()
        self.hooks = list(hooks)
        self.time_limit_s = time_limit_s
        self.token_batch_chars = token_batch_chars
        self.template_limits = template_limits

    async def run(
        self, inputs: Mapping[str, Any] | None = None, *, trigger_id: str | None = None
    ) -> RunOutcome:
        """Run (or resume) the graph with ``inputs``.

        Args:
            inputs: the run inputs, available as ``{{inputs.x}}`` and as the trigger's output.
            trigger_id: start from this trigger only (others are skipped); default: all.

        Returns:
            The outcome; node failures are reported there, not raised.
        """
        inputs = dict(inputs or {})
        services = self.services
        if services.sub_agents is not None:
            limited = LimitedSubAgents(services.sub_agents, self.limits, self.depth)
            services = dataclasses.replace(services, sub_agents=limited)
        state = RunState(
            topology=self.topology,
            configs=self.configs,
            classes=self.classes,
            services=services,
            store=self.step_store,
            events=self.events,
            hooks=self.hooks,
            inputs=inputs,
            token_batch_chars=self.token_batch_chars,
            template_limits=self.template_limits,
            limits=self.limits,
            steps=StepCounter(self.limits.max_steps),
        )
        for hook in self.hooks:
            await hook.before_run(inputs=inputs)
        started = time.monotonic()
        skip = frozenset(
            n.id for n in self.graph.nodes if n.type == "trigger" and trigger_id not in (None, n.id)
        )
        try:
            check_payload(inputs, self.limits.max_payload_bytes, "The run's inputs")
            async with asyncio.timeout(self.time_limit_s):
                scope = ScopeRunner(state, None, "", {"inputs": inputs}, skip=skip)
                result = await scope.execute()
            outcome = self._outcome(result, state, started)
        except LimitExceeded as exc:
            outcome = self._outcome(ScopeResult("failed", error=exc.message), state, started)
        except TimeoutError:
            limit = f"{self.time_limit_s:g}"
            error = f"The run took longer than its time limit of {limit} seconds and was stopped."
            outcome = self._outcome(ScopeResult("failed", error=error), state, started)
        await self.events.emit(RunEvent("run_finished", data=_event_data(outcome)))
        for hook in self.hooks:
            await hook.after_run(outcome)
        return outcome

    def _outcome(self, result: ScopeResult, state: RunState, started: float) -> RunOutcome:
        output = next(
            (
                result.outputs[n.id]
                for n in self.graph.nodes
                if n.type == "output" and n.id in result.outputs
            ),
            None,
        )
        return RunOutcome(
            status=result.status,
            output=output if result.status == "succeeded" else None,
            error=result.error,
            failed_step_key=result.failed_step_key,
            waiting_step_keys=tuple(result.paused_step_keys),
            input_tokens=state.usage.input_tokens,
            output_tokens=state.usage.output_tokens,
            cost_usd=state.usage.cost_usd,
            duration_ms=int((time.monotonic() - started) * 1000),
        )


def _event_data(outcome: RunOutcome) -> dict[str, Any]:
    return {
        "status": outcome.status,
        "error": outcome.error,
        "failed_step_key": outcome.failed_step_key,
        "waiting_step_keys": list(outcome.waiting_step_keys),
        "cost_usd": outcome.cost_usd,
    }
