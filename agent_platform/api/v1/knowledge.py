"""``/api/v1/knowledge-bases``: knowledge bases, their documents, and search.

Writes need ``EDIT_KNOWLEDGE`` (API scope ``knowledge:write``); reads ``VIEW_KNOWLEDGE``.
Everything is scoped to the caller's org: another org's IDs answer 404. A document is added by
``multipart/form-data`` (field ``file``) or by JSON ``{"url": "https://..."}``; ingestion then
runs on the workers: poll ``GET .../documents/{id}`` for ``status`` and progress.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from pydantic import Field, ValidationError
from sqlmodel import Session
from starlette.types import Message, Receive

from agent_platform.api import deps
from agent_platform.api.v1.schemas import Body, Int, Out, PageLimit
from agent_platform.integrations.documents import MAX_FILE_BYTES
from agent_platform.services.errors import InvalidInput
from agent_platform.services.knowledge import bases as knowledge
from agent_platform.services.knowledge import retrieval
from agent_platform.services.permissions import Principal

router = APIRouter(prefix="/api/v1/knowledge-bases", tags=["knowledge"])

Auth = Depends(deps.principal)
Db = deps.Db
Model = Literal["local:all-MiniLM-L6-v2", "openai:text-embedding-3-small"]


class KnowledgeBaseIn(Body):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    embedding_model: Model = "local:all-MiniLM-L6-v2"
    chunk_size: Int = Field(default=200, ge=32, le=2000, description="Tokens per chunk")
    chunk_overlap: Int = Field(default=30, ge=0, le=1000)
    chunking: Literal["sentence", "markdown", "html"] = "sentence"
    credential_id: uuid.UUID | None = None


class KnowledgeBaseUpdateIn(Body):
    """Changing the model or chunking re-indexes every document."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    embedding_model: Model | None = None
    chunk_size: Int | None = Field(default=None, ge=32, le=2000)
    chunk_overlap: Int | None = Field(default=None, ge=0, le=1000)
    chunking: Literal["sentence", "markdown", "html"] | None = None
    credential_id: uuid.UUID | None = None


class KnowledgeBaseOut(Out):
    id: uuid.UUID
    name: str
    description: str
    embedding_model: str
    chunk_size: int
    chunk_overlap: int
    chunking: str
    credential_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class KnowledgeBasePageOut(Out):
    items: list[KnowledgeBaseOut]
    next_cursor: str | None


class DocumentOut(Out):
    """A document; ``status`` is queued, parsing, embedding, ready or failed (``error``)."""

    id: uuid.UUID
    knowledge_base_id: uuid.UUID
    title: str
    source_type: str
    filename: str
    source_url: str | None
    content_type: str
    size_bytes: int
    content_hash: str
    status: str
    error: str | None
    chunks_total: int
    chunks_done: int
    created_at: datetime
    updated_at: datetime
    indexed_at: datetime | None


class DocumentPageOut(Out):
    items: list[DocumentOut]
    next_cursor: str | None


class DocumentCreatedOut(DocumentOut):
    """``created`` is false when identical content was already in the knowledge base."""

    created: bool


class UrlIn(Body):
    url: str = Field(min_length=8, max_length=2000)


class QueryIn(Body):
    query: str = Field(min_length=1, max_length=10_000)
    top_k: Int = Field(default=5, ge=1, le=50)
    mode: Literal["vector", "full_text", "hybrid"] = "hybrid"


class ChunkOut(Out):
    text: str
    score: float
    document_id: str
    document_title: str
    knowledge_base_id: str
    metadata: dict[str, Any]


class QueryOut(Out):
    chunks: list[ChunkOut]


@router.get("")
def list_knowledge_bases(
    cursor: str | None = None,
    limit: PageLimit = None,
    principal: Principal = Auth,
    session: Session = Db,
) -> KnowledgeBasePageOut:
    """The org's knowledge bases, newest first."""
    page = knowledge.list_knowledge_bases(session, principal=principal, cursor=cursor, limit=limit)
    items = [KnowledgeBaseOut.model_validate(kb) for kb in page.items]
    return KnowledgeBasePageOut(items=items, next_cursor=page.next_cursor)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_knowledge_base(
    body: KnowledgeBaseIn, principal: Principal = Auth, session: Session = Db
) -> KnowledgeBaseOut:
    """Create a knowledge base."""
    kb = knowledge.create_knowledge_base(session, principal=principal, **body.model_dump())
    return KnowledgeBaseOut.model_validate(kb)


@router.get("/{kb_id}")
def get_knowledge_base(
    kb_id: uuid.UUID, principal: Principal = Auth, session: Session = Db
) -> KnowledgeBaseOut:
    """One knowledge base."""
    kb = knowledge.get_knowledge_base(session, principal=principal, knowledge_base_id=kb_id)
    return KnowledgeBaseOut.model_validate(kb)


@router.patch("/{kb_id}")
def update_knowledge_base(
    kb_id: uuid.UUID,
    body: KnowledgeBaseUpdateIn,
    principal: Principal = Auth,
    session: Session = Db,
) -> KnowledgeBaseOut:
    """Rename, describe, or change model/chunking (which re-indexes every document)."""
    kb = knowledge.update_knowledge_base(
        session, principal=principal, knowledge_base_id=kb_id, **body.model_dump()
    )
    return KnowledgeBaseOut.model_validate(kb)


