"""``PgRetriever``: the engine's ``Retriever`` on the org's knowledge bases (pgvector)."""

from __future__ import annotations

import asyncio
import uuid

from agent_platform.db import session_scope
from agent_platform.engine.protocols import PermanentError, RetrievedChunk, TransientError
from agent_platform.integrations.embeddings import EmbeddingError
from agent_platform.services.errors import InvalidInput, NotFound
from agent_platform.services.knowledge.retrieval import search


class PgRetriever:
    """The engine's ``Retriever`` for one org (each search runs in its own session).

    Args:
        org_id: the run's organization; other orgs' knowledge bases are "not found".
    """

    def __init__(self, org_id: uuid.UUID | str) -> None:
        self._org_id = org_id if isinstance(org_id, uuid.UUID) else uuid.UUID(str(org_id))

    async def search(
        self, *, knowledge_base_ids: list[str], query: str, top_k: int, mode: str
    ) -> list[RetrievedChunk]:
        """Top ``top_k`` chunks; see ``search``.

        Raises:
            PermanentError: unknown/foreign knowledge base, bad arguments, no credential.
            TransientError: the embedding provider is temporarily unavailable.
        """
        return await asyncio.to_thread(self._search, knowledge_base_ids, query, top_k, mode)

    def _search(self, ids: list[str], query: str, top_k: int, mode: str) -> list[RetrievedChunk]:
        try:
            with session_scope() as session:
                return search(
                    session,
                    org_id=self._org_id,
                    knowledge_base_ids=ids,
                    query=query,
                    top_k=top_k,
                    mode=mode,
                )
        except NotFound:
            raise PermanentError("Knowledge base not found in this organization") from None
        except InvalidInput as exc:
            raise PermanentError(exc.message) from None
        except EmbeddingError as exc:
            error = TransientError if exc.transient else PermanentError
            raise error(str(exc)) from None
