"""An in-memory ``StepStore``: for builder previews and tests (nothing survives the process)."""

from __future__ import annotations

from typing import Any

from agent_platform.engine.protocols import StepRecord


class InMemoryStepStore:
    """Keeps completed steps in a dict; reuse one instance to resume a paused run.

    Attributes:
        completed_steps: step key -> record of succeeded steps.
        log: ``(event, step_key)`` pairs in order, e.g. ``("started", "llm_1")``.
        cancelled: set to ``True`` to cancel the run between steps.
    """

    def __init__(self) -> None:
        self.completed_steps: dict[str, StepRecord] = {}
        self.log: list[tuple[str, str]] = []
        self.failures: dict[str, str] = {}
        self.paused: dict[str, Any] = {}
        self.cancelled = False

    async def completed(self, step_key: str) -> StepRecord | None:
        """The succeeded record for ``step_key``, if any."""
        return self.completed_steps.get(step_key)

    async def step_started(
        self, *, step_key: str, node_id: str, node_type: str, attempt: int, inputs: dict[str, Any]
    ) -> None:
        """Log the start."""
        self.log.append(("started", step_key))

    async def step_succeeded(self, record: StepRecord, *, duration_ms: int, attempt: int) -> None:
        """Keep the record for replay."""
        self.completed_steps[record.step_key] = record
        self.paused.pop(record.step_key, None)
        self.log.append(("succeeded", record.step_key))

    async def step_failed(
        self,
        *,
        step_key: str,
        node_id: str,
        error: str,
        transient: bool,
        duration_ms: int,
        attempt: int,
    ) -> None:
        """Log the failure."""
        self.failures[step_key] = error
        self.log.append(("failed", step_key))

    async def step_skipped(self, *, step_key: str, node_id: str) -> None:
        """Log the skip."""
        self.log.append(("skipped", step_key))

    async def step_paused(self, *, step_key: str, node_id: str, payload: Any) -> None:
        """Remember the waiting step."""
        self.paused[step_key] = payload
        self.log.append(("paused", step_key))

    async def is_cancelled(self) -> bool:
        """Whether :attr:`cancelled` was set."""
        return self.cancelled

    def keys(self, event: str) -> list[str]:
        """Step keys logged with ``event``, in order."""
        return [key for kind, key in self.log if kind == event]
