"""``LLMRouter``: one ``LLMClient`` that dispatches ``"provider:model"`` to the right adapter."""

from __future__ import annotations

import dataclasses
import hashlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from agent_platform.engine.protocols import (
    DEFAULT_MODEL,
    OFFLINE_MODEL,
    Category,
    Classification,
    LLMClient,
    LLMRequest,
    LLMResponse,
    PermanentError,
    TokenCallback,
)
from agent_platform.integrations.egress import EgressGuard, egress_http_client
from agent_platform.integrations.llm.anthropic_client import (
    ANTHROPIC_BASE_URL,
    AnthropicChatClient,
)
from agent_platform.integrations.llm.base import PriceTable, RetryPolicy, split_model
from agent_platform.integrations.llm.catalog import default_model
from agent_platform.integrations.llm.offline import OfflineLLM
from agent_platform.integrations.llm.openai_client import OPENAI_BASE_URL, OpenAIChatClient

KeyLookup = Callable[[str, str | None], Awaitable[dict[str, Any] | None]]
"""``(provider, credential_id) -> {"api_key": ..., "base_url": ...} | None`` for the org."""
DefaultLookup = Callable[[str | None], Awaitable[tuple[str, str | None] | None]]
"""``credential_id -> (provider, saved model or None) | None``: the provider the org's default
model comes from (the first configured one, or that of ``credential_id``); ``None``: none."""


