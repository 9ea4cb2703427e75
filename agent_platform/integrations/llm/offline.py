"""The offline provider: answers by extracting sentences from the prompt, never by inventing.

Used when no provider key is configured. It labels itself ``offline:extractive`` and returns
verbatim sentences from the system/user/tool messages that best match the last user question
(BM25 over sentences). Of a message rendered from a template (``ChatMessage.segments``) it
quotes what was substituted (the user's message, upstream outputs, retrieved passages); the
template's own complete sentences only when that content has nothing relevant, and never its
lead-ins ("Answer from this message:"). Messages with nothing substituted are content as a
whole. Token counts are estimates (~4 characters per token), flagged by ``usage_estimated``.
"""

from __future__ import annotations

import json
import math
import re
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from agent_platform.engine.protocols import (
    Category,
    ChatMessage,
    Classification,
    LLMRequest,
    LLMResponse,
    PermanentError,
    PromptSegment,
    TokenCallback,
)

MODEL = "offline:extractive"
NO_MATCH = "[offline: no relevant passage found in the provided context]"
TextEmbedder = Callable[[Sequence[str]], list[list[float]]]
"""Embeds a batch of texts to vectors (e.g. a sentence-transformers model's ``encode``)."""

_STOP_WORDS = (
    "a an and are as at be by can do does for from has have how i in is it its me my of on or "
    "our please so that the their this to was we what when where which who why will with you "
    "your tell give show find about question answer context "
    # Question framing ("how long does it take", "how much") says nothing about the topic.
    "long much many take get make there any some"
)
_STOP = frozenset(_STOP_WORDS.split())
_LABEL = re.compile(
    r"^(?:retrieved\s+)?(?:context|documents?|sources?|passages?|background|input)\s*:\s*",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_ENDS = (".", "!", "?")


@dataclass(frozen=True)
class OfflineLLMResponse(LLMResponse):
    """An ``LLMResponse`` whose token counts are estimates, not provider-reported."""

    usage_estimated: bool = True


@dataclass(frozen=True)
class OfflineClassification(Classification):
    """A ``Classification`` whose token counts are estimates."""

    usage_estimated: bool = True


def tokens(text: str) -> list[str]:
    """Lower-cased content words with a crude plural strip ("invoices" ~ "invoice")."""
    words = (w.casefold() for w in _WORD.findall(text))
    return [w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words if w not in _STOP]


def estimate_tokens(text: str) -> int:
    """~4 characters per token, at least 1 for non-empty text."""
    return math.ceil(len(text) / 4) if text else 0


def hashed_embedder(dims: int = 1024) -> TextEmbedder:
    """A stdlib embedder: hashed word unigrams + character trigrams, L2-normalised.

    Good enough to match "refund my order" to a "billing: payments and refunds" category;
    swap in a real embedding model through the same callable shape.
    """

    def embed(texts: Sequence[str]) -> list[list[float]]:
        out = []
        for text in texts:
            vec = [0.0] * dims
            words = tokens(text)
            features = [f"w:{w}" for w in words] + [
                f"c:{g[i : i + 3]}" for w in words for g in [f" {w} "] for i in range(len(g) - 2)
            ]
            for feat in features:
                h = zlib.crc32(feat.encode())
                vec[h % dims] += 1.0 if (h >> 16) & 1 else -1.0
            norm = math.sqrt(sum(v * v for v in vec)) or 1.0
            out.append([v / norm for v in vec])
        return out

    return embed


class OfflineLLM:
    """``LLMClient`` that extracts instead of generating; never calls tools.

    Args:
        embedder: used by ``classify``; defaults to ``hashed_embedder()``.
        max_sentences: how many top sentences an answer may contain.
    """

    def __init__(self, *, embedder: TextEmbedder | None = None, max_sentences: int = 3) -> None:
        self._embed = embedder or hashed_embedder()
        self._max = max_sentences

    async def complete(
        self, request: LLMRequest, *, on_token: TokenCallback | None = None
    ) -> LLMResponse:
        """Answer from the request's own messages (see module docstring)."""
        question, content, statements = _sources(request.messages)
        # The content first; the template's own statements only if the content has nothing.
        best = extract(question, content, self._max) or extract(question, statements, self._max)
        if request.response_schema is not None:
            context = "\n".join(content + statements)
            text = json.dumps(_fill(request.response_schema, best, context))
        else:
            text = " ".join(best) if best else NO_MATCH
        if on_token is not None:
            for piece in re.findall(r"\S+\s*", text):
                await on_token(piece)
        prompt = "\n".join(m.content for m in request.messages)
        return OfflineLLMResponse(
            text=text,
            model=MODEL,
            provider="offline",
            input_tokens=estimate_tokens(prompt),
            output_tokens=estimate_tokens(text),
            cost_usd=0.0,
            finish_reason="stop",
        )

    async def classify(
        self,
        *,
        model: str,
        text: str,
        categories: tuple[Category, ...],
        credential_id: str | None = None,
    ) -> Classification:
        """Pick the category whose "name: description" is most similar to ``text``.

        Raises:
            PermanentError: when no categories are given.
        """
        if not categories:
            raise PermanentError("classify needs at least one category")
        labels = [f"{c.name} {c.name} {c.description}" for c in categories]
        query, *cats = self._embed([text, *labels])
        scores = [sum(a * b for a, b in zip(query, cat, strict=False)) for cat in cats]
        best = max(range(len(scores)), key=lambda i: (scores[i], -i))
        return OfflineClassification(
            index=best,
            model=MODEL,
            provider="offline",
            input_tokens=estimate_tokens(text + "".join(labels)),
            output_tokens=1,
        )


def _content(message: ChatMessage) -> tuple[str, ...]:
    """What of a message is content: the values substituted into its template.

    All of it when nothing was substituted (a static system prompt, a tool result, a reply).
    """
    values = message.substituted
    return (message.content,) if values is None else values


def _statements(message: ChatMessage) -> list[str]:
    """The complete sentences a templated message's own text states ("Orders ship in two days.").

    Lead-ins to a value ("Answer from this message:") and the rest of a sentence a value began
    ("{{name}} wrote:") are instructions or framing, never statements.
    """
    if message.substituted is None:
        return []
    found: list[str] = []
    previous: PromptSegment | None = None
    for segment in message.segments:
        if not segment.value:
            pieces = _SENTENCE.split(segment.text)
            if _continues(previous, segment.text):
                pieces = pieces[1:]
            found += [p.strip() for p in pieces if p.strip().endswith(_ENDS)]
        previous = segment
    return found


def _continues(value: PromptSegment | None, text: str) -> bool:
    """Whether template ``text`` goes on with the sentence the ``value`` before it began."""
    if value is None or value.text.rstrip().endswith(_ENDS):
        return False
    return not text.lstrip(" \t").startswith("\n")


def _question(texts: Sequence[str]) -> str:
    own = [s.strip() for text in texts for s in _SENTENCE.split(text) if s.strip()]
    if len(own) > 1:
        # A message with context and a question ("Context: ... Question: ...?"): the "?" part.
        return " ".join([s for s in own if s.endswith("?")] or own[-1:])
    return " ".join(own)


def _candidates(texts: Sequence[str], question: str) -> list[str]:
    found = []
    for text in texts:
        for s in _SENTENCE.split(text):
            s = _LABEL.sub("", s.strip())
            if s and s not in question and tokens(s):
                found.append(s)
    return found


def _sources(messages: Sequence[ChatMessage]) -> tuple[str, list[str], list[str]]:
    """The last user question, the content's sentences and the templates' own statements.

    Of a templated message ("Answer from this message: {{inputs.message}}") the content is
    what was substituted (the user's message, upstream outputs, retrieved passages); the
    template's text is its author's: only its complete sentences are kept, as statements.
    """
    last_user = next((m for m in reversed(messages) if m.role == "user"), None)
    question = _question(_content(last_user)) if last_user else ""
    read = [m for m in messages if m.role != "assistant"]
    content = _candidates([t for m in read for t in _content(m)], question)
    statements = _candidates([t for m in read for t in _statements(m)], question)
    content = list(dict.fromkeys(content))
    return question, content, [s for s in dict.fromkeys(statements) if s not in content]


def extract(question: str, sentences: Sequence[str], k: int) -> list[str]:
    """Top-``k`` sentences by BM25 against ``question``, in their original order."""
    query = set(tokens(question))
    docs = [tokens(s) for s in sentences]
    if not query or not docs:
        return []
    avg = sum(len(d) for d in docs) / len(docs) or 1.0
    df = Counter(t for d in docs for t in set(d))
    n = len(docs)
    scores = []
    for d in docs:
        tf = Counter(d)
        score = 0.0
        for t in query & tf.keys():
            idf = math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5))
            score += idf * tf[t] * 2.2 / (tf[t] + 1.2 * (0.25 + 0.75 * len(d) / avg))
        scores.append(score)
    top = sorted((i for i in range(n) if scores[i] > 0), key=lambda i: -scores[i])[:k]
    if not top:
        return []
    cutoff = scores[top[0]] * 0.75  # keep only sentences nearly as relevant as the best
    return [sentences[i] for i in sorted(top) if scores[i] >= cutoff]


