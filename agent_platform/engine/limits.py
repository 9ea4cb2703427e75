"""Per-run limits the runner enforces; the caller (the worker) fills them from its settings.

The engine never reads settings: a ``RunLimits`` is passed to ``Runner``. Every limit that is
hit fails the step (or the run) with a message naming the limit, so a builder knows what to
change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from agent_platform.engine.protocols import PermanentError


@dataclass(frozen=True)
class RunLimits:
    """Bounds on the work one run may do (``None``: unbounded).

    Attributes:
        max_steps: steps (including loop-body and replayed steps) one run may execute.
        max_sub_agent_depth: how deep sub-agents may nest below a top-level run.
        max_child_runs: sub-agent calls one run may make.
        max_payload_bytes: JSON size of the run's inputs and of each step's output.
    """

    max_steps: int | None = 10_000
    max_sub_agent_depth: int | None = 5
    max_child_runs: int | None = 50
    max_payload_bytes: int | None = 1_000_000


class LimitExceeded(PermanentError):
    """A run limit was reached; the message names it (never retried)."""


def payload_bytes(value: Any) -> int:
    """The size of ``value`` as compact JSON, in bytes (non-JSON values via ``str``)."""
    return len(json.dumps(value, default=str, separators=(",", ":")).encode())


def check_payload(value: Any, limit: int | None, what: str) -> None:
    """Raise ``LimitExceeded`` when ``value`` is larger than ``limit`` bytes.

    Args:
        what: what the value is, for the message (e.g. ``"This step's output"``).
    """
    if limit is None:
        return
    size = payload_bytes(value)
    if size > limit:
        raise LimitExceeded(
            f"{what} is {size} bytes, more than the payload limit of {limit} bytes per run."
        )


class StepCounter:
    """Counts the steps of one run against ``RunLimits.max_steps``."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.count = 0

    def take(self) -> None:
        """Count one step.

        Raises:
            LimitExceeded: the run already used all its steps.
        """
        self.count += 1
        if self.limit is not None and self.count > self.limit:
            raise LimitExceeded(
                f"The run reached its step limit of {self.limit} steps and was stopped."
            )


class LimitedSubAgents:
    """Wraps a ``SubAgentRunner``: refuses calls beyond the depth and child-run limits.

    Args:
        inner: the real runner (the worker's), or ``None`` when sub-agents are unavailable.
        limits: the run's limits.
        depth: nesting depth of this run (0 for a top-level run).
    """

    def __init__(self, inner: Any, limits: RunLimits, depth: int) -> None:
        self.inner = inner
        self.limits = limits
        self.depth = depth
        self.calls = 0

    async def run(self, *, agent_id: str, inputs: dict[str, Any], step_key: str) -> Any:
        """Check the limits, then delegate.

        Raises:
            LimitExceeded: too deep, too many child runs, or inputs too large.
        """
        depth_limit = self.limits.max_sub_agent_depth
        if depth_limit is not None and self.depth >= depth_limit:
            raise LimitExceeded(
                f"Sub-agents may nest at most {depth_limit} deep (the sub-agent depth limit)."
            )
        self.calls += 1
        child_limit = self.limits.max_child_runs
        if child_limit is not None and self.calls > child_limit:
            raise LimitExceeded(
                f"The run reached its child-run limit of {child_limit} sub-agent calls."
            )
        check_payload(inputs, self.limits.max_payload_bytes, "The sub-agent's inputs")
        return await self.inner.run(agent_id=agent_id, inputs=inputs, step_key=step_key)
