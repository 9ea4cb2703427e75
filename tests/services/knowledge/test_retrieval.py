"""Retrieval on real documentation (the PostgreSQL 15 manual from the system package).

The pages are ingested once for the module by calling the ingestion service directly (the
worker path is covered by test_ingestion); tests here do not use the per-test ``db`` fixture,
and the module cleans its tables at the end.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest

from agent_platform.db import session_scope
from agent_platform.engine.protocols import PermanentError
from agent_platform.services.knowledge import ingestion, retrieval
from agent_platform.services.runtime.retriever import PgRetriever
from tests.services.knowledge.conftest import PG_DOCS
from tests.services.knowledge.helpers import create_kb, upload

PAGES = [
    "tutorial-transactions.html", "datatype-boolean.html", "datatype-uuid.html",
    "sql-truncate.html", "sql-listen.html", "functions-sequence.html", "sql-checkpoint.html",
    "datatype-enum.html",
]  # fmt: skip
QUESTIONS = [
    ("How do I group several statements so that either all of them succeed or none do?",
     "tutorial-transactions.html"),
    ("Which literal values can represent the true state of a boolean column?",
     "datatype-boolean.html"),
    ("How are universally unique identifiers stored and written?", "datatype-uuid.html"),
    ("How can I quickly remove all rows from a table and restart its identity sequence?",
     "sql-truncate.html"),
    ("How does a session register to receive notifications on a channel?", "sql-listen.html"),
    ("Which function advances a sequence object and returns the new value?",
     "functions-sequence.html"),
    ("How do I force an immediate write-ahead log checkpoint?", "sql-checkpoint.html"),
    ("How do I define a type with a static, ordered set of values like days of the week?",
     "datatype-enum.html"),
]  # fmt: skip


@pytest.fixture(autouse=True, scope="module")
def _manual_installed() -> None:
    """The PostgreSQL manual is a test dependency (`scripts/test-deps.sh` installs it)."""
    assert PG_DOCS.exists(), f"{PG_DOCS} is missing: run `bash scripts/test-deps.sh`"


@pytest.fixture(scope="module")
def manual(platform_env):
    """``(org_a, org_b, kb_id, {page: document_id})`` with the pages indexed (html-aware)."""
    from sqlalchemy import text
    from sqlmodel import SQLModel

    from agent_platform.db import get_engine
    from tests.api.conftest import build_org

    org_a, org_b = build_org("manual-a", roles=()), build_org("manual-b", roles=())
    kb = create_kb(org_a, name="PostgreSQL manual", chunking="html")
    docs = {page: upload(org_a, kb, page, (PG_DOCS / page).read_bytes())[0] for page in PAGES}
    for doc_id in docs.values():
        assert ingestion.ingest_document(doc_id) == "ready"
    yield org_a, org_b, kb, docs
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with get_engine().begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


def _rank(manual, mode: str, question: str, page: str, top_k: int = 5) -> int | None:
    org_a, _, kb, docs = manual
    with session_scope() as s:
        hits = retrieval.search(
            s, org_id=org_a.id, knowledge_base_ids=[kb], query=question, top_k=top_k, mode=mode
        )
    ids = [h.document_id for h in hits]
    return ids.index(str(docs[page])) + 1 if str(docs[page]) in ids else None


@pytest.mark.parametrize("mode", ["vector", "full_text", "hybrid"])
def test_each_mode_finds_the_answer_page(manual, mode):
    ranks = {page: _rank(manual, mode, q, page) for q, page in QUESTIONS}
    found = [page for page, rank in ranks.items() if rank is not None]
    minimum = {"vector": 7, "full_text": 6, "hybrid": 7}[mode]
    assert len(found) >= minimum, ranks


def test_top_k_is_filled_and_citations_are_complete(manual):
    org_a, _, kb, docs = manual
    with session_scope() as s:
        hits = retrieval.search(s, org_id=org_a.id, knowledge_base_ids=[kb],
                                query="sequence", top_k=12, mode="vector")  # fmt: skip
    assert len(hits) == 12
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    top = hits[0]
    assert top.document_title and top.knowledge_base_id == str(kb)
    assert top.metadata["title"] and top.metadata["filename"].endswith(".html")
    assert "heading_path" in top.metadata and "chunk_id" in top.metadata


def test_retriever_is_scoped_to_its_org(manual):
    org_a, org_b, kb, _ = manual
    own = asyncio.run(
        PgRetriever(org_a.id).search(
            knowledge_base_ids=[str(kb)], query="boolean", top_k=3, mode="hybrid"
        )
    )
    assert len(own) == 3
    for ids in ([str(kb)], [str(uuid.uuid4())], ["not-a-uuid"]):
        with pytest.raises(PermanentError, match="not found"):
            asyncio.run(
                PgRetriever(org_b.id).search(
                    knowledge_base_ids=ids, query="boolean", top_k=3, mode="hybrid"
                )
            )
    with session_scope() as s, pytest.raises(Exception, match="not found"):
        retrieval.search(s, org_id=org_b.id, knowledge_base_ids=[kb], query="x", mode="vector")


def _graph(kb: uuid.UUID) -> dict:
    def node(node_id: str, node_type: str, data: dict) -> dict:
        return {"id": node_id, "type": node_type, "position": {"x": 0, "y": 0}, "data": data}

    prompt = (
        "Answer using only the sources below and cite them like [1].\n\n"
        "Sources:\n{{kb_1.output.context}}\n\nQuestion: {{inputs.question}}"
    )
    return {
        "nodes": [
            node("trigger_1", "trigger", {"kind": "manual"}),
            node("kb_1", "knowledge_retrieval",
                 {"knowledge_base_ids": [str(kb)], "query": "{{inputs.question}}", "top_k": 3}),
            node("llm_1", "llm", {"model": "offline:extractive", "prompt": prompt}),
            node("output_1", "output", {"value": {
                "answer": "{{llm_1.output.text}}", "sources": "{{kb_1.output.chunks}}"}}),
        ],
        "edges": [
            {"id": "e1", "source": "trigger_1", "target": "kb_1"},
            {"id": "e2", "source": "kb_1", "target": "llm_1"},
            {"id": "e3", "source": "llm_1", "target": "output_1"},
        ],
    }  # fmt: skip


def test_engine_run_answers_from_the_manual_with_a_citation(manual):
    import agent_platform.engine.nodes.knowledge_retrieval  # noqa: F401 - registers the node
    from agent_platform.engine.nodes.base import Services
    from agent_platform.engine.runner import Runner
    from agent_platform.integrations.llm.offline import OfflineLLM

    org_a, _, kb, docs = manual
    services = Services(retriever=PgRetriever(org_a.id), llm=OfflineLLM())
    runner = Runner(_graph(kb), services=services)
    question = "How do I force an immediate write-ahead log checkpoint?"
    outcome = asyncio.run(runner.run({"question": question}))
    assert outcome.status == "succeeded", outcome.error
    answer, sources = outcome.output["answer"], outcome.output["sources"]
    cited = [s for s in sources if s["citation"]["document_id"] == str(docs["sql-checkpoint.html"])]
    assert cited, sources
    # The extractive answer quotes the passage numbered [n] in the context.
    assert any(f"[{s['index']}]" in answer for s in cited), answer
    quoted = answer.split("] ", 1)[-1][:40]
    assert any(quoted in " ".join(s["text"].replace("#", "").split()) for s in cited), answer
