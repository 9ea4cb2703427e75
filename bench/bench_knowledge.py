"""Knowledge-base benchmark: ingestion vs raw embedding, query latency at scale, retrieval quality.

Run with ``make bench-knowledge``. Uses a throwaway database on the embedded PostgreSQL under
``.data/bench-pg`` and 20 pages of the PostgreSQL 15 manual (system package
``postgresql-doc-15``). Prints figures only; nothing is asserted.

1. Ingestion throughput (pages/s, chunks/s) through the real service, next to raw embedding
   throughput of the same chunk texts.
2. Recall@5 and MRR of vector, full-text and hybrid search on 20 questions with known pages.
3. Query latency p50/p95 with 10k and 100k chunks in the table: extra chunks (random unit
   vectors, random-word text) are COPYed into another knowledge base of the same org, so the
   real knowledge base's searches are filtered HNSW scans over the whole index.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PG_DOCS = Path("/usr/share/doc/postgresql-doc-15/html")
QUESTIONS = [
    ("How do I group several statements so that either all succeed or none do?",
     "tutorial-transactions.html"),
    ("Which literal values represent the true state of a boolean column?", "datatype-boolean.html"),
    ("How are universally unique identifiers stored and written?", "datatype-uuid.html"),
    ("How can I quickly remove all rows from a table and restart its identity?",
     "sql-truncate.html"),
    ("How does a session register to receive notifications on a channel?", "sql-listen.html"),
    ("Which function advances a sequence object and returns the new value?",
     "functions-sequence.html"),
    ("How do I force an immediate write-ahead log checkpoint?", "sql-checkpoint.html"),
    ("How do I define a type with a static, ordered set of values like days of the week?",
     "datatype-enum.html"),
    ("How do I reclaim storage occupied by dead tuples?", "sql-vacuum.html"),
    ("How can I physically reorder a table based on an index?", "sql-cluster.html"),
    ("How can I measure the similarity of text using trigram matching?", "pgtrgm.html"),
    ("What is the difference between json and jsonb storage?", "datatype-json.html"),
    ("How do I explicitly lock a table in exclusive mode?", "sql-lock.html"),
    ("How do I send a notification with a payload string to listeners?", "sql-notify.html"),
    ("How do I define a point within a transaction that I can roll back to?",
     "sql-savepoint.html"),
    ("Which type stores a currency amount with fixed fractional precision?",
     "datatype-money.html"),
    ("How can I give a name to a query and refer to it like a table?", "tutorial-views.html"),
    ("Which extension provides functions to generate UUIDs using standard algorithms?",
     "uuid-ossp.html"),
    ("How do I rebuild a corrupted index?", "sql-reindex.html"),
    ("How do I store a description on a database object?", "sql-comment.html"),
]  # fmt: skip
PAGES = sorted({page for _, page in QUESTIONS})
WORDS = [
    "table", "index", "row", "column", "query", "plan", "vacuum", "lock", "schema", "role",
    "backup", "replica", "tuple", "page", "buffer", "cache", "commit", "rollback", "trigger",
    "function", "view", "sequence", "type", "range", "array", "json", "text",
]  # fmt: skip


def setup_database() -> str:
    """A fresh migrated database; points Settings and the engine at it."""
    import psycopg

    from agent_platform import db, launcher, settings

    root = Path(__file__).resolve().parent.parent
    _server, url = launcher.start_embedded_postgres(root / ".data" / "bench-pg", "ap_bench_kb")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    launcher.migrate(url)
    os.environ["DATABASE_URL"] = url  # the bench is an entry point, like the launcher
    settings.get_settings.cache_clear()
    db.get_engine.cache_clear()
    globals()["_server"] = _server  # keep the server handle alive
    return url


def make_org():
    """An org and its owner principal."""
    from agent_platform.db import session_scope
    from agent_platform.models.orgs import Role
    from agent_platform.services.accounts import auth
    from agent_platform.services.permissions import Principal

    email = f"bench-{uuid.uuid4().hex[:6]}@example.com"
    with session_scope() as s:
        user, org, _ = auth.signup(s, email=email, password="bench password 123", org_name="b")
        return Principal(user_id=user.id, org_id=org.id, role=Role.OWNER, email=email)


def ingest(principal) -> tuple[uuid.UUID, dict[str, str], list[str]]:
    """Upload and ingest the pages; prints throughput; returns kb, page->doc id, chunk texts."""
    from sqlmodel import select

    from agent_platform.db import session_scope
    from agent_platform.integrations.embeddings import local_embedder
    from agent_platform.models.knowledge import KnowledgeChunk
    from agent_platform.services.knowledge import bases as knowledge
    from agent_platform.services.knowledge import ingestion

    local_embedder().embed(["warm up"])  # load the model outside the timings
    with session_scope() as s:
        kb = knowledge.create_knowledge_base(s, principal=principal, name="manual", chunking="html")
        docs = {}
        for page in PAGES:
            doc, _ = knowledge.upload_document(
                s, principal=principal, knowledge_base_id=kb.id, filename=page,
                data=(PG_DOCS / page).read_bytes(),
            )  # fmt: skip
            docs[page] = str(doc.id)
    started = time.perf_counter()
    for doc_id in docs.values():
        ingestion.ingest_document(uuid.UUID(doc_id))
    elapsed = time.perf_counter() - started
    with session_scope() as s:
        chunks = list(
            s.exec(select(KnowledgeChunk).where(KnowledgeChunk.knowledge_base_id == kb.id))
        )
    texts = [_embedding_text(c) for c in chunks]
    started = time.perf_counter()
    for i in range(0, len(texts), 32):
        local_embedder().embed(texts[i : i + 32])
    raw = time.perf_counter() - started
    print(f"\n== Ingestion ({len(PAGES)} manual pages, {len(chunks)} chunks, local MiniLM, CPU)")
    rate = f"{len(PAGES) / elapsed:6.2f} pages/s  {len(chunks) / elapsed:7.1f} chunks/s"
    print(f"  ingestion : {rate}  ({elapsed:.1f} s: parse, chunk, embed, store)")
    print(f"  raw embed : {len(chunks) / raw:7.1f} chunks/s on the same texts ({raw:.1f} s)")
    return kb.id, docs, texts


def _embedding_text(chunk) -> str:
    from agent_platform.integrations.chunking import Chunk

    return Chunk(chunk.text, chunk.meta).embedding_text()


def quality(org_id: uuid.UUID, kb: uuid.UUID, docs: dict[str, str]) -> None:
    """Recall@5 and MRR per mode (a question counts as found if its page is in the top 5)."""
    from agent_platform.db import session_scope
    from agent_platform.services.knowledge import retrieval

    print(f"\n== Retrieval quality ({len(QUESTIONS)} questions, answer page known, top 5)")
    for mode in ("vector", "full_text", "hybrid"):
        found, reciprocal = 0, 0.0
        for question, page in QUESTIONS:
            with session_scope() as s:
                hits = retrieval.search(s, org_id=org_id, knowledge_base_ids=[kb],
                                        query=question, top_k=5, mode=mode)  # fmt: skip
            ranked = list(dict.fromkeys(h.document_id for h in hits))
            if docs[page] in ranked:
                found += 1
                reciprocal += 1 / (ranked.index(docs[page]) + 1)
        n = len(QUESTIONS)
        print(f"  {mode:9s}: recall@5 {found / n:.2f}  MRR {reciprocal / n:.3f}")


_HNSW = (
    "CREATE INDEX ix_knowledge_chunks_embedding_384 ON knowledge_chunks "
    "USING hnsw (embedding_384 vector_cosine_ops)"
)


def add_synthetic(principal, total: int, existing: int) -> None:
    """Fill the table up to ``total`` chunks with random ones in another knowledge base."""
    from sqlalchemy import text

    from agent_platform.db import session_scope
    from agent_platform.integrations import vector_store
    from agent_platform.services.knowledge import bases as knowledge

    rng = random.Random(total)
    with session_scope() as s:
        name = f"synthetic-{total}"
        kb = knowledge.create_knowledge_base(s, principal=principal, name=name)
        doc, _ = knowledge.upload_document(
            s, principal=principal, knowledge_base_id=kb.id, filename="synthetic.txt", data=b"x"
        )
        doc_id, kb_id = doc.id, kb.id
    need = total - existing
    started = time.perf_counter()
    with session_scope() as s:  # bulk load, then one index build (throwaway bench database)
        s.execute(text("DROP INDEX IF EXISTS ix_knowledge_chunks_embedding_384"))
    for start in range(0, need, 5000):
        rows = []
        for i in range(start, min(start + 5000, need)):
            vec = [rng.gauss(0, 1) for _ in range(384)]
            norm = sum(x * x for x in vec) ** 0.5
            text = " ".join(rng.choices(WORDS, k=40))
            rows.append((uuid.uuid4(), principal.org_id, kb_id, doc_id, i, text, "", "{}",
                         vector_store.vector_literal([x / norm for x in vec])))  # fmt: skip
        with session_scope() as s:
            vector_store.copy_rows(s, rows, column="embedding_384")
    with session_scope() as s:
        s.execute(text("SET maintenance_work_mem = '512MB'"))
        s.execute(text(_HNSW))
    print(f"  (COPYed {need} synthetic chunks and rebuilt the HNSW index in"
          f" {time.perf_counter() - started:.1f} s)")  # fmt: skip


def latency(org_id: uuid.UUID, kb: uuid.UUID, total: int) -> None:
    """p50/p95 per mode over the question set (query embedding included), 2 rounds."""
    from agent_platform.db import session_scope
    from agent_platform.services.knowledge import retrieval

    print(f"\n== Query latency with {total:,} chunks in the table (top 5, filtered to one KB)")
    for mode in ("vector", "full_text", "hybrid"):
        times = []
        for _ in range(2):
            for question, _page in QUESTIONS:
                started = time.perf_counter()
                with session_scope() as s:
                    retrieval.search(s, org_id=org_id, knowledge_base_ids=[kb],
                                     query=question, top_k=5, mode=mode)  # fmt: skip
                times.append((time.perf_counter() - started) * 1000)
        p50 = statistics.median(times)
        p95 = statistics.quantiles(times, n=20)[-1]
        print(f"  {mode:9s}: p50 {p50:6.1f} ms  p95 {p95:6.1f} ms")


def main() -> None:
    """Run every section and print the figures."""
    if not PG_DOCS.exists():
        print("postgresql-doc-15 is not installed: run scripts/test-deps.sh first")
        return
    import dramatiq
    from dramatiq.brokers.stub import StubBroker

    broker = StubBroker()  # ingestion is called inline; queued messages just sit there
    broker.declare_queue("knowledge")
    dramatiq.set_broker(broker)
    setup_database()
    principal = make_org()
    kb, docs, texts = ingest(principal)
    quality(principal.org_id, kb, docs)
    count = len(texts)
    for total in (10_000, 100_000):
        add_synthetic(principal, total, count)
        count = total
        latency(principal.org_id, kb, total)


if __name__ == "__main__":
    main()
