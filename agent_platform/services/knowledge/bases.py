"""Knowledge bases and their documents: create, list, upload, import by URL, re-index, delete.

Every function takes the caller's ``Principal`` and loads rows with ``org_id = principal.org_id``
(another org's knowledge base or document is "not found"). Uploaded bytes are kept in the blob
store under a server-generated, tenant-prefixed key (``files``; never on the local disk), in the
caller's transaction; ingestion runs on the workers (``ingest_document``), enqueued only after
that transaction commits.
"""

from __future__ import annotations

import hashlib
import uuid
from pathlib import PurePath

from sqlmodel import Session, select

from agent_platform.integrations.documents import MAX_FILE_BYTES
from agent_platform.models.base import utcnow
from agent_platform.models.knowledge import (
    MODEL_DIMENSIONS,
    ChunkingStrategy,
    DocumentStatus,
    KnowledgeBase,
    KnowledgeDocument,
)
from agent_platform.services import audit
from agent_platform.services.credentials.store import load_credential
from agent_platform.services.errors import Conflict, InvalidInput, NotFound
from agent_platform.services.knowledge import files
from agent_platform.services.pagination import Page, paginate
from agent_platform.services.permissions import Permission, Principal
from agent_platform.services.queue import INGEST_DOCUMENT, enqueue_after_commit


def _load_kb(session: Session, org_id: uuid.UUID, kb_id: uuid.UUID) -> KnowledgeBase:
    kb = session.exec(
        select(KnowledgeBase).where(KnowledgeBase.id == kb_id, KnowledgeBase.org_id == org_id)
    ).first()
    if kb is None:
        raise NotFound("Knowledge base not found.", details={"knowledge_base_id": str(kb_id)})
    return kb


def _check_settings(model: str, chunking: str, size: int, overlap: int) -> None:
    if model not in MODEL_DIMENSIONS:
        raise InvalidInput(f"Unknown embedding model '{model}'.", details={"field": "model"})
    if chunking not in {s.value for s in ChunkingStrategy}:
        raise InvalidInput(f"Unknown chunking '{chunking}'.", details={"field": "chunking"})
    if not 32 <= size <= 2000 or not 0 <= overlap < size // 2 + 1:
        raise InvalidInput(
            "chunk_size must be 32..2000 tokens and chunk_overlap at most half of it.",
            details={"chunk_size": size, "chunk_overlap": overlap},
        )


def create_knowledge_base(
    session: Session,
    *,
    principal: Principal,
    name: str,
    description: str = "",
    embedding_model: str = "local:all-MiniLM-L6-v2",
    chunk_size: int = 200,
    chunk_overlap: int = 30,
    chunking: str = "sentence",
    credential_id: uuid.UUID | None = None,
) -> KnowledgeBase:
    """Create a knowledge base (``EDIT_KNOWLEDGE``).

    Raises:
        InvalidInput: bad name, model or chunking.
        NotFound: ``credential_id`` is not a credential of the caller's org.
        Conflict: the name is taken.
    """
    principal.require(Permission.EDIT_KNOWLEDGE)
    name = name.strip()
    if not name:
        raise InvalidInput("The knowledge base needs a name.", details={"field": "name"})
    _check_settings(embedding_model, chunking, chunk_size, chunk_overlap)
    if credential_id is not None:
        load_credential(session, principal.org_id, credential_id)  # NotFound unless the org's
    taken = select(KnowledgeBase.id).where(
        KnowledgeBase.org_id == principal.org_id, KnowledgeBase.name == name
    )
    if session.exec(taken).first():
        raise Conflict("A knowledge base with that name exists.", details={"name": name})
    kb = KnowledgeBase(
        org_id=principal.org_id,
        name=name,
        description=description,
        embedding_model=embedding_model,
        credential_id=credential_id,
        chunk_size=chunk_size,
        chunk_overlap=chunk_overlap,
        chunking=chunking,
        created_by=principal.user_id,
    )
    session.add(kb)
    session.flush()
    _audit(session, principal, "knowledge_base.created", kb.id)
    return kb


def get_knowledge_base(
    session: Session, *, principal: Principal, knowledge_base_id: uuid.UUID
) -> KnowledgeBase:
    """One knowledge base of the caller's org. Raises ``NotFound``/``Forbidden``."""
    principal.require(Permission.VIEW_KNOWLEDGE)
    return _load_kb(session, principal.org_id, knowledge_base_id)


