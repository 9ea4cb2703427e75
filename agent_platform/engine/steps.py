"""Executing one step: replay from the step store, retries, hooks, events, usage.

Internal to the runner; nodes only see the ``NodeContext`` it builds.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from agent_platform.engine.events import TokenBatcher
from agent_platform.engine.hooks import RunnerHook, StepInfo
from agent_platform.engine.limits import LimitExceeded, RunLimits, StepCounter, check_payload
from agent_platform.engine.nodes.base import Node, NodeConfig, NodeContext, NodeResult, Services
from agent_platform.engine.protocols import (
    EventSink,
    NodeError,
    PermanentError,
    RunEvent,
    RunEventType,
    StepRecord,
    StepStore,
)
from agent_platform.engine.template_limits import DEFAULT_LIMITS, TemplateLimits
from agent_platform.engine.topology import Topology


class RunPaused(Exception):  # noqa: N818 - a signal, not an error
    """A step inside a loop body paused; the loop step pauses too.

    Args:
        waiting: the step keys waiting inside the body.
    """

    def __init__(self, waiting: list[str]) -> None:
        super().__init__(waiting)
        self.waiting = waiting


class RunCancelled(Exception):  # noqa: N818
    """The run was cancelled while a loop body was running."""


@dataclass
class Usage:
    """Tokens and cost (US dollars) of a run's top-level steps."""

    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0

    def add(self, item: StepRecord | NodeResult) -> None:
        """Count one step's usage."""
        self.input_tokens += item.input_tokens
        self.output_tokens += item.output_tokens
        self.cost_usd += item.cost_usd


@dataclass
class RunState:
    """What every step of one run shares."""

    topology: Topology
    configs: Mapping[str, NodeConfig]
    classes: Mapping[str, type[Node[Any]]]
    services: Services
    store: StepStore
    events: EventSink
    hooks: Sequence[RunnerHook]
    inputs: Mapping[str, Any]
    token_batch_chars: int = 64
    template_limits: TemplateLimits = DEFAULT_LIMITS
    limits: RunLimits = field(default_factory=RunLimits)
    steps: StepCounter = field(default_factory=lambda: StepCounter(None))
    usage: Usage = field(default_factory=Usage)
    attempts: Counter[str] = field(default_factory=Counter)

    async def emit(self, kind: RunEventType, step_key: str, node_id: str, **data: Any) -> None:
        """Send an event to the sink."""
        await self.events.emit(RunEvent(kind, step_key, node_id, data))


@dataclass
class StepOutcome:
    """How a step ended, as the scheduler needs it."""

    status: Literal["succeeded", "paused", "failed", "cancelled"]
    step_key: str
    output: Any = None
    handle: str | None = None
    error: str | None = None
    waiting: list[str] = field(default_factory=list)


def _record(info: StepInfo, result: NodeResult) -> StepRecord:
    return StepRecord(
        step_key=info.step_key,
        node_id=info.node_id,
        node_type=info.node_type,
        output=result.output,
        handle=result.handle,
        input_tokens=result.input_tokens,
        output_tokens=result.output_tokens,
        cost_usd=result.cost_usd,
        model=result.model,
        logs=tuple(result.logs),
        parent_key=info.parent_key,
    )


def _from_record(record: StepRecord) -> NodeResult:
    return NodeResult(
        output=record.output,
        handle=record.handle,
        input_tokens=record.input_tokens,
        output_tokens=record.output_tokens,
        cost_usd=record.cost_usd,
        model=record.model,
        logs=list(record.logs),
    )


def _as_node_error(exc: Exception) -> NodeError:
    if isinstance(exc, NodeError):
        return exc
    # A bug in a node or adapter: fail the step with the type, not a stack trace.
    return PermanentError(f"Unexpected error in this step: {type(exc).__name__}: {exc}")


async def _finish(
    state: RunState,
    info: StepInfo,
    started: float,
    result: NodeResult | None,
    error: NodeError | None,
) -> None:
    """Run after_step hooks and record the attempt's end (not for pauses)."""
    duration_ms = int((time.monotonic() - started) * 1000)
    for hook in state.hooks:
        await hook.after_step(info, result, error)
    if error is not None:
        await state.store.step_failed(
            step_key=info.step_key,
            node_id=info.node_id,
            error=error.message,
            transient=error.transient,
            duration_ms=duration_ms,
            attempt=info.attempt,
        )
        await state.emit(
            "step_failed", info.step_key, info.node_id, error=error.message, attempt=info.attempt
        )
    elif result is not None and result.status == "succeeded":
        record = _record(info, result)
        await state.store.step_succeeded(record, duration_ms=duration_ms, attempt=info.attempt)
        await state.emit(
            "step_completed",
            info.step_key,
            info.node_id,
            handle=result.handle,
            duration_ms=duration_ms,
            replayed=False,
            model=result.model,
        )


