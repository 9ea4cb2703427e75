"""Event sinks: the no-op default and the token batcher for streamed LLM deltas."""

from __future__ import annotations

import time

from agent_platform.engine.protocols import EventSink, RunEvent


class NullEventSink:
    """Discards events (the default when nobody is watching)."""

    async def emit(self, event: RunEvent) -> None:
        """Do nothing."""


class RecordingEventSink:
    """Keeps events in memory (tests, debugging)."""

    def __init__(self) -> None:
        self.events: list[RunEvent] = []

    async def emit(self, event: RunEvent) -> None:
        """Append ``event``."""
        self.events.append(event)

    def types(self) -> list[str]:
        """The event types in order."""
        return [event.type for event in self.events]


class TokenBatcher:
    """Buffers streamed text deltas into fewer ``token`` events.

    Each UI update resends state, so one event per delta is wasteful: a batch is emitted once
    it holds ``max_chars`` characters or ``max_interval_s`` seconds passed since the last one.
    Call :meth:`flush` when the step ends.
    """

    def __init__(
        self,
        sink: EventSink,
        *,
        step_key: str,
        node_id: str,
        max_chars: int = 64,
        max_interval_s: float = 0.1,
    ) -> None:
        self._sink = sink
        self._step_key = step_key
        self._node_id = node_id
        self._max_chars = max_chars
        self._max_interval_s = max_interval_s
        self._buffer: list[str] = []
        self._size = 0
        self._last = time.monotonic()

    async def __call__(self, delta: str) -> None:
        """Add a delta; emit when the batch is big or old enough."""
        self._buffer.append(delta)
        self._size += len(delta)
        if self._size >= self._max_chars or time.monotonic() - self._last >= self._max_interval_s:
            await self.flush()

    async def flush(self) -> None:
        """Emit whatever is buffered."""
        if not self._buffer:
            return
        text = "".join(self._buffer)
        self._buffer, self._size, self._last = [], 0, time.monotonic()
        event = RunEvent("token", self._step_key, self._node_id, {"text": text})
        await self._sink.emit(event)