def list_knowledge_bases(
    session: Session, *, principal: Principal, cursor: str | None = None, limit: int | None = None
) -> Page[KnowledgeBase]:
    """The org's knowledge bases, newest first (cursor pagination)."""
    principal.require(Permission.VIEW_KNOWLEDGE)
    statement = select(KnowledgeBase).where(KnowledgeBase.org_id == principal.org_id)
    return paginate(session, statement, model=KnowledgeBase, cursor=cursor, limit=limit)


def update_knowledge_base(
    session: Session,
    *,
    principal: Principal,
    knowledge_base_id: uuid.UUID,
    **changes: object,
) -> KnowledgeBase:
    """Change name/description/model/chunking; model or chunking changes re-index every document.

    Args:
        changes: any of ``name``, ``description``, ``embedding_model``, ``chunk_size``,
            ``chunk_overlap``, ``chunking``, ``credential_id`` (``None`` values are ignored).

    Raises:
        NotFound: no such knowledge base, or ``credential_id`` is not the org's credential.
    """
    principal.require(Permission.EDIT_KNOWLEDGE)
    kb = _load_kb(session, principal.org_id, knowledge_base_id)
    if changes.get("credential_id") is not None:
        load_credential(session, principal.org_id, changes["credential_id"])
    allowed = {"name", "description", "embedding_model", "chunk_size", "chunk_overlap"}
    allowed |= {"chunking", "credential_id"}
    for key, value in changes.items():
        if key not in allowed:
            raise InvalidInput(f"'{key}' cannot be changed.", details={"field": key})
        if value is not None:
            setattr(kb, key, value)
    _check_settings(kb.embedding_model, kb.chunking, kb.chunk_size, kb.chunk_overlap)
    kb.updated_at = utcnow()
    session.add(kb)
    reindex = {"embedding_model", "chunk_size", "chunk_overlap", "chunking"}
    if any(changes.get(k) is not None for k in reindex):
        for doc in session.exec(_documents_of(kb)):
            _requeue(session, doc)
    session.flush()
    return kb


def delete_knowledge_base(
    session: Session, *, principal: Principal, knowledge_base_id: uuid.UUID
) -> None:
    """Delete the knowledge base, its documents, chunks and stored files."""
    principal.require(Permission.EDIT_KNOWLEDGE)
    kb = _load_kb(session, principal.org_id, knowledge_base_id)
    for doc in session.exec(_documents_of(kb)):
        files.remove(session, doc)
    _audit(session, principal, "knowledge_base.deleted", kb.id)
    session.delete(kb)  # documents and chunks go by ON DELETE CASCADE
    session.flush()


def _documents_of(kb: KnowledgeBase):  # noqa: ANN202 - a select statement
    return select(KnowledgeDocument).where(
        KnowledgeDocument.org_id == kb.org_id, KnowledgeDocument.knowledge_base_id == kb.id
    )


def _load_doc(
    session: Session, org_id: uuid.UUID, kb_id: uuid.UUID, doc_id: uuid.UUID
) -> KnowledgeDocument:
    doc = session.exec(
        select(KnowledgeDocument).where(
            KnowledgeDocument.id == doc_id,
            KnowledgeDocument.org_id == org_id,
            KnowledgeDocument.knowledge_base_id == kb_id,
        )
    ).first()
    if doc is None:
        raise NotFound("Document not found.", details={"document_id": str(doc_id)})
    return doc


def get_document(
    session: Session, *, principal: Principal, knowledge_base_id: uuid.UUID, document_id: uuid.UUID
) -> KnowledgeDocument:
    """One document with its status and progress. Raises ``NotFound``/``Forbidden``."""
    principal.require(Permission.VIEW_KNOWLEDGE)
    return _load_doc(session, principal.org_id, knowledge_base_id, document_id)


def list_documents(
    session: Session,
    *,
    principal: Principal,
    knowledge_base_id: uuid.UUID,
    cursor: str | None = None,
    limit: int | None = None,
) -> Page[KnowledgeDocument]:
    """The knowledge base's documents, newest first."""
    principal.require(Permission.VIEW_KNOWLEDGE)
    kb = _load_kb(session, principal.org_id, knowledge_base_id)
    return paginate(session, _documents_of(kb), model=KnowledgeDocument, cursor=cursor, limit=limit)


def _safe_filename(filename: str) -> str:
    """The client's name for display only: last path part, printable, at most 255 chars."""
    name = PurePath(filename.replace("\\", "/")).name if filename else ""
    return "".join(ch for ch in name if ch.isprintable())[:255] or "upload"


def _requeue(session: Session, doc: KnowledgeDocument) -> None:
    if doc.status in (DocumentStatus.READY, DocumentStatus.FAILED):
        doc.queue()
    session.add(doc)
    enqueue_after_commit(session, INGEST_DOCUMENT, document_id=str(doc.id))