def _fill(schema: dict[str, Any], best: list[str], context: str, name: str = "") -> Any:
    """A value matching ``schema``: "name: value" pairs found verbatim, else empty defaults."""
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((t for t in kind if t != "null"), "null")
    if kind == "object" or "properties" in schema:
        return {
            key: _fill(sub, best, context, key)
            for key, sub in (schema.get("properties") or {}).items()
        }
    found = _labelled_value(name, context) if name else None
    if "enum" in schema and schema["enum"]:
        options = schema["enum"]
        hay = (found or context).casefold()
        return next((o for o in options if str(o).casefold() in hay), options[0])
    if kind in ("integer", "number"):
        match = re.search(r"-?\d+(?:\.\d+)?", found or "")
        if not match:
            return 0
        return int(float(match.group())) if kind == "integer" else float(match.group())
    if kind == "boolean":
        return (found or "").strip().casefold() in ("true", "yes", "y", "1")
    if kind == "array":
        return [p.strip() for p in found.split(",") if p.strip()] if found else []
    if kind == "string" or kind is None:
        if found:
            return found
        if name.casefold() in ("answer", "response", "summary", "text", "result", "output"):
            return " ".join(best)
        return ""
    return None


def _labelled_value(name: str, context: str) -> str | None:
    label = re.escape(name).replace("_", "[ _-]")
    match = re.search(rf"(?im)\b{label}\s*[:=]\s*([^\n;]+)", context)
    return match.group(1).strip().rstrip(".") if match else None
