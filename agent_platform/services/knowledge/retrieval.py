"""Searching an org's knowledge bases: vector, full-text and hybrid (reciprocal rank fusion).

``search`` is the tenant-scoped core used by the REST API and by ``PgRetriever``, the engine's
``Retriever`` for one org. Knowledge base IDs are checked against the org first (an unknown or
foreign ID is "not found"), and the SQL filters on org and knowledge base again.

Scores: ``vector`` returns cosine similarity (-1..1), ``full_text`` PostgreSQL's ``ts_rank_cd``
and ``hybrid`` the RRF score ``sum(1 / (60 + rank))`` over both lists.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlmodel import Session, col, select

from agent_platform.engine.protocols import RetrievedChunk
from agent_platform.integrations import vector_store
from agent_platform.integrations.vector_store import ChunkHit
from agent_platform.models.knowledge import KnowledgeBase, KnowledgeDocument
from agent_platform.services.errors import InvalidInput, NotFound
from agent_platform.services.knowledge.ingestion import embedder_for
from agent_platform.services.permissions import Permission, Principal

MODES = ("vector", "full_text", "hybrid")
MAX_TOP_K = 50
RRF_K = 60


def _knowledge_bases(
    session: Session, org_id: uuid.UUID, ids: Sequence[uuid.UUID | str]
) -> list[KnowledgeBase]:
    try:
        wanted = {uuid.UUID(str(i)) for i in ids}
    except ValueError:
        raise NotFound("Knowledge base not found.") from None
    if not wanted:
        raise InvalidInput("Choose at least one knowledge base.")
    rows = list(
        session.exec(
            select(KnowledgeBase).where(
                KnowledgeBase.org_id == org_id, col(KnowledgeBase.id).in_(wanted)
            )
        )
    )
    if len(rows) != len(wanted):
        missing = sorted(str(i) for i in wanted - {r.id for r in rows})
        raise NotFound("Knowledge base not found.", details={"knowledge_base_ids": missing})
    return rows


def _vector_hits(
    session: Session, org_id: uuid.UUID, kbs: list[KnowledgeBase], query: str, limit: int
) -> list[ChunkHit]:
    by_model: dict[str, list[KnowledgeBase]] = {}
    for kb in kbs:
        by_model.setdefault(kb.embedding_model, []).append(kb)
    hits: list[ChunkHit] = []
    for model, group in by_model.items():
        embedder = embedder_for(org_id=org_id, model=model, credential_id=group[0].credential_id)
        [vector] = embedder.embed([query])
        hits += vector_store.vector_search(
            session,
            org_id=org_id,
            knowledge_base_ids=[kb.id for kb in group],
            dimensions=embedder.dimensions,
            vector=vector,
            limit=limit,
        )
    return sorted(hits, key=lambda h: -h.score)[:limit]


def _fuse(lists: Sequence[list[ChunkHit]], limit: int) -> list[ChunkHit]:
    """Reciprocal rank fusion: each list contributes ``1 / (RRF_K + rank)`` per chunk."""
    scores: dict[uuid.UUID, float] = {}
    first: dict[uuid.UUID, ChunkHit] = {}
    for hits in lists:
        for rank, hit in enumerate(hits, start=1):
            scores[hit.chunk_id] = scores.get(hit.chunk_id, 0.0) + 1.0 / (RRF_K + rank)
            first.setdefault(hit.chunk_id, hit)
    best = sorted(scores, key=lambda cid: (-scores[cid], str(cid)))[:limit]
    return [ChunkHit(**{**first[c].__dict__, "score": scores[c]}) for c in best]


def search(
    session: Session,
    *,
    org_id: uuid.UUID,
    knowledge_base_ids: Sequence[uuid.UUID | str],
    query: str,
    top_k: int = 5,
    mode: str = "hybrid",
) -> list[RetrievedChunk]:
    """The ``top_k`` best chunks for ``query`` in the org's given knowledge bases.

    Raises:
        NotFound: a knowledge base is not in ``org_id``.
        InvalidInput: empty query, unknown mode, ``top_k`` outside 1..50.
        EmbeddingError: the query could not be embedded (``transient`` set when retryable).
    """
    query = query.strip()
    if not query:
        raise InvalidInput("The query is empty.", details={"field": "query"})
    if mode not in MODES:
        raise InvalidInput(f"mode must be one of {', '.join(MODES)}.", details={"mode": mode})
    if not 1 <= top_k <= MAX_TOP_K:
        raise InvalidInput(f"top_k must be 1..{MAX_TOP_K}.", details={"top_k": top_k})
    kbs = _knowledge_bases(session, org_id, knowledge_base_ids)
    pool = max(top_k * 4, 20) if mode == "hybrid" else top_k
    kb_ids = [kb.id for kb in kbs]
    lists = []
    if mode in ("vector", "hybrid"):
        lists.append(_vector_hits(session, org_id, kbs, query, pool))
    if mode in ("full_text", "hybrid"):
        lists.append(
            vector_store.full_text_search(
                session, org_id=org_id, knowledge_base_ids=kb_ids, query=query, limit=pool
            )
        )
    hits = _fuse(lists, top_k) if mode == "hybrid" else lists[0][:top_k]
    return _with_titles(session, org_id, hits)


def _with_titles(session: Session, org_id: uuid.UUID, hits: list[ChunkHit]) -> list[RetrievedChunk]:
    doc_ids = {h.document_id for h in hits}
    titles = dict(
        session.exec(
            select(KnowledgeDocument.id, KnowledgeDocument.title).where(
                KnowledgeDocument.org_id == org_id, col(KnowledgeDocument.id).in_(doc_ids)
            )
        ).all()
    ) if doc_ids else {}  # fmt: skip
    return [
        RetrievedChunk(
            text=h.text,
            score=round(h.score, 6),
            document_id=str(h.document_id),
            document_title=titles.get(h.document_id) or h.meta.get("title", ""),
            knowledge_base_id=str(h.knowledge_base_id),
            metadata={**h.meta, "chunk_id": str(h.chunk_id)},
        )
        for h in hits
    ]


def query_knowledge_base(
    session: Session,
    *,
    principal: Principal,
    knowledge_base_id: uuid.UUID,
    query: str,
    top_k: int = 5,
    mode: str = "hybrid",
) -> list[RetrievedChunk]:
    """``search`` in one knowledge base for an API caller (``VIEW_KNOWLEDGE``)."""
    principal.require(Permission.VIEW_KNOWLEDGE)
    return search(
        session,
        org_id=principal.org_id,
        knowledge_base_ids=[knowledge_base_id],
        query=query,
        top_k=top_k,
        mode=mode,
    )
