"""Knowledge actors: ingest one document (parse, chunk, embed, store).

``ingest_document`` takes a document ID only and is idempotent (see
``agent_platform.services.knowledge.ingestion``). A hostile or unreadable file fails its own row and
returns; only transient failures (rate limits, timeouts, unreachable sites, database blips)
are retried, twice, and a message that exhausts its retries fails the document with a reason.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import dramatiq
from dramatiq.middleware.time_limit import TimeLimitExceeded

import workers.broker  # noqa: F401  (the global broker must exist before actors are declared)
from agent_platform.models.knowledge import IllegalDocumentTransition
from agent_platform.services import queue as jobs
from agent_platform.services.knowledge import ingestion

log = logging.getLogger(__name__)

MAX_RETRIES = 2
TIME_LIMIT_MS = 30 * 60 * 1000
"""A 20 MB text file is ~40k chunks at ~70 chunks/s per core: half an hour is the backstop."""


@dramatiq.actor(
    queue_name=jobs.INGEST_DOCUMENT.queue,
    actor_name=jobs.INGEST_DOCUMENT.actor,
    max_retries=MAX_RETRIES,
    min_backoff=2_000,
    max_backoff=60_000,
    time_limit=TIME_LIMIT_MS,
    throws=(IllegalDocumentTransition,),
    on_retry_exhausted="fail_exhausted_ingest",
)
def ingest_document(document_id: str) -> None:
    """Index document ``document_id`` (a no-op when it is already indexed or gone)."""
    did = uuid.UUID(document_id)
    try:
        outcome = ingestion.ingest_document(did)
    except TimeLimitExceeded:
        ingestion.fail_document(did, "Indexing took longer than the time limit.")
        raise
    log.info("ingest_document %s: %s", document_id, outcome)


@dramatiq.actor(queue_name=jobs.INGEST_DOCUMENT.queue, max_retries=5, time_limit=60_000)
def fail_exhausted_ingest(message_data: dict[str, Any], retry_info: dict[str, Any]) -> None:
    """Dead-letter handler: the ingestion failed every retry; fail the document visibly."""
    did = uuid.UUID(message_data["kwargs"]["document_id"])
    retries = retry_info.get("retries", "?")
    ingestion.fail_document(did, f"Indexing failed {retries} times with a temporary error; retry.")