class LLMRouter:
    """Routes requests by provider prefix; keys come from ``key_lookup`` per call.

    Offline is used only for ``offline:*`` models: a real model without a key is an error,
    never a silent downgrade. ``DEFAULT_MODEL`` resolves to the default model of the org's
    first configured provider, or to ``offline:extractive`` when it configured none (see
    :meth:`resolve_model`).

    Args:
        key_lookup: async ``(provider, credential_id) -> dict | None`` (the org's vault).
        default_lookup: async ``credential_id -> (provider, model | None) | None``: where the
            org's default model comes from. ``None``: the default is always offline.
        prices: per-model price overrides (``{"openai:gpt-4o": [2.5, 10.0]}``).
        base_urls: platform-configured endpoints for ``openai``/``anthropic`` (tests point
            these at local wire servers). Tenant credentials cannot change them.
        egress: the policy every SDK connection obeys (compat base URLs, which tenants
            choose, and the platform's endpoints alike): each SDK gets
            ``egress_http_client(egress)``. Strict ``EgressGuard()`` when omitted.
        max_clients: SDK clients (connection pools) kept per (provider, key, URL).
    """

    def __init__(
        self,
        *,
        key_lookup: KeyLookup | None = None,
        default_lookup: DefaultLookup | None = None,
        prices: Mapping[str, Any] | None = None,
        retry: RetryPolicy | None = None,
        timeout_s: float = 60.0,
        base_urls: Mapping[str, str] | None = None,
        offline: LLMClient | None = None,
        egress: EgressGuard | None = None,
        max_clients: int = 32,
    ) -> None:
        self._lookup = key_lookup
        self._default_lookup = default_lookup
        self._resolved: dict[str | None, str] = {}
        self._prices = PriceTable(prices)
        self._retry = retry or RetryPolicy()
        self._timeout = timeout_s
        self._urls = {
            "openai": OPENAI_BASE_URL,
            "anthropic": ANTHROPIC_BASE_URL,
            **dict(base_urls or {}),
        }
        self._offline = offline or OfflineLLM()
        self._egress = egress or EgressGuard()
        self._clients: OrderedDict[tuple[str, str, str], Any] = OrderedDict()
        self._max = max_clients

    async def complete(
        self, request: LLMRequest, *, on_token: TokenCallback | None = None
    ) -> LLMResponse:
        """Complete with the provider named in ``request.model``.

        Raises:
            PermanentError: unknown provider, missing key, or the provider's permanent errors.
            TransientError: the provider's transient errors after retries.
        """
        model = await self.resolve_model(request.model, request.credential_id)
        if model != request.model:
            request = dataclasses.replace(request, model=model)
        client = await self._client(model, request.credential_id)
        return await client.complete(request, on_token=on_token)

    async def classify(
        self,
        *,
        model: str,
        text: str,
        categories: tuple[Category, ...],
        credential_id: str | None = None,
    ) -> Classification:
        """Classify with the provider named in ``model`` (``DEFAULT_MODEL`` resolved)."""
        model = await self.resolve_model(model, credential_id)
        client = await self._client(model, credential_id)
        return await client.classify(
            model=model, text=text, categories=categories, credential_id=credential_id
        )

    async def resolve_model(self, model: str, credential_id: str | None = None) -> str:
        """The model ``model`` stands for: ``DEFAULT_MODEL`` resolved, any other unchanged.

        The default is the model saved on the first configured provider's credential (on
        ``credential_id``'s when given), else that provider's platform default
        (``catalog.PROVIDER_DEFAULTS``), else, for an OpenAI-compatible server, the first
        model it lists; ``offline:extractive`` when no provider is configured. Resolved once
        per router, so every call of a run uses the same model.

        Raises:
            PermanentError: the credential is unusable, or the server lists no model.
        """
        if model != DEFAULT_MODEL:
            return model
        if credential_id not in self._resolved:
            found = await self._default_lookup(credential_id) if self._default_lookup else None
            if found is None:
                ref = OFFLINE_MODEL
            else:
                provider, saved = found
                ref = default_model(provider, saved) or await self._served(provider, credential_id)
            self._resolved[credential_id] = ref
        return self._resolved[credential_id]

    async def _served(self, provider: str, credential_id: str | None) -> str:
        client = await self._client(f"{provider}:?", credential_id)
        return f"{provider}:{await client.first_model()}"

    async def aclose(self) -> None:
        """Close every cached SDK client."""
        clients, self._clients = list(self._clients.values()), OrderedDict()
        for client in clients:
            await client.aclose()

    async def _client(self, model: str, credential_id: str | None) -> Any:
        provider, _ = split_model(model)
        if provider == "offline":
            return self._offline
        creds = (await self._lookup(provider, credential_id)) if self._lookup else None
        creds = creds or {}
        api_key = str(creds.get("api_key") or "")
        if provider == "compat":
            base_url = str(creds.get("base_url") or "")
            if not base_url:
                raise PermanentError(
                    "No base URL configured for compat; add an OpenAI-compatible endpoint "
                    "in Settings → Credentials"
                )
            api_key = api_key or "not-needed"  # Ollama/LM Studio accept any key
        else:
            if not api_key:
                raise PermanentError(
                    f"No API key configured for {provider}; add one in Settings → Credentials"
                )
            base_url = self._urls[provider]
        digest = hashlib.sha256(api_key.encode()).hexdigest()  # never keep keys as dict keys
        cache_key = (provider, digest, base_url)
        if cache_key in self._clients:
            self._clients.move_to_end(cache_key)
            return self._clients[cache_key]
        client = self._build(provider, api_key, base_url)
        self._clients[cache_key] = client
        if len(self._clients) > self._max:
            # Evicted clients are not closed: a concurrent call may still use them; GC frees them.
            self._clients.popitem(last=False)
        return client

    def _build(self, provider: str, api_key: str, base_url: str) -> Any:
        # The guard checks base_url's host when each connection opens (no check-then-use gap).
        common = {
            "prices": self._prices,
            "retry": self._retry,
            "timeout_s": self._timeout,
            "http_client": egress_http_client(self._egress, timeout_s=self._timeout),
        }
        if provider == "anthropic":
            return AnthropicChatClient(api_key=api_key, base_url=base_url, **common)
        return OpenAIChatClient(api_key=api_key, base_url=base_url, provider=provider, **common)
