"""pgvector and full-text access to ``knowledge_chunks``.

Every read filters on ``org_id`` AND ``knowledge_base_id = ANY(...)`` in SQL, so a caller bug
cannot widen a search beyond the tenant. Vector search orders by cosine distance on the column
sized for the model, with ``hnsw.iterative_scan = relaxed_order`` (set per transaction) so a
filtered HNSW scan keeps going until it has ``k`` rows; the outer query restores exact order.
Full-text search ORs the query's lexemes and ranks with ``ts_rank_cd`` over the weighted
generated ``tsv`` column (title/headings above text).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlmodel import Session

EF_SEARCH_MIN = 40


@dataclass(frozen=True)
class StoredChunk:
    """A chunk ready to store: ``embedding`` has the knowledge base model's dimensions."""

    ordinal: int
    text: str
    text_hash: str
    meta: dict[str, Any]
    embedding: Sequence[float]


@dataclass(frozen=True)
class ChunkHit:
    """A search hit; ``score`` is cosine similarity (vector) or ``ts_rank_cd`` (full text)."""

    chunk_id: uuid.UUID
    document_id: uuid.UUID
    knowledge_base_id: uuid.UUID
    text: str
    meta: dict[str, Any]
    score: float


def column_for(dimensions: int) -> str:
    """The chunk column holding vectors of ``dimensions`` floats.

    Raises:
        ValueError: no column of that size exists.
    """
    if dimensions not in (384, 1536):
        raise ValueError(f"no embedding column for {dimensions} dimensions")
    return f"embedding_{dimensions}"


def vector_literal(vector: Sequence[float]) -> str:
    """pgvector's text form, ``[0.1,0.2,...]``."""
    return "[" + ",".join(f"{x:.7g}" for x in vector) + "]"


_KB_IDS = bindparam("kb_ids", type_=ARRAY(UUID(as_uuid=True)))


def existing_embeddings(
    session: Session, *, document_id: uuid.UUID, dimensions: int
) -> dict[str, list[float]]:
    """``text_hash -> embedding`` of the document's stored chunks (to skip re-embedding)."""
    column = column_for(dimensions)
    rows = session.execute(
        text(
            f"SELECT text_hash, {column}::text FROM knowledge_chunks "  # noqa: S608 - fixed names
            f"WHERE document_id = :doc AND {column} IS NOT NULL"
        ),
        {"doc": document_id},
    )
    return {h: json.loads(v) for h, v in rows}


def replace_chunks(
    session: Session,
    *,
    org_id: uuid.UUID,
    knowledge_base_id: uuid.UUID,
    document_id: uuid.UUID,
    chunks: Iterable[StoredChunk],
    dimensions: int,
) -> int:
    """Delete the document's chunks and COPY in ``chunks``; returns how many were written."""
    column = column_for(dimensions)
    session.execute(
        text("DELETE FROM knowledge_chunks WHERE document_id = :doc"), {"doc": document_id}
    )
    rows = [
        (uuid.uuid4(), org_id, knowledge_base_id, document_id, c.ordinal, c.text, c.text_hash,
         json.dumps(c.meta), vector_literal(c.embedding))
        for c in chunks
    ]  # fmt: skip
    copy_rows(session, rows, column=column)
    return len(rows)


def copy_rows(session: Session, rows: Sequence[tuple[Any, ...]], *, column: str) -> None:
    """COPY ``(id, org_id, kb_id, document_id, ordinal, text, text_hash, meta, vector)`` rows.

    Uses the session's own connection and transaction (psycopg 3 ``COPY FROM STDIN``).
    """
    if not rows:
        return
    now = datetime.now(UTC)
    raw = session.connection().connection.driver_connection
    columns = "id, org_id, knowledge_base_id, document_id, ordinal, text, text_hash, meta"
    sql = f"COPY knowledge_chunks ({columns}, {column}, created_at) FROM STDIN"
    with raw.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row((*row, now))


def delete_document_chunks(session: Session, *, document_id: uuid.UUID) -> int:
    """Remove every chunk of one document; returns how many were deleted."""
    result = session.execute(
        text("DELETE FROM knowledge_chunks WHERE document_id = :doc"), {"doc": document_id}
    )
    return result.rowcount or 0


def vector_search(
    session: Session,
    *,
    org_id: uuid.UUID,
    knowledge_base_ids: Sequence[uuid.UUID],
    dimensions: int,
    vector: Sequence[float],
    limit: int,
) -> list[ChunkHit]:
    """The ``limit`` nearest chunks by cosine distance within the org's given knowledge bases."""
    column = column_for(dimensions)
    session.execute(text("SET LOCAL hnsw.iterative_scan = relaxed_order"))
    session.execute(text(f"SET LOCAL hnsw.ef_search = {max(EF_SEARCH_MIN, int(limit) * 2)}"))
    sql = text(
        f"""
        WITH nearest AS MATERIALIZED (
            SELECT id, document_id, knowledge_base_id, text, meta,
                   {column} <=> CAST(:vec AS vector({dimensions})) AS distance
            FROM knowledge_chunks
            WHERE org_id = :org AND knowledge_base_id = ANY(:kb_ids) AND {column} IS NOT NULL
            ORDER BY {column} <=> CAST(:vec AS vector({dimensions}))
            LIMIT :limit
        )
        SELECT id, document_id, knowledge_base_id, text, meta, 1 - distance FROM nearest
        ORDER BY distance
        """  # noqa: S608 - column and dimensions come from column_for, never from input
    ).bindparams(_KB_IDS)
    params = {"vec": vector_literal(vector), "org": org_id, "kb_ids": list(knowledge_base_ids)}
    rows = session.execute(sql, {**params, "limit": limit})
    return [ChunkHit(*row[:5], score=float(row[5])) for row in rows]


def full_text_search(
    session: Session,
    *,
    org_id: uuid.UUID,
    knowledge_base_ids: Sequence[uuid.UUID],
    query: str,
    limit: int,
) -> list[ChunkHit]:
    """The ``limit`` best chunks by ``ts_rank_cd`` for any of the query's English lexemes."""
    sql = text(
        """
        WITH q AS (
            SELECT to_tsquery('english', replace(plainto_tsquery('english', :query)::text,
                                                 ' & ', ' | ')) AS query
        )
        SELECT c.id, c.document_id, c.knowledge_base_id, c.text, c.meta,
               ts_rank_cd(c.tsv, q.query, 1) AS rank
        FROM knowledge_chunks c, q
        WHERE c.org_id = :org AND c.knowledge_base_id = ANY(:kb_ids) AND c.tsv @@ q.query
        ORDER BY rank DESC, c.id
        LIMIT :limit
        """
    ).bindparams(_KB_IDS)
    params = {"query": query, "org": org_id, "kb_ids": list(knowledge_base_ids), "limit": limit}
    return [ChunkHit(*row[:5], score=float(row[5])) for row in session.execute(sql, params)]
