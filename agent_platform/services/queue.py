"""Send Dramatiq messages only after the database transaction that created their row commits.

Services do not import actors (workers sit above services); they name them. The broker is the
one ``workers.broker`` installs with ``dramatiq.set_broker`` at process start.
"""

from __future__ import annotations

from typing import Any

import dramatiq
from sqlalchemy import event
from sqlmodel import Session

_OUTBOX = "dramatiq_outbox"


def enqueue_after_commit(
    session: Session, *, queue: str, actor: str, delay_ms: int | None = None, **kwargs: Any
) -> None:
    """Queue ``actor(**kwargs)`` on ``queue`` once ``session`` commits; dropped on rollback.

    Args:
        session: the session whose commit releases the message.
        queue: the Dramatiq queue name the actor is declared on.
        actor: the actor's name (``verb_noun``).
        delay_ms: optional delay before the message becomes visible, in milliseconds.
        **kwargs: JSON-serialisable keyword arguments (IDs, not rows).
    """
    message = dramatiq.Message(
        queue_name=queue, actor_name=actor, args=(), kwargs=kwargs, options={}
    )
    session.info.setdefault(_OUTBOX, []).append((message, delay_ms))


@event.listens_for(Session, "after_commit")
def _flush_outbox(session: Session) -> None:
    pending = session.info.pop(_OUTBOX, [])
    if not pending:
        return
    broker = dramatiq.get_broker()
    for message, delay_ms in pending:
        broker.enqueue(message, delay=delay_ms)


@event.listens_for(Session, "after_soft_rollback")
def _drop_outbox(session: Session, previous_transaction: Any) -> None:
    session.info.pop(_OUTBOX, None)
