"""The search playground of a knowledge base: the same retrieval the REST API's query uses.

Query words are highlighted server-side: each result's text is split into parts the page
renders plainly or marked (no HTML is ever built from document text).
"""

import dataclasses
import re

import reflex as rx

from agent_platform.db import session_scope
from agent_platform.integrations.embeddings import EmbeddingError
from agent_platform.services.errors import InvalidInput
from agent_platform.services.knowledge import retrieval
from agent_platform.services.permissions import Permission
from agent_platform.state.base import AppState, parse_id, requires, text

MODES = list(retrieval.MODES)
MAX_QUERY = 2000
MAX_TERMS = 20
STOPWORDS = {"a", "an", "and", "the", "of", "to", "in", "on", "for", "is", "it", "or", "by"}


@dataclasses.dataclass
class Part:
    """A run of result text; ``hit`` when it matches a query word."""

    text: str
    hit: bool


@dataclasses.dataclass
class Hit:
    """One retrieved chunk with its citation."""

    rank: int
    score: str
    title: str
    location: str
    source: str
    parts: list[Part]


def query_terms(query: str) -> list[str]:
    """The distinct words of ``query`` worth highlighting (no stop words), longest first."""
    words = {w.lower() for w in re.findall(r"\w+", query) if len(w) > 1}
    return sorted(words - STOPWORDS, key=lambda w: (-len(w), w))[:MAX_TERMS]


def highlight(body: str, terms: list[str]) -> list[Part]:
    """``body`` split into parts; words starting with a query term are marked ``hit``."""
    if not terms:
        return [Part(body, False)] if body else []
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(t) for t in terms) + r")\w*", re.I)
    parts, pos = [], 0
    for match in pattern.finditer(body):
        if match.start() > pos:
            parts.append(Part(body[pos : match.start()], False))
        parts.append(Part(match.group(0), True))
        pos = match.end()
    if pos < len(body):
        parts.append(Part(body[pos:], False))
    return parts


def _location(meta: dict) -> str:
    bits = []
    if meta.get("page"):
        bits.append(f"Page {meta['page']}")
    headings = meta.get("heading_path") or []
    if isinstance(headings, list) and headings:
        bits.append(" › ".join(str(h) for h in headings))
    return " · ".join(bits)


class KnowledgeSearchState(AppState):
    """Query box, top_k, mode and the last results."""

    query: str = ""
    top_k: str = "5"
    mode: str = "hybrid"
    searched: bool = False
    hits: list[Hit] = []

    @rx.event
    @requires(Permission.VIEW_KNOWLEDGE)
    def reset_search(self):
        """Start with an empty playground when the page opens."""
        self.query, self.searched, self.hits = "", False, []

    @rx.event
    @requires(Permission.VIEW_KNOWLEDGE)
    def set_mode(self, mode: str | list[str]):
        """Choose vector, full-text or hybrid search."""
        if not isinstance(mode, str) or mode not in MODES:
            raise InvalidInput("Unknown search mode.")
        self.mode = mode

    @rx.event
    @requires(Permission.VIEW_KNOWLEDGE)
    def search(self, form: dict):
        """Run the query against this page's knowledge base."""
        query = text(form, "query", limit=MAX_QUERY)
        raw_k = text(form, "top_k", limit=3) or "5"
        if not raw_k.isdigit() or not 1 <= int(raw_k) <= retrieval.MAX_TOP_K:
            raise InvalidInput(f"Results must be 1..{retrieval.MAX_TOP_K}.")
        kb_id = parse_id(self._query("id"), "knowledge base")
        try:
            with session_scope() as session:
                chunks = retrieval.query_knowledge_base(
                    session,
                    principal=self._principal(),
                    knowledge_base_id=kb_id,
                    query=query,
                    top_k=int(raw_k),
                    mode=self.mode,
                )
        except EmbeddingError as exc:
            return rx.toast.error(f"The query could not be embedded: {exc}")
        terms = query_terms(query)
        self.query, self.top_k, self.searched = query, raw_k, True
        self.hits = [
            Hit(
                rank=i,
                score=f"{c.score:.4f}",
                title=c.document_title or "Untitled",
                location=_location(c.metadata),
                source=str(c.metadata.get("source_url") or c.metadata.get("filename") or ""),
                parts=highlight(c.text, terms),
            )
            for i, c in enumerate(chunks, start=1)
        ]
