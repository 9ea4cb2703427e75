"""Knowledge bases, documents and chunks (pgvector HNSW + full-text GIN).

Written by hand against 0003 and checked with ``alembic check``. Chunks hold two nullable
vector columns, one per model size (384: all-MiniLM-L6-v2, 1536: text-embedding-3-small),
each with an HNSW cosine index; ``tsv`` is a generated English ``tsvector`` (title/headings
weighted A, text B) with a GIN index.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 04:00:00.000000
"""

from collections.abc import Sequence

import pgvector.sqlalchemy
import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STR = sqlmodel.sql.sqltypes.AutoString
# Copied, not imported: a revision must not change when the model module does.
TSV_EXPRESSION = (
    "setweight(to_tsvector('english', coalesce(meta->>'title', '') || ' ' || "
    "coalesce(meta->>'heading', '')), 'A') || setweight(to_tsvector('english', text), 'B')"
)


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _knowledge_bases() -> None:
    op.create_table(
        "knowledge_bases",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("name", _STR(length=200), nullable=False),
        sa.Column("description", _STR(length=2000), nullable=False),
        sa.Column("embedding_model", _STR(length=100), nullable=False),
        sa.Column("credential_id", sa.Uuid(), nullable=True),
        sa.Column("chunk_size", sa.Integer(), nullable=False),
        sa.Column("chunk_overlap", sa.Integer(), nullable=False),
        sa.Column("chunking", _STR(length=20), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["credential_id"], ["credentials.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("org_id", "name", name="uq_knowledge_bases_org_name"),
    )
    op.create_index(op.f("ix_knowledge_bases_org_id"), "knowledge_bases", ["org_id"])


def _documents() -> None:
    op.create_table(
        "knowledge_documents",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("knowledge_base_id", sa.Uuid(), nullable=False),
        sa.Column("title", _STR(length=500), nullable=False),
        sa.Column("source_type", _STR(length=10), nullable=False),
        sa.Column("filename", _STR(length=255), nullable=False),
        sa.Column("source_url", _STR(length=2000), nullable=True),
        sa.Column("storage_key", _STR(length=300), nullable=True),
        sa.Column("content_type", _STR(length=20), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("content_hash", _STR(length=64), nullable=False),
        sa.Column("indexed_fingerprint", _STR(length=64), nullable=True),
        sa.Column("status", _STR(length=20), nullable=False),
        sa.Column("error", _STR(length=2000), nullable=True),
        sa.Column("chunks_total", sa.Integer(), nullable=False),
        sa.Column("chunks_done", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        *_timestamps(),
        sa.Column("indexed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["knowledge_base_id"], ["knowledge_bases.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_knowledge_documents_org_id"), "knowledge_documents", ["org_id"])
    op.create_index(
        "ix_knowledge_documents_kb_created",
        "knowledge_documents",
        ["knowledge_base_id", "created_at"],
    )
    op.create_index(
        "ix_knowledge_documents_kb_hash",
        "knowledge_documents",
        ["knowledge_base_id", "content_hash"],
    )


def _chunks() -> None:
    op.create_table(
        "knowledge_chunks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("knowledge_base_id", sa.Uuid(), nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_hash", _STR(length=64), nullable=False),
        sa.Column("meta", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("embedding_384", pgvector.sqlalchemy.Vector(dim=384), nullable=True),
        sa.Column("embedding_1536", pgvector.sqlalchemy.Vector(dim=1536), nullable=True),
        sa.Column(
            "tsv",
            postgresql.TSVECTOR(),
            sa.Computed(TSV_EXPRESSION, persisted=True),
            nullable=True,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["knowledge_base_id"], ["knowledge_bases.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["document_id"], ["knowledge_documents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_knowledge_chunks_kb", "knowledge_chunks", ["org_id", "knowledge_base_id"])
    op.create_index(op.f("ix_knowledge_chunks_document_id"), "knowledge_chunks", ["document_id"])
    for dims in (384, 1536):
        op.create_index(
            f"ix_knowledge_chunks_embedding_{dims}",
            "knowledge_chunks",
            [f"embedding_{dims}"],
            postgresql_using="hnsw",
            postgresql_ops={f"embedding_{dims}": "vector_cosine_ops"},
        )
    op.create_index("ix_knowledge_chunks_tsv", "knowledge_chunks", ["tsv"], postgresql_using="gin")


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    _knowledge_bases()
    _documents()
    _chunks()


def downgrade() -> None:
    op.drop_table("knowledge_chunks")
    op.drop_table("knowledge_documents")
    op.drop_table("knowledge_bases")
