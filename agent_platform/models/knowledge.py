"""Knowledge bases, their documents and the embedded chunks retrieval searches.

A document moves ``queued -> parsing -> embedding -> ready | failed`` through the transition
methods below (re-indexing puts a finished document back to ``queued``). Chunks carry their
org and knowledge base so every search filters on both without a join. Embeddings live in a
column sized for the knowledge base's model: ``embedding_384`` (all-MiniLM-L6-v2) or
``embedding_1536`` (OpenAI text-embedding-3-small); each has its own HNSW (cosine) index.
``tsv`` is a generated ``tsvector`` (English; title and headings weighted above the text)
with a GIN index for full-text ranking.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pgvector.sqlalchemy import Vector
from sqlalchemy import Column, Computed, Index, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlmodel import Field, SQLModel

from agent_platform.models.base import created_at_field, id_field, json_field, ts_field, utcnow

LOCAL_MODEL = "local:all-MiniLM-L6-v2"
OPENAI_MODEL = "openai:text-embedding-3-small"
MODEL_DIMENSIONS = {LOCAL_MODEL: 384, OPENAI_MODEL: 1536}
"""Embedding model reference -> vector dimensions (and so the chunk column it fills)."""
TSV_EXPRESSION = (
    "setweight(to_tsvector('english', coalesce(meta->>'title', '') || ' ' || "
    "coalesce(meta->>'heading', '')), 'A') || setweight(to_tsvector('english', text), 'B')"
)
"""The generated full-text column: title and heading path weigh more (A) than the text (B)."""


class ChunkingStrategy(StrEnum):
    """How documents are split: by sentences, by Markdown sections, or HTML-structure aware."""

    SENTENCE = "sentence"
    MARKDOWN = "markdown"
    HTML = "html"


class DocumentStatus(StrEnum):
    """A document's ingestion state; ``ready`` and ``failed`` are terminal until re-indexed."""

    QUEUED = "queued"
    PARSING = "parsing"
    EMBEDDING = "embedding"
    READY = "ready"
    FAILED = "failed"


FINISHED = frozenset({DocumentStatus.READY, DocumentStatus.FAILED})
_MOVES: dict[DocumentStatus, frozenset[DocumentStatus]] = {
    DocumentStatus.QUEUED: frozenset({DocumentStatus.PARSING, DocumentStatus.FAILED}),
    DocumentStatus.PARSING: frozenset(
        {DocumentStatus.PARSING, DocumentStatus.EMBEDDING, DocumentStatus.READY}
        | {DocumentStatus.FAILED, DocumentStatus.QUEUED}
    ),
    DocumentStatus.EMBEDDING: frozenset(
        {DocumentStatus.PARSING, DocumentStatus.READY, DocumentStatus.FAILED}
        | {DocumentStatus.QUEUED}
    ),
    DocumentStatus.READY: frozenset({DocumentStatus.QUEUED}),
    DocumentStatus.FAILED: frozenset({DocumentStatus.QUEUED}),
}


class IllegalDocumentTransition(Exception):  # noqa: N818 - reads better at call sites
    """A status change the document's state machine does not allow."""


