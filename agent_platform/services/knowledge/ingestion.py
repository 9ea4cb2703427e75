"""Ingesting one document: fetch (URLs), parse, chunk, embed in batches, store chunks.

Called by the ``ingest_document`` actor with an ID only. Idempotent: a document already
``ready`` with the same fingerprint (content hash + model + chunking settings) is left alone,
a ``failed`` one stays failed until re-indexed, and a redelivered message restarts from the
stored file (in the blob store, so a worker on any machine reads it). Chunks whose text is
unchanged reuse their stored embedding. Progress (``chunks_done``/``chunks_total``) is
committed after each batch; the old chunks are replaced in the same transaction that marks the
document ready, so searches never see half a document.

Errors: a hostile or unreadable file fails its own row with a reason (``DocumentRejected``);
transient embedding/fetch failures raise ``RetryableIngestError`` for the actor to retry.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import uuid
from collections.abc import Callable
from typing import Literal

from sqlmodel import Session

from agent_platform.db import session_scope
from agent_platform.engine.protocols import HttpRequest, NodeError
from agent_platform.integrations import vector_store
from agent_platform.integrations.chunking import Chunk, chunk_document
from agent_platform.integrations.documents import MAX_FILE_BYTES, DocumentRejected, parse
from agent_platform.integrations.egress import EgressGuard
from agent_platform.integrations.egress_http import EgressHttpClient
from agent_platform.integrations.embeddings import (
    Embedder,
    EmbeddingError,
    OpenAIEmbedder,
    embed_batched,
    local_embedder,
)
from agent_platform.models.knowledge import (
    LOCAL_MODEL,
    DocumentStatus,
    KnowledgeBase,
    KnowledgeDocument,
)
from agent_platform.services.credentials import llm_keys as credential_llm
from agent_platform.services.knowledge import files
from agent_platform.settings import get_settings

_WORKING = frozenset({DocumentStatus.PARSING, DocumentStatus.EMBEDDING})
Outcome = Literal["ready", "unchanged", "failed", "missing", "superseded"]


class RetryableIngestError(Exception):
    """A failure worth retrying (rate limit, timeout, unreachable site)."""


@dataclasses.dataclass(frozen=True)
class _Job:
    """What the worker needs, copied out of the rows so no session stays open while working."""

    document_id: uuid.UUID
    org_id: uuid.UUID
    kb_id: uuid.UUID
    content_hash: str
    storage_key: str | None
    filename: str
    source_url: str | None
    model: str
    credential_id: uuid.UUID | None
    chunking: str
    chunk_size: int
    chunk_overlap: int


def fingerprint(content_hash: str, kb: KnowledgeBase) -> str:
    """What an indexing depends on: the bytes and the knowledge base's model and chunking."""
    key = f"{content_hash}|{kb.embedding_model}|{kb.chunking}|{kb.chunk_size}|{kb.chunk_overlap}"
    return hashlib.sha256(key.encode()).hexdigest()


def embedder_for(*, org_id: uuid.UUID, model: str, credential_id: uuid.UUID | None) -> Embedder:
    """The embedder of a knowledge base's model; OpenAI keys come from the org's vault.

    Raises:
        EmbeddingError: OpenAI without a usable credential.
    """
    if model == LOCAL_MODEL:
        return local_embedder()
    lookup = credential_llm.llm_key_lookup(org_id)
    key = asyncio.run(lookup("openai", str(credential_id) if credential_id else None))
    if not key or not key.get("api_key"):
        raise EmbeddingError("No OpenAI credential is configured for this knowledge base.")
    runtime = get_settings().runtime
    return OpenAIEmbedder(
        api_key=key["api_key"],
        base_url=runtime.openai_base_url,
        guard=EgressGuard(allow_hosts=runtime.egress_allow_hosts),
    )