async def _start(state: RunState, info: StepInfo, inputs: dict[str, Any]) -> None:
    await state.store.step_started(
        step_key=info.step_key,
        node_id=info.node_id,
        node_type=info.node_type,
        attempt=info.attempt,
        inputs=inputs,
    )
    await state.emit("step_started", info.step_key, info.node_id, attempt=info.attempt)
    for hook in state.hooks:
        await hook.before_step(info)


async def run_substep(
    state: RunState, parent: StepInfo, name: str, fn: Callable[[], Awaitable[NodeResult]]
) -> NodeResult:
    """Run a node's sub-operation as its own replayable step ``"<parent>/<name>"``.

    Raises:
        NodeError: the sub-operation failed (recorded first).
    """
    key = f"{parent.step_key}/{name}"
    cached = await state.store.completed(key)
    if cached is not None:
        await state.emit("step_completed", key, parent.node_id, replayed=True)
        return _from_record(cached)
    state.attempts[key] += 1
    info = StepInfo(key, parent.node_id, parent.node_type, state.attempts[key], parent.step_key)
    started = time.monotonic()
    await _start(state, info, {})
    try:
        result = await fn()
    except Exception as exc:
        error = _as_node_error(exc)
        await _finish(state, info, started, None, error)
        raise error from exc
    await _finish(state, info, started, result, None)
    return result


@dataclass
class StepRequest:
    """One step to execute: which node, under which key, with which variables."""

    node_id: str
    step_key: str
    variables: Mapping[str, Any]
    incoming: dict[str, Any]
    run_body: Callable[[int, Any], Awaitable[Any]] | None = None


async def _attempt(state: RunState, request: StepRequest, attempt: int) -> StepOutcome | NodeError:
    node = state.topology.nodes[request.node_id]
    info = StepInfo(request.step_key, node.id, node.type, attempt)
    batcher = TokenBatcher(
        state.events, step_key=info.step_key, node_id=node.id, max_chars=state.token_batch_chars
    )
    ctx = NodeContext(
        node_id=node.id,
        node_type=node.type,
        step_key=info.step_key,
        config=state.configs[node.id],
        inputs=state.inputs,
        variables=request.variables,
        incoming=request.incoming,
        services=state.services,
        on_token=batcher,
        run_body=request.run_body,
        substep=lambda name, fn: run_substep(state, info, name, fn),
        template_limits=state.template_limits,
    )
    started = time.monotonic()
    result: NodeResult | None = None
    try:
        await _start(state, info, request.incoming)
        result = await state.classes[node.id](ctx.config).run(ctx)
        check_payload(result.output, state.limits.max_payload_bytes, "This step's output")
    except RunPaused as paused:
        return StepOutcome("paused", info.step_key, waiting=paused.waiting)
    except RunCancelled:
        return StepOutcome("cancelled", info.step_key)
    except asyncio.CancelledError:
        await _finish(state, info, started, None, PermanentError("Cancelled"))
        raise
    except Exception as exc:
        error = _as_node_error(exc)
        await _finish(state, info, started, None, error)
        return error
    finally:
        await batcher.flush()
    await _finish(state, info, started, result, None)
    if result.status == "paused":
        await state.store.step_paused(
            step_key=info.step_key, node_id=node.id, payload=result.output
        )
        await state.emit("waiting_approval", info.step_key, node.id, request=result.output)
        return StepOutcome("paused", info.step_key, waiting=[info.step_key])
    state.usage.add(result)
    return StepOutcome("succeeded", info.step_key, result.output, result.handle)


async def execute_step(state: RunState, request: StepRequest) -> StepOutcome:
    """Replay the step if the store has it, else run it with the node's retry policy."""
    try:
        state.steps.take()
    except LimitExceeded as exc:
        return StepOutcome("failed", request.step_key, error=exc.message)
    cached = await state.store.completed(request.step_key)
    if cached is not None:
        state.usage.add(cached)
        await state.emit(
            "step_completed",
            request.step_key,
            request.node_id,
            handle=cached.handle,
            replayed=True,
            model=cached.model,
        )
        return StepOutcome("succeeded", request.step_key, cached.output, cached.handle)
    policy = state.configs[request.node_id].retry
    for attempt in range(1, policy.max_attempts + 1):
        outcome = await _attempt(state, request, attempt)
        if isinstance(outcome, StepOutcome):
            return outcome
        if not outcome.transient or attempt == policy.max_attempts:
            return StepOutcome("failed", request.step_key, error=outcome.message)
        delay = policy.backoff_seconds * policy.backoff_multiplier ** (attempt - 1)
        await state.emit(
            "step_retrying",
            request.step_key,
            request.node_id,
            attempt=attempt,
            delay_s=delay,
            error=outcome.message,
        )
        await asyncio.sleep(delay)
    raise AssertionError("unreachable: max_attempts >= 1")