class KnowledgeBase(SQLModel, table=True):
    """A named collection of documents searched together, with one embedding model.

    ``chunk_size``/``chunk_overlap`` are in model tokens (word pieces). ``credential_id`` is the
    OpenAI credential used when ``embedding_model`` is the OpenAI one (``None``: org default).
    """

    __tablename__ = "knowledge_bases"
    __table_args__ = (UniqueConstraint("org_id", "name", name="uq_knowledge_bases_org_name"),)

    id: uuid.UUID = id_field()
    org_id: uuid.UUID = Field(foreign_key="organizations.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=200)
    description: str = Field(default="", max_length=2000)
    embedding_model: str = Field(default=LOCAL_MODEL, max_length=100)
    credential_id: uuid.UUID | None = Field(
        default=None, foreign_key="credentials.id", ondelete="SET NULL"
    )
    chunk_size: int = 200
    chunk_overlap: int = 30
    chunking: str = Field(default=ChunkingStrategy.SENTENCE.value, max_length=20)
    created_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()

    @property
    def dimensions(self) -> int:
        """The vector size of this knowledge base's model."""
        return MODEL_DIMENSIONS[self.embedding_model]


class KnowledgeDocument(SQLModel, table=True):
    """One uploaded file or imported URL and its ingestion progress.

    ``storage_key`` is the blob-store key of the stored bytes, server-generated and
    tenant-prefixed (``"<org_id>/<32 hex>"``, never the client's file name; ``None`` until a
    URL is fetched or when the upload was refused). ``content_hash`` is the SHA-256 of the
    stored bytes; ``indexed_fingerprint`` is the content hash plus the knowledge base's
    chunking/model settings at the last successful indexing, so an unchanged document is
    never re-embedded.
    """

    __tablename__ = "knowledge_documents"
    __table_args__ = (
        Index("ix_knowledge_documents_kb_created", "knowledge_base_id", "created_at"),
        Index("ix_knowledge_documents_kb_hash", "knowledge_base_id", "content_hash"),
    )

    id: uuid.UUID = id_field()
    org_id: uuid.UUID = Field(foreign_key="organizations.id", index=True, ondelete="CASCADE")
    knowledge_base_id: uuid.UUID = Field(foreign_key="knowledge_bases.id", ondelete="CASCADE")
    title: str = Field(default="", max_length=500)
    source_type: str = Field(default="upload", max_length=10)
    filename: str = Field(default="", max_length=255)
    source_url: str | None = Field(default=None, max_length=2000)
    storage_key: str | None = Field(default=None, max_length=300)
    content_type: str = Field(default="", max_length=20)
    size_bytes: int = 0
    content_hash: str = Field(default="", max_length=64)
    indexed_fingerprint: str | None = Field(default=None, max_length=64)
    status: str = Field(default=DocumentStatus.QUEUED.value, max_length=20)
    error: str | None = Field(default=None, max_length=2000)
    chunks_total: int = 0
    chunks_done: int = 0
    attempts: int = 0
    created_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()
    indexed_at: datetime | None = ts_field()

    def _move(self, new: DocumentStatus) -> None:
        if new not in _MOVES[DocumentStatus(self.status)]:
            raise IllegalDocumentTransition(f"document {self.id}: {self.status} -> {new}")
        self.status = new.value
        self.updated_at = utcnow()

    def queue(self) -> None:
        """Ask for (re-)indexing."""
        self._move(DocumentStatus.QUEUED)
        self.error = None
        self.chunks_done = 0

    def start_parsing(self) -> None:
        """A worker picked the document up (again, after a redelivery)."""
        self._move(DocumentStatus.PARSING)
        self.attempts += 1
        self.error = None

    def start_embedding(self, chunks_total: int) -> None:
        """Parsing produced ``chunks_total`` chunks; embedding begins."""
        self._move(DocumentStatus.EMBEDDING)
        self.chunks_total = chunks_total
        self.chunks_done = 0

    def mark_ready(self, *, fingerprint: str) -> None:
        """Every chunk is stored; ``fingerprint`` records what was indexed."""
        self._move(DocumentStatus.READY)
        self.chunks_done = self.chunks_total
        self.indexed_fingerprint = fingerprint
        self.indexed_at = utcnow()

    def fail(self, reason: str) -> None:
        """Stop with a reason shown to the user (no internals in it)."""
        self._move(DocumentStatus.FAILED)
        self.error = reason[:2000]


class KnowledgeChunk(SQLModel, table=True):
    """A passage of a document with its embedding and citation metadata.

    ``meta`` holds citation fields: ``title``, ``page`` (PDF, 1-based), ``heading_path``
    (list of headings), ``source_url``, ``filename``. ``text_hash`` (SHA-256 of the text) lets
    re-indexing reuse an unchanged chunk's embedding.
    """

    __tablename__ = "knowledge_chunks"
    __table_args__ = (
        Index("ix_knowledge_chunks_kb", "org_id", "knowledge_base_id"),
        Index(
            "ix_knowledge_chunks_embedding_384",
            "embedding_384",
            postgresql_using="hnsw",
            postgresql_ops={"embedding_384": "vector_cosine_ops"},
        ),
        Index(
            "ix_knowledge_chunks_embedding_1536",
            "embedding_1536",
            postgresql_using="hnsw",
            postgresql_ops={"embedding_1536": "vector_cosine_ops"},
        ),
        Index("ix_knowledge_chunks_tsv", "tsv", postgresql_using="gin"),
    )

    id: uuid.UUID = id_field()
    org_id: uuid.UUID = Field(foreign_key="organizations.id", ondelete="CASCADE")
    knowledge_base_id: uuid.UUID = Field(foreign_key="knowledge_bases.id", ondelete="CASCADE")
    document_id: uuid.UUID = Field(
        foreign_key="knowledge_documents.id", index=True, ondelete="CASCADE"
    )
    ordinal: int = 0
    text: str = Field(sa_column=Column(Text, nullable=False))
    text_hash: str = Field(default="", max_length=64)
    meta: dict[str, Any] = json_field(dict)
    embedding_384: Any = Field(default=None, sa_column=Column(Vector(384), nullable=True))
    embedding_1536: Any = Field(default=None, sa_column=Column(Vector(1536), nullable=True))
    tsv: Any = Field(
        default=None,
        sa_column=Column(TSVECTOR, Computed(TSV_EXPRESSION, persisted=True)),
    )
    created_at: datetime = created_at_field()
