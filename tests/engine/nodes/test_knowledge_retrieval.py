"""``knowledge_retrieval``: numbered passages for citation.

Search itself (vector, full text, hybrid on pgvector) is covered by
``tests/services/knowledge/test_retrieval.py``.
"""

from __future__ import annotations

import pytest

from agent_platform.engine.nodes.base import Services
from agent_platform.engine.protocols import PermanentError, RetrievedChunk
from tests.engine.fakes import FakeRetriever, run_node

DATA = {"knowledge_base_ids": ["kb_1"], "query": "{{inputs.message}}", "top_k": 2}


class _TwoChunks(FakeRetriever):
    async def search(self, **kwargs) -> list[RetrievedChunk]:
        self.queries.append(kwargs["query"])
        meta = {"page": 3, "heading_path": ["Hours", "Weekend"]}
        return [
            RetrievedChunk("# Hours\nOpen 9-5", 0.9, "doc_1", "Handbook", "kb_1", metadata=meta),
            RetrievedChunk("Closed Sundays", 0.5, "doc_2", "", "kb_1"),
        ]


def test_numbers_the_passages_and_cites_their_sources():
    retriever = _TwoChunks()
    result = run_node(
        "knowledge_retrieval",
        DATA,
        services=Services(retriever=retriever),
        inputs={"message": " hours "},
    )
    assert retriever.queries == ["hours"]
    assert result.output["context"] == (
        "[1] Hours Open 9-5\n(Source: Handbook (Hours > Weekend; page 3))\n\n"
        "[2] Closed Sundays\n(Source: Untitled)"
    )
    first = result.output["chunks"][0]
    assert first["index"] == 1 and first["citation"]["page"] == 3


def test_an_empty_query_searches_nothing_and_no_retriever_fails():
    retriever = FakeRetriever()
    services = Services(retriever=retriever)
    empty = run_node("knowledge_retrieval", DATA, services=services, inputs={"message": "  "})
    assert empty.output == {"chunks": [], "context": ""} and retriever.queries == []
    with pytest.raises(PermanentError, match="not configured"):
        run_node("knowledge_retrieval", DATA, inputs={"message": "x"})