def upload_document(
    session: Session,
    *,
    principal: Principal,
    knowledge_base_id: uuid.UUID,
    filename: str,
    data: bytes,
    oversized: bool = False,
) -> tuple[KnowledgeDocument, bool]:
    """Store an uploaded file and queue its ingestion.

    Identical bytes already in the knowledge base return that document unchanged. A new
    upload with the name of an existing document replaces its content (re-indexed, reusing
    unchanged chunks' embeddings). An oversized upload (``oversized``, or ``data`` above the
    limit) is recorded as a failed document with the reason; nothing is stored.

    Returns:
        ``(document, created_or_changed)``; ``False`` means nothing was done.
    """
    principal.require(Permission.EDIT_KNOWLEDGE)
    kb = _load_kb(session, principal.org_id, knowledge_base_id)
    name = _safe_filename(filename)
    if oversized or len(data) > MAX_FILE_BYTES:
        doc = _new_doc(kb, principal, name, size=len(data))
        doc.fail(f"The file is larger than the {MAX_FILE_BYTES // 2**20} MB limit.")
        session.add(doc)
        session.flush()
        return doc, True
    digest = hashlib.sha256(data).hexdigest()
    same = _documents_of(kb).where(KnowledgeDocument.content_hash == digest)
    existing = session.exec(same.where(KnowledgeDocument.status != "failed")).first()
    if existing is not None:
        return existing, False
    doc = session.exec(
        _documents_of(kb).where(
            KnowledgeDocument.source_type == "upload", KnowledgeDocument.filename == name
        )
    ).first()
    if doc is None:
        doc = _new_doc(kb, principal, name, size=len(data))
    else:
        files.remove(session, doc)
    doc.storage_key = files.store(session, org_id=kb.org_id, data=data)
    doc.content_hash, doc.size_bytes = digest, len(data)
    session.add(doc)
    session.flush()
    _requeue(session, doc)
    _audit(session, principal, "knowledge_document.uploaded", doc.id)
    return doc, True


def _new_doc(
    kb: KnowledgeBase, principal: Principal, name: str, *, size: int = 0, url: str | None = None
) -> KnowledgeDocument:
    return KnowledgeDocument(
        org_id=kb.org_id,
        knowledge_base_id=kb.id,
        title=PurePath(name).stem if name else (url or "")[:500],
        source_type="url" if url else "upload",
        filename=name,
        source_url=url,
        size_bytes=size,
        created_by=principal.user_id,
    )


def import_url(
    session: Session, *, principal: Principal, knowledge_base_id: uuid.UUID, url: str
) -> KnowledgeDocument:
    """Queue a web page for import; the worker fetches it through the egress guard.

    Raises:
        InvalidInput: not an http(s) URL.
    """
    principal.require(Permission.EDIT_KNOWLEDGE)
    kb = _load_kb(session, principal.org_id, knowledge_base_id)
    url = url.strip()
    if not url.lower().startswith(("http://", "https://")) or len(url) > 2000:
        raise InvalidInput("Only http(s) URLs can be imported.", details={"field": "url"})
    doc = _new_doc(kb, principal, "", url=url)
    session.add(doc)
    session.flush()
    _requeue(session, doc)
    _audit(session, principal, "knowledge_document.imported", doc.id)
    return doc


def reindex_document(
    session: Session, *, principal: Principal, knowledge_base_id: uuid.UUID, document_id: uuid.UUID
) -> KnowledgeDocument:
    """Parse and embed the document again (e.g. after a failure or a parser upgrade)."""
    principal.require(Permission.EDIT_KNOWLEDGE)
    doc = _load_doc(session, principal.org_id, knowledge_base_id, document_id)
    if doc.storage_key is None and doc.source_url is None:
        raise Conflict("This document has no content to index (it was rejected at upload).")
    doc.indexed_fingerprint = None
    _requeue(session, doc)
    session.flush()
    return doc


def delete_document(
    session: Session, *, principal: Principal, knowledge_base_id: uuid.UUID, document_id: uuid.UUID
) -> None:
    """Delete the document, its chunks (cascade) and its stored file."""
    principal.require(Permission.EDIT_KNOWLEDGE)
    doc = _load_doc(session, principal.org_id, knowledge_base_id, document_id)
    files.remove(session, doc)
    _audit(session, principal, "knowledge_document.deleted", doc.id)
    session.delete(doc)
    session.flush()


def _audit(session: Session, principal: Principal, action: str, target: uuid.UUID) -> None:
    audit.record(
        session,
        action=action,
        org_id=principal.org_id,
        actor=principal,
        target_type=action.split(".")[0],
        target_id=target,
        ip=principal.ip,
    )
