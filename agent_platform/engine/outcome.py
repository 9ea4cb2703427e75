"""How a run invocation ended: the runner's result, read by hooks and the run lifecycle."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

RunStatus = Literal["succeeded", "failed", "paused", "cancelled"]


@dataclass(frozen=True)
class RunOutcome:
    """How a run invocation ended.

    Attributes:
        output: the output node's value (the first output node, in document order, that ran).
        error: why it failed, for people.
        failed_step_key: the step that failed, if one did.
        waiting_step_keys: steps waiting for a decision when paused.
        input_tokens, output_tokens, cost_usd: totals of the run's top-level steps,
            replayed ones included; cost in US dollars.
        duration_ms: wall time of this invocation in milliseconds.
    """

    status: RunStatus
    output: Any = None
    error: str | None = None
    failed_step_key: str | None = None
    waiting_step_keys: tuple[str, ...] = ()
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    duration_ms: int = 0
