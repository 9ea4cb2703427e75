"""Live run events for SSE: persisted events first, then Redis ``run:{id}``, until the run ends.

The subscription starts before the catch-up read, so nothing published in between is lost;
events are de-duplicated by ``seq`` and gaps are filled from Postgres. If ``run_finished`` is
somehow missed (a publish failed), a periodic status check ends the stream anyway. Callers must
have authorised access to the run already (tenant-scoped load).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import redis.asyncio as aioredis
from sqlmodel import Session, col, select

from agent_platform.db import session_scope
from agent_platform.models.runs import TERMINAL, Run, RunEvent, RunStatus
from agent_platform.settings import get_settings

KEEPALIVE_S = 15.0
STATUS_CHECK_S = 2.0


def channel(run_id: uuid.UUID | str) -> str:
    """The pub/sub channel of a run's live events (published by ``runtime.events``)."""
    return f"run:{run_id}"


def _row(event: RunEvent) -> dict[str, Any]:
    return {
        "seq": event.seq, "type": event.type, "step_key": event.step_key,
        "node_id": event.node_id, "data": event.data,
    }  # fmt: skip


def _stored(run_id: uuid.UUID, after: int, until: int | None = None) -> list[dict[str, Any]]:
    with session_scope() as session:
        statement = select(RunEvent).where(RunEvent.run_id == run_id, RunEvent.seq > after)
        if until is not None:
            statement = statement.where(RunEvent.seq < until)
        return [_row(e) for e in session.exec(statement.order_by(col(RunEvent.seq)).limit(5000))]


def _status(run_id: uuid.UUID) -> str | None:
    with session_scope() as session:
        return session.exec(select(Run.status).where(Run.id == run_id)).first()


def sse(event: dict[str, Any] | None, *, name: str | None = None) -> bytes:
    """One SSE frame (``id`` = seq, ``event`` = type); ``None`` is a keep-alive comment."""
    if event is None:
        return b": keep-alive\n\n"
    head = f"id: {event['seq']}\n" if "seq" in event else ""
    head += f"event: {name or event.get('type', 'message')}\n"
    return f"{head}data: {json.dumps(event, default=str)}\n\n".encode()


async def run_events(
    run_id: uuid.UUID, *, after_seq: int = 0, timeout_s: float | None = None
) -> AsyncIterator[dict[str, Any] | None]:
    """Yield the run's events (``{"seq","type","step_key","node_id","data"}``) in order.

    Ends after ``run_finished`` (or when the run is terminal), or after ``timeout_s``.
    Yields ``None`` as a keep-alive when nothing happened for ``KEEPALIVE_S`` seconds.
    """
    client = aioredis.Redis.from_url(get_settings().redis_url, decode_responses=True)
    pubsub = client.pubsub()
    await pubsub.subscribe(channel(run_id))
    last = after_seq
    deadline = time.monotonic() + timeout_s if timeout_s else None
    try:
        for event in await asyncio.to_thread(_stored, run_id, after_seq):
            last = event["seq"]
            yield event
            if event["type"] == "run_finished":
                return
        quiet_since = checked = time.monotonic()
        while deadline is None or time.monotonic() < deadline:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.5)
            now = time.monotonic()
            if message is not None:
                event = json.loads(message["data"])
                if event["seq"] <= last:
                    continue
                gap = await asyncio.to_thread(_stored, run_id, last, event["seq"])
                for item in [*gap, event]:
                    last = item["seq"]
                    yield item
                    if item["type"] == "run_finished":
                        return
                quiet_since = now
                continue
            if now - checked >= STATUS_CHECK_S:
                checked = now
                if await asyncio.to_thread(_is_over, run_id):
                    for item in await asyncio.to_thread(_stored, run_id, last):
                        last = item["seq"]
                        yield item
                    return
            if now - quiet_since >= KEEPALIVE_S:
                quiet_since = now
                yield None
    finally:
        await pubsub.aclose()
        await client.aclose()


def _is_over(run_id: uuid.UUID) -> bool:
    status = _status(run_id)
    return status is None or status in TERMINAL or status == RunStatus.PAUSED


async def settle(run_id: uuid.UUID, *, timeout_s: float = 5.0) -> None:
    """Wait (briefly) for the row of a run whose ``run_finished`` event was seen.

    The engine emits ``run_finished`` just before the worker writes the outcome to the row.
    """
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and not await asyncio.to_thread(_is_over, run_id):
        await asyncio.sleep(0.02)


async def wait_for_run(run_id: uuid.UUID, *, timeout_s: float) -> None:
    """Return once the run finished or paused (row updated), or after ``timeout_s``."""
    started = time.monotonic()
    async for _event in run_events(run_id, timeout_s=timeout_s):
        pass
    await settle(run_id, timeout_s=max(0.0, timeout_s - (time.monotonic() - started)))


def load_run(session: Session, run_id: uuid.UUID) -> Run | None:
    """The run row, fresh from the database."""
    session.expire_all()
    return session.get(Run, run_id)