def _claim(document_id: uuid.UUID) -> _Job | Outcome:
    with session_scope() as session:
        doc = session.get(KnowledgeDocument, document_id, with_for_update=True)
        if doc is None:
            return "missing"
        kb = session.get(KnowledgeBase, doc.knowledge_base_id)
        if kb is None:
            return "missing"
        if doc.status == DocumentStatus.FAILED:
            return "failed"
        if doc.status == DocumentStatus.READY:
            if doc.indexed_fingerprint == fingerprint(doc.content_hash, kb):
                return "unchanged"
            doc.queue()
        doc.start_parsing()
        session.add(doc)
        return _Job(
            doc.id, doc.org_id, kb.id, doc.content_hash, doc.storage_key, doc.filename,
            doc.source_url, kb.embedding_model, kb.credential_id, kb.chunking, kb.chunk_size,
            kb.chunk_overlap,
        )  # fmt: skip


def _locked(
    session: Session, document_id: uuid.UUID, content_hash: str
) -> KnowledgeDocument | None:
    """The document, row-locked, unless it was deleted, replaced or re-queued meanwhile."""
    doc = session.get(KnowledgeDocument, document_id, with_for_update=True)
    if doc is None or doc.content_hash != content_hash or doc.status not in _WORKING:
        return None
    return doc


def _update(
    document_id: uuid.UUID, content_hash: str, apply: Callable[[KnowledgeDocument], None]
) -> bool:
    """``apply(doc)`` and commit, unless the document was deleted, replaced or re-queued."""
    with session_scope() as session:
        doc = _locked(session, document_id, content_hash)
        if doc is None:
            return False
        apply(doc)
        session.add(doc)
        return True


def fail_document(document_id: uuid.UUID, reason: str) -> None:
    """Mark the document failed with ``reason`` (no-op if it is gone or already finished)."""
    with session_scope() as session:
        doc = session.get(KnowledgeDocument, document_id, with_for_update=True)
        if doc is not None and doc.status not in (DocumentStatus.READY, DocumentStatus.FAILED):
            doc.fail(reason)
            session.add(doc)


async def _fetch(url: str) -> bytes:
    runtime = get_settings().runtime
    client = EgressHttpClient(
        EgressGuard(allow_hosts=runtime.egress_allow_hosts), max_response_bytes=MAX_FILE_BYTES
    )
    request = HttpRequest("GET", url, {"Accept": "text/html, text/plain;q=0.9"}, None, 30.0)
    response = await client.request(request)
    if response.status >= 400:
        raise DocumentRejected(f"The page could not be fetched (HTTP {response.status}).")
    if response.truncated:
        raise DocumentRejected(f"The page is larger than the {MAX_FILE_BYTES // 2**20} MB limit.")
    return response.body.encode()


def _read(job: _Job) -> tuple[bytes, str, _Job]:
    """The document's bytes and the name used for sniffing; URL imports are fetched once.

    Raises:
        DocumentRejected: the stored file is missing or damaged, or the page was refused.
        RetryableIngestError: the page could not be fetched for now.
        _Superseded: the document changed while the page was fetched.
    """
    if job.storage_key is not None:
        with session_scope() as session:
            data = files.read(session, org_id=job.org_id, key=job.storage_key)
        return data, job.filename, job
    if job.source_url is None:
        raise DocumentRejected("The document has no content.")
    try:
        data = asyncio.run(_fetch(job.source_url))
    except NodeError as exc:
        if exc.transient:
            raise RetryableIngestError(exc.message) from None
        raise DocumentRejected(f"The URL cannot be imported: {exc.message}.") from None
    return data, "page.html", _keep_fetched(job, data)


def _keep_fetched(job: _Job, data: bytes) -> _Job:
    """Store a fetched page with its document row, so re-indexing reads the same bytes."""
    digest = hashlib.sha256(data).hexdigest()
    with session_scope() as session:
        doc = _locked(session, job.document_id, job.content_hash)
        if doc is None:
            raise _Superseded
        key = files.store(session, org_id=job.org_id, data=data)
        doc.storage_key, doc.content_hash, doc.size_bytes = key, digest, len(data)
        session.add(doc)
    return dataclasses.replace(job, storage_key=key, content_hash=digest)


