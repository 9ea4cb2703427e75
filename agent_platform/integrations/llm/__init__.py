"""LLM adapters behind the engine's ``LLMClient`` port; ``LLMRouter`` is the entry point."""

from agent_platform.integrations.llm.anthropic_client import AnthropicChatClient
from agent_platform.integrations.llm.base import ModelPrice, PriceTable, RetryPolicy, split_model
from agent_platform.integrations.llm.offline import (
    OfflineLLM,
    OfflineLLMResponse,
    TextEmbedder,
    hashed_embedder,
)
from agent_platform.integrations.llm.openai_client import OpenAIChatClient
from agent_platform.integrations.llm.router import DefaultLookup, KeyLookup, LLMRouter

__all__ = [
    "AnthropicChatClient",
    "DefaultLookup",
    "KeyLookup",
    "LLMRouter",
    "ModelPrice",
    "OfflineLLM",
    "OfflineLLMResponse",
    "OpenAIChatClient",
    "PriceTable",
    "RetryPolicy",
    "TextEmbedder",
    "hashed_embedder",
    "split_model",
]
