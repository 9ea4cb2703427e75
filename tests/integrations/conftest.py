"""Fixtures for the integration adapters: async backend and the LLM wire server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integrations.llm_wire_servers import WireServer, wire_server


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def wire() -> Iterator[WireServer]:
    """A fresh local OpenAI/Anthropic wire server per test."""
    with wire_server() as srv:
        yield srv
