"""Splitting parsed documents into chunks with LlamaIndex node parsers.

``sentence`` runs ``SentenceSplitter`` over each section. ``markdown`` and ``html`` first split
Markdown-structured text (Markdown files, and HTML/DOCX, which parsing converts to Markdown
headings) into sections with ``MarkdownNodeParser``, then bound each section's size with
``SentenceSplitter``; every chunk keeps its heading path. Sizes are counted in the local
model's word pieces (see ``embeddings.token_counter``), so a chunk fits its 256-token window.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from agent_platform.integrations.documents import ParsedDocument
from agent_platform.integrations.embeddings import token_counter

MAX_CHUNKS = 20_000


@dataclass
class Chunk:
    """A passage to embed: ``meta`` holds citation fields (title, page, heading, ...)."""

    text: str
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def text_hash(self) -> str:
        """SHA-256 of the text and its citation context (reused embeddings must match both)."""
        key = f"{self.meta.get('title', '')}\x1f{self.meta.get('heading', '')}\x1f{self.text}"
        return hashlib.sha256(key.encode()).hexdigest()

    def embedding_text(self) -> str:
        """What is embedded: title and heading path give a short passage its context."""
        context = " > ".join(p for p in (self.meta.get("title"), self.meta.get("heading")) if p)
        return f"{context}\n{self.text}" if context else self.text


def _splitter(chunk_size: int, chunk_overlap: int) -> Any:
    from llama_index.core.node_parser import SentenceSplitter

    return SentenceSplitter(
        chunk_size=chunk_size,
        chunk_overlap=min(chunk_overlap, chunk_size // 2),
        tokenizer=token_counter(),
        include_metadata=False,
        include_prev_next_rel=False,
    )


def _heading(header_path: str, text: str) -> list[str]:
    """The heading path of a Markdown section: its parents plus its own heading line."""
    parts = [p for p in header_path.strip("/").split("/") if p]
    first = text.lstrip().split("\n", 1)[0]
    if first.startswith("#"):
        parts.append(first.lstrip("#").strip())
    return parts


def chunk_document(
    doc: ParsedDocument,
    *,
    strategy: str,
    chunk_size: int,
    chunk_overlap: int,
    base_meta: dict[str, Any],
) -> list[Chunk]:
    """Split ``doc`` into chunks carrying ``base_meta`` plus section and heading metadata.

    Args:
        strategy: ``sentence``, ``markdown`` or ``html`` (the latter two use headings when the
            parsed text has them, else fall back to sentences).
        chunk_size: maximum tokens per chunk; ``chunk_overlap`` tokens repeat between chunks.
        base_meta: citation fields for every chunk (``title``, ``source_url``, ...).

    Raises:
        ValueError: the document would produce more than ``MAX_CHUNKS`` chunks.
    """
    from llama_index.core import Document
    from llama_index.core.node_parser import MarkdownNodeParser

    splitter = _splitter(chunk_size, chunk_overlap)
    structured = strategy in ("markdown", "html") and doc.markdown
    chunks: list[Chunk] = []
    for section in doc.sections:
        meta = {**base_meta, **section.meta}
        parts: list[tuple[str, dict[str, Any]]] = [(section.text, meta)]
        if structured:
            nodes = MarkdownNodeParser().get_nodes_from_documents([Document(text=section.text)])
            parts = []
            for node in nodes:
                heading = _heading(node.metadata.get("header_path", "/"), node.text)
                parts.append((node.text, {**meta, "heading_path": heading}))
        for text, part_meta in parts:
            if part_meta.get("heading_path"):
                part_meta["heading"] = " > ".join(part_meta["heading_path"])
            for piece in splitter.split_text(text):
                if piece.strip():
                    chunks.append(Chunk(piece.strip(), dict(part_meta)))
            if len(chunks) > MAX_CHUNKS:
                raise ValueError(f"more than {MAX_CHUNKS} chunks")
    for ordinal, chunk in enumerate(chunks):
        chunk.meta["chunk"] = ordinal
    return chunks
