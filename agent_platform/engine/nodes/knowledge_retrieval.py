"""``knowledge_retrieval``: search knowledge bases and number the passages for citation.

Output ``{"chunks": [...], "context": "..."}``. ``context`` lists the passages as
``[1] text`` + ``(Source: Title (heading; page 3))`` blocks, so a downstream LLM prompt such as
``Answer from these sources and cite them like [1]: {{kb_1.output.context}}`` can cite by
number; ``chunks[n-1]`` is the source of ``[n]``.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Literal

from pydantic import Field

from agent_platform.engine.nodes.base import Node, NodeConfig, NodeContext, NodeResult
from agent_platform.engine.protocols import PermanentError, RetrievedChunk, Retriever

_HEADING_MARK = re.compile(r"^#{1,6}\s+", re.MULTILINE)


class KnowledgeRetrievalConfig(NodeConfig):
    """Which knowledge bases to search, with what query, how many passages."""

    knowledge_base_ids: list[str] = Field(min_length=1, max_length=20)
    query: str = Field(
        default="{{inputs.message}}", min_length=1, max_length=10_000,
        description="Search text, with {{variables}}",
    )  # fmt: skip
    top_k: int = Field(default=5, ge=1, le=50, description="Passages to return")
    mode: Literal["vector", "full_text", "hybrid"] = "hybrid"


def _citation(chunk: RetrievedChunk) -> dict[str, Any]:
    meta = chunk.metadata
    keys = ("page", "heading_path", "source_url", "filename", "chunk_id")
    return {
        "document_id": chunk.document_id,
        "knowledge_base_id": chunk.knowledge_base_id,
        **{key: meta[key] for key in keys if meta.get(key) not in (None, "", [])},
    }


def _source(chunk: RetrievedChunk) -> str:
    where = []
    if chunk.metadata.get("heading_path"):
        where.append(" > ".join(chunk.metadata["heading_path"]))
    if chunk.metadata.get("page"):
        where.append(f"page {chunk.metadata['page']}")
    suffix = f" ({'; '.join(where)})" if where else ""
    return f"(Source: {chunk.document_title or 'Untitled'}{suffix})"


def format_context(chunks: list[RetrievedChunk]) -> str:
    """Numbered passages: ``[n] text`` on one line (Markdown heading marks dropped), then
    ``(Source: Title (heading path; page n))``, blocks separated by a blank line."""
    blocks = []
    for number, chunk in enumerate(chunks, start=1):
        body = " ".join(_HEADING_MARK.sub("", chunk.text).split())
        blocks.append(f"[{number}] {body}\n{_source(chunk)}")
    return "\n\n".join(blocks)


class KnowledgeRetrievalNode(Node[KnowledgeRetrievalConfig]):
    """Retrieves passages from the org's knowledge bases through ``Services.retriever``."""

    type = "knowledge_retrieval"
    display_name = "Knowledge retrieval"
    category = "ai"
    icon = "book-open"
    description = "Find passages in knowledge bases; cite them in an LLM prompt as [1], [2]."
    non_template_fields = frozenset({"label", "retry", "knowledge_base_ids", "top_k", "mode"})
    example_config: ClassVar[dict[str, Any]] = {
        "knowledge_base_ids": ["00000000-0000-0000-0000-000000000000"],
        "query": "{{inputs.message}}",
        "top_k": 5,
        "mode": "hybrid",
    }

    async def run(self, ctx: NodeContext[KnowledgeRetrievalConfig]) -> NodeResult:
        """Render the query, search, and number the passages."""
        config = ctx.config
        retriever: Retriever | None = ctx.services.retriever
        if retriever is None:
            raise PermanentError("Knowledge retrieval is not configured for this run")
        query = ctx.render(config.query).strip()
        if not query:
            return NodeResult(output={"chunks": [], "context": ""}, logs=["empty query"])
        chunks = await retriever.search(
            knowledge_base_ids=list(config.knowledge_base_ids),
            query=query,
            top_k=config.top_k,
            mode=config.mode,
        )
        output = {
            "chunks": [
                {
                    "index": n,
                    "text": c.text,
                    "score": c.score,
                    "document_title": c.document_title,
                    "citation": _citation(c),
                }
                for n, c in enumerate(chunks, start=1)
            ],
            "context": format_context(chunks),
        }
        logs = [f"{len(chunks)} passages ({config.mode}) for {query[:80]!r}"]
        return NodeResult(output=output, logs=logs)
