"""Execute options of ``POST /api/v1/agents/{id}/execute``: return at once, wait, or stream SSE.

``"stream": true`` answers ``text/event-stream``: one event per run event (``id`` = its
sequence number, ``event`` = its type, e.g. ``token``, ``step_started``, ``run_finished``) and
a final ``execution`` event with the finished run (status, output, usage). ``"wait": true``
blocks up to ``timeout_s`` and answers 200 with the finished execution, or 202 with its current
state when the time ran out.

Both run after the request's transaction committed the run (``api.deps``), so the workers can
see it: the stream is the response body, and the wait is an ``AfterCommit`` response.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import anyio.to_thread
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import Field

from agent_platform.api.deps import AfterCommit
from agent_platform.api.v1.executions import ExecutionOut
from agent_platform.api.v1.schemas import Body, Bool, Number
from agent_platform.db import session_scope
from agent_platform.models.runs import TERMINAL, Run
from agent_platform.services.runs import stream as run_stream

MAX_WAIT_S = 300.0
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


class ExecuteIn(Body):
    """Run inputs plus how to answer (at once, after waiting, or streamed)."""

    inputs: dict[str, Any] = Field(default_factory=dict)
    stream: Bool = Field(default=False, description="Stream run events as SSE")
    wait: Bool = Field(default=False, description="Wait for the run to finish")
    timeout_s: Number = Field(default=30.0, gt=0, le=MAX_WAIT_S, description="Wait at most this")


def execution_json(run_id: uuid.UUID) -> dict[str, Any]:
    """The run as the executions API shows it (JSON-ready)."""
    with session_scope() as session:
        run = session.get(Run, run_id)
        return ExecutionOut.model_validate(run).model_dump(mode="json") if run else {}


async def _events(run_id: uuid.UUID, timeout_s: float | None) -> AsyncIterator[bytes]:
    async for event in run_stream.run_events(run_id, timeout_s=timeout_s):
        yield run_stream.sse(event)
    await run_stream.settle(run_id)
    yield run_stream.sse(await anyio.to_thread.run_sync(execution_json, run_id), name="execution")


def sse_response(chunks: AsyncIterator[bytes]) -> StreamingResponse:
    """A ``text/event-stream`` response that proxies do not buffer."""
    return StreamingResponse(chunks, media_type="text/event-stream", headers=SSE_HEADERS)


async def _waited(run_id: uuid.UUID, timeout_s: float) -> JSONResponse:
    await run_stream.wait_for_run(run_id, timeout_s=timeout_s)
    execution = await anyio.to_thread.run_sync(execution_json, run_id)
    finished = execution.get("status") in TERMINAL
    return JSONResponse(execution, status_code=200 if finished else 202)


def execute_response(run_id: uuid.UUID, status: str, body: ExecuteIn) -> Any:
    """What the execute route answers for a queued run; ``None`` for the default 202.

    Streaming and waiting start only once the request has committed the run.
    """
    if body.stream:
        return sse_response(_events(run_id, body.timeout_s if body.wait else None))
    if body.wait:
        return AfterCommit(lambda: _waited(run_id, body.timeout_s))
    return None
