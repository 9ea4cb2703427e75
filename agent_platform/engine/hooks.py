"""Runner layers: cross-cutting concerns (metering, limits, tracing) as hooks.

Subclass :class:`RunnerHook` and override what you need; every method is a no-op by default.
Raising a ``NodeError`` from ``before_step`` fails that step (e.g. a budget limit).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agent_platform.engine.nodes.base import NodeResult
from agent_platform.engine.outcome import RunOutcome
from agent_platform.engine.protocols import NodeError


@dataclass(frozen=True)
class StepInfo:
    """The step about to run or just run; ``parent_key`` is set for sub-steps (agent tools)."""

    step_key: str
    node_id: str
    node_type: str
    attempt: int = 1
    parent_key: str | None = None


class RunnerHook:
    """No-op base for runner layers. Hooks see executed steps only, never replayed ones."""

    async def before_run(self, *, inputs: Mapping[str, Any]) -> None:
        """Called once before the first step."""

    async def before_step(self, step: StepInfo) -> None:
        """Called before each attempt; raise ``NodeError`` to fail the step."""

    async def after_step(
        self, step: StepInfo, result: NodeResult | None, error: NodeError | None
    ) -> None:
        """Called after each attempt with its result or error (usage is on ``result``)."""

    async def after_run(self, outcome: RunOutcome) -> None:
        """Called once with the outcome."""
