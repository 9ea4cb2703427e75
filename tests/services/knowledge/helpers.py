"""Helpers shared by the knowledge tests: service calls as a principal, waiting for workers."""

from __future__ import annotations

import uuid

from agent_platform.db import session_scope
from agent_platform.models.knowledge import KnowledgeChunk, KnowledgeDocument
from agent_platform.services.knowledge import bases as knowledge
from tests.conftest import wait_until


def create_kb(org, role: str = "owner", **kwargs) -> uuid.UUID:
    with session_scope() as s:
        kwargs.setdefault("name", f"kb-{uuid.uuid4().hex[:6]}")
        return knowledge.create_knowledge_base(s, principal=org.principal(s, role), **kwargs).id


def upload(org, kb_id: uuid.UUID, name: str, data: bytes) -> tuple[uuid.UUID, bool]:
    with session_scope() as s:
        doc, created = knowledge.upload_document(
            s, principal=org.principal(s), knowledge_base_id=kb_id, filename=name, data=data
        )
        return doc.id, created


def document(doc_id: uuid.UUID) -> KnowledgeDocument | None:
    with session_scope() as s:
        return s.get(KnowledgeDocument, doc_id)


def wait_finished(doc_ids, timeout: float = 180.0) -> dict[uuid.UUID, KnowledgeDocument]:
    """Wait until every document is ready or failed; returns them by id."""

    def finished():
        docs = {d: document(d) for d in doc_ids}
        done = all(doc is not None and doc.status in ("ready", "failed") for doc in docs.values())
        return docs if done else None

    return wait_until(finished, timeout=timeout, interval=0.3)


def chunks_of(doc_id: uuid.UUID) -> list[KnowledgeChunk]:
    from sqlmodel import select

    with session_scope() as s:
        statement = select(KnowledgeChunk).where(KnowledgeChunk.document_id == doc_id)
        return list(s.exec(statement.order_by(KnowledgeChunk.ordinal)))


def blob_keys(org_id: uuid.UUID) -> set[str]:
    """The keys of every blob the PostgreSQL store holds for ``org_id``."""
    from sqlmodel import select

    from agent_platform.models.storage import StoredBlob

    with session_scope() as s:
        return set(s.exec(select(StoredBlob.key).where(StoredBlob.org_id == org_id)))