@router.delete("/{kb_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_knowledge_base(
    kb_id: uuid.UUID, principal: Principal = Auth, session: Session = Db
) -> Response:
    """Delete the knowledge base with its documents and chunks."""
    knowledge.delete_knowledge_base(session, principal=principal, knowledge_base_id=kb_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{kb_id}/documents")
def list_documents(
    kb_id: uuid.UUID,
    cursor: str | None = None,
    limit: PageLimit = None,
    principal: Principal = Auth,
    session: Session = Db,
) -> DocumentPageOut:
    """The knowledge base's documents with status and progress, newest first."""
    page = knowledge.list_documents(
        session, principal=principal, knowledge_base_id=kb_id, cursor=cursor, limit=limit
    )
    items = [DocumentOut.model_validate(d) for d in page.items]
    return DocumentPageOut(items=items, next_cursor=page.next_cursor)


# The multipart body may exceed the file by its boundaries, part headers and small fields.
MAX_UPLOAD_BODY = MAX_FILE_BYTES + 1024 * 1024
MAX_URL_BODY = 64 * 1024


class _BodyTooLarge(Exception):  # noqa: N818 - control flow, answered as an oversized upload
    """The request body went past ``MAX_UPLOAD_BODY``."""


def _capped(receive: Receive, limit: int) -> Receive:
    """``receive`` that raises ``_BodyTooLarge`` once the body passes ``limit`` bytes.

    A chunked upload declares no ``Content-Length``: without this, the form parser would
    spool whatever it is sent to disk before the size is ever checked.
    """
    seen = 0

    async def receive_capped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise _BodyTooLarge
        return message

    return receive_capped


async def _read_upload(request: Request) -> tuple[str, bytes, bool]:
    """``(filename, bytes, oversized)`` of the ``file`` part; reads at most the body limit."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_UPLOAD_BODY:
        return "upload", b"", True
    capped = Request(request.scope, _capped(request.receive, MAX_UPLOAD_BODY))
    try:
        form = await capped.form(max_files=1, max_fields=5)
    except _BodyTooLarge:
        return "upload", b"", True
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise InvalidInput("Send the document as multipart field 'file'.")
    data = await upload.read(MAX_FILE_BYTES + 1)
    await form.close()
    return upload.filename or "upload", data, len(data) > MAX_FILE_BYTES


async def _read_url(request: Request) -> str:
    """The ``url`` of a small JSON body; anything else (too big, too deep) is ``InvalidInput``."""
    capped = Request(request.scope, _capped(request.receive, MAX_URL_BODY))
    try:
        return UrlIn.model_validate(json.loads(await capped.body())).url
    except (_BodyTooLarge, ValueError, ValidationError, RecursionError):
        raise InvalidInput('Send {"url": "https://..."} or a multipart file upload.') from None


@router.post("/{kb_id}/documents", status_code=status.HTTP_202_ACCEPTED)
async def add_document(
    kb_id: uuid.UUID, request: Request, principal: Principal = Auth, session: Session = Db
) -> DocumentCreatedOut:
    """Upload a file (multipart ``file``) or import a URL (JSON ``{"url"}``); queued for indexing.

    Identical content already present returns that document with ``created: false``.
    """
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        name, data, oversized = await _read_upload(request)
        doc, created = await run_in_threadpool(
            lambda: knowledge.upload_document(
                session, principal=principal, knowledge_base_id=kb_id, filename=name,
                data=data, oversized=oversized,
            )
        )  # fmt: skip
    else:
        url = await _read_url(request)
        doc = await run_in_threadpool(
            lambda: knowledge.import_url(
                session, principal=principal, knowledge_base_id=kb_id, url=url
            )
        )
        created = True
    await run_in_threadpool(session.commit)
    return DocumentCreatedOut(**DocumentOut.model_validate(doc).model_dump(), created=created)


@router.get("/{kb_id}/documents/{doc_id}")
def get_document(
    kb_id: uuid.UUID, doc_id: uuid.UUID, principal: Principal = Auth, session: Session = Db
) -> DocumentOut:
    """One document: status, progress (``chunks_done``/``chunks_total``), failure reason."""
    doc = knowledge.get_document(
        session, principal=principal, knowledge_base_id=kb_id, document_id=doc_id
    )
    return DocumentOut.model_validate(doc)


@router.post("/{kb_id}/documents/{doc_id}/reindex", status_code=status.HTTP_202_ACCEPTED)
def reindex_document(
    kb_id: uuid.UUID, doc_id: uuid.UUID, principal: Principal = Auth, session: Session = Db
) -> DocumentOut:
    """Parse and embed the document again."""
    doc = knowledge.reindex_document(
        session, principal=principal, knowledge_base_id=kb_id, document_id=doc_id
    )
    return DocumentOut.model_validate(doc)


@router.delete("/{kb_id}/documents/{doc_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_document(
    kb_id: uuid.UUID, doc_id: uuid.UUID, principal: Principal = Auth, session: Session = Db
) -> Response:
    """Delete the document and its chunks."""
    knowledge.delete_document(
        session, principal=principal, knowledge_base_id=kb_id, document_id=doc_id
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{kb_id}/query")
def query_knowledge_base(
    kb_id: uuid.UUID, body: QueryIn, principal: Principal = Auth, session: Session = Db
) -> QueryOut:
    """Search: chunks with scores and citation metadata (title, page, heading path, URL)."""
    chunks = retrieval.query_knowledge_base(
        session,
        principal=principal,
        knowledge_base_id=kb_id,
        query=body.query,
        top_k=body.top_k,
        mode=body.mode,
    )
    return QueryOut(chunks=[ChunkOut.model_validate(c) for c in chunks])
