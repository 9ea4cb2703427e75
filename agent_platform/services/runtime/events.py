"""``PgRedisEventSink``: persist each run event (numbered) and publish it for live views.

Events are stored in ``run_events`` (the execution log served by the API) and published as
JSON on the Redis pub/sub channel ``run:{run_id}``. The engine already batches streamed tokens.
A failing sink never fails the run: errors are logged and the run goes on.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid

from sqlalchemy import func
from sqlmodel import Session, select

from agent_platform.db import in_session
from agent_platform.engine.protocols import RunEvent
from agent_platform.integrations.kv import get_redis
from agent_platform.models.base import utcnow
from agent_platform.models.runs import RunEvent as RunEventRow
from agent_platform.services.runs.stream import channel

log = logging.getLogger(__name__)


class PgRedisEventSink:
    """Events of one run; ``seq`` continues from the last stored event (resumes, redeliveries).

    Only one worker drives a run at a time (the run lock), so a per-sink counter is enough.

    Args:
        run_id: the run.
        org_id: its organization.
        publish: also publish to Redis (off for benchmarks of persistence alone).
    """

    def __init__(self, run_id: uuid.UUID, org_id: uuid.UUID, *, publish: bool = True) -> None:
        self.run_id = run_id
        self.org_id = org_id
        self.publish = publish
        self._seq: int | None = None
        self._init_lock = asyncio.Lock()

    async def _next_seq(self) -> int:
        async with self._init_lock:
            if self._seq is None:
                self._seq = await in_session(self._last_seq)
        self._seq += 1  # assigned on the event loop: parallel branches get distinct numbers
        return self._seq

    def _last_seq(self, session: Session) -> int:
        last = session.exec(
            select(func.max(RunEventRow.seq)).where(RunEventRow.run_id == self.run_id)
        ).one()
        return last or 0

    async def emit(self, event: RunEvent) -> None:
        """Store and publish ``event``; never raises."""
        try:
            seq = await self._next_seq()
            await in_session(lambda s: self._store(s, event, seq))
        except Exception:  # noqa: BLE001 - the EventSink contract: must not raise
            log.exception("could not record event %s of run %s", event.type, self.run_id)

    def _store(self, session: Session, event: RunEvent, seq: int) -> None:
        row = RunEventRow(
            org_id=self.org_id, run_id=self.run_id, seq=seq, type=event.type,
            step_key=event.step_key, node_id=event.node_id, data=dict(event.data),
            created_at=utcnow(),
        )  # fmt: skip
        session.add(row)
        session.flush()
        if self.publish:
            message = {
                "seq": row.seq, "type": row.type, "step_key": row.step_key,
                "node_id": row.node_id, "data": row.data,
            }  # fmt: skip
            try:
                get_redis().publish(channel(self.run_id), json.dumps(message, default=str))
            except Exception:  # noqa: BLE001 - live views are best effort; the log is durable
                log.warning("could not publish event of run %s", self.run_id, exc_info=True)
