"""Send Dramatiq messages only after the database transaction that created their row commits.

Services do not import actors (workers sit above services); they name them with the ``Job``
constants below, which the workers' actor declarations use too (one spelling of each name; a
test checks every constant has its actor). The broker is the one ``workers.broker`` installs
with ``dramatiq.set_broker`` at process start.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import dramatiq
from sqlalchemy import event
from sqlmodel import Session

_OUTBOX = "dramatiq_outbox"


@dataclass(frozen=True)
class Job:
    """A Dramatiq actor as services name it: its queue and its ``verb_noun`` name."""

    queue: str
    actor: str


EXECUTE_RUN = Job("runs", "execute_run")
INGEST_DOCUMENT = Job("knowledge", "ingest_document")
SEND_EMAIL = Job("mail", "send_email")
NOTIFY_APPROVAL = Job("approvals", "notify_approval")
SEND_APPROVAL_WEBHOOK = Job("approvals", "send_approval_webhook")
JOBS = (EXECUTE_RUN, INGEST_DOCUMENT, SEND_EMAIL, NOTIFY_APPROVAL, SEND_APPROVAL_WEBHOOK)


def enqueue_after_commit(
    session: Session, job: Job, *, delay_ms: int | None = None, **kwargs: Any
) -> None:
    """Queue ``job(**kwargs)`` once ``session`` commits; dropped on rollback.

    Args:
        session: the session whose commit releases the message.
        job: which actor, on which queue (one of the constants above).
        delay_ms: optional delay before the message becomes visible, in milliseconds.
        **kwargs: JSON-serialisable keyword arguments (IDs, not rows).
    """
    message = dramatiq.Message(
        queue_name=job.queue, actor_name=job.actor, args=(), kwargs=kwargs, options={}
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