class _Superseded(Exception):  # noqa: N818 - internal control flow
    """The document was deleted or replaced while this message worked on it."""


def _chunks(job: _Job, data: bytes, name: str) -> tuple[str, str, list[Chunk]]:
    parsed = parse(data, name)
    meta = {"title": parsed.title, "filename": job.filename or None, "source_url": job.source_url}
    meta = {k: v for k, v in meta.items() if v}
    try:
        chunks = chunk_document(
            parsed,
            strategy=job.chunking,
            chunk_size=job.chunk_size,
            chunk_overlap=job.chunk_overlap,
            base_meta=meta,
        )
    except ValueError as exc:
        raise DocumentRejected(f"The document is too large to index ({exc}).") from None
    if not chunks:
        raise DocumentRejected("No text could be extracted from the document.")
    return parsed.title, parsed.kind, chunks


def ingest_document(document_id: uuid.UUID) -> Outcome:
    """Index one document (see the module docstring).

    Raises:
        RetryableIngestError: a transient failure; the document stays in progress.
    """
    claimed = _claim(document_id)
    if not isinstance(claimed, _Job):
        return claimed
    job = claimed
    try:
        data, name, job = _read(job)
        title, kind, chunks = _chunks(job, data, name)
        embedder = embedder_for(org_id=job.org_id, model=job.model, credential_id=job.credential_id)

        def parsed(doc: KnowledgeDocument) -> None:
            doc.start_embedding(len(chunks))
            doc.title = (title or doc.title)[:500]
            doc.content_type = kind

        if not _update(job.document_id, job.content_hash, parsed):
            return "superseded"
        vectors = _embed(job, embedder, chunks)
        return _store(job, chunks, vectors, embedder.dimensions)
    except DocumentRejected as exc:
        fail_document(job.document_id, exc.reason)
        return "failed"
    except EmbeddingError as exc:
        if exc.transient:
            raise RetryableIngestError(str(exc)) from None
        fail_document(job.document_id, str(exc))
        return "failed"
    except _Superseded:
        return "superseded"


def _embed(job: _Job, embedder: Embedder, chunks: list[Chunk]) -> list[list[float]]:
    with session_scope() as session:
        known = vector_store.existing_embeddings(
            session, document_id=job.document_id, dimensions=embedder.dimensions
        )
    missing = [c for c in chunks if c.text_hash not in known]
    reused = len(chunks) - len(missing)

    def progress(done: int) -> None:
        def advance(doc: KnowledgeDocument) -> None:
            doc.chunks_done = reused + done

        if not _update(job.document_id, job.content_hash, advance):
            raise _Superseded

    fresh = embed_batched(embedder, [c.embedding_text() for c in missing], on_batch=progress)
    known |= {c.text_hash: v for c, v in zip(missing, fresh, strict=True)}
    return [known[c.text_hash] for c in chunks]


def _store(job: _Job, chunks: list[Chunk], vectors: list[list[float]], dims: int) -> Outcome:
    with session_scope() as session:
        doc = session.get(KnowledgeDocument, job.document_id, with_for_update=True)
        kb = session.get(KnowledgeBase, job.kb_id)
        if doc is None or kb is None or doc.content_hash != job.content_hash:
            return "superseded"
        if doc.status != DocumentStatus.EMBEDDING:
            return "superseded"  # re-queued meanwhile (e.g. settings changed): a newer message runs
        stored = [
            vector_store.StoredChunk(i, c.text, c.text_hash, c.meta, v)
            for i, (c, v) in enumerate(zip(chunks, vectors, strict=True))
        ]
        vector_store.replace_chunks(
            session,
            org_id=job.org_id,
            knowledge_base_id=job.kb_id,
            document_id=job.document_id,
            chunks=stored,
            dimensions=dims,
        )
        doc.mark_ready(fingerprint=fingerprint(job.content_hash, kb))
        session.add(doc)
    return "ready"
