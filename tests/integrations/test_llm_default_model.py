"""The organization's default model (``DEFAULT_MODEL``) as the router resolves it."""

from __future__ import annotations

import asyncio
import json

import pytest

from agent_platform.engine.nodes.base import Services
from agent_platform.engine.protocols import (
    DEFAULT_MODEL,
    Category,
    ChatMessage,
    LLMRequest,
    PermanentError,
)
from agent_platform.engine.runner import Runner
from agent_platform.integrations.egress import EgressGuard
from agent_platform.integrations.llm import LLMRouter
from agent_platform.integrations.llm.catalog import known_models

pytestmark = pytest.mark.anyio

PURPLE = "The code word is PURPLE. What is the code word?"
INSTRUCTION = "Answer from this message: "
ANSWER = "The code word is PURPLE."
LOOPBACK = EgressGuard(allow_hosts=["127.0.0.1"])  # the wire server, explicitly allowed


def _ask(model: str = DEFAULT_MODEL, credential_id: str | None = None) -> LLMRequest:
    return LLMRequest(model, (ChatMessage("user", "Hi"),), credential_id=credential_id)


def _defaults(answer):
    calls: list[str | None] = []

    async def lookup(credential_id: str | None):
        calls.append(credential_id)
        return answer

    return lookup, calls


async def test_without_a_configured_provider_the_default_is_offline():
    lookup, calls = _defaults(None)
    router = LLMRouter(default_lookup=lookup)
    resp = await router.complete(_ask())
    assert resp.model == "offline:extractive" and resp.provider == "offline"
    classified = await router.classify(
        model=DEFAULT_MODEL, text="refund please", categories=(Category("refund"), Category("x"))
    )
    assert classified.model == "offline:extractive"
    assert calls == [None]  # resolved once per router: one run uses one model
    assert (await LLMRouter().complete(_ask())).model == "offline:extractive"


@pytest.mark.parametrize(
    ("found", "expected"),
    [
        (("openai", None), "openai:gpt-4o-mini"),
        (("anthropic", None), "anthropic:claude-haiku-4-5"),
        (("openai", "gpt-4.1"), "openai:gpt-4.1"),
        (("compat", "llama3:8b"), "compat:llama3:8b"),
    ],
)
async def test_the_default_is_the_first_configured_providers_default_model(found, expected):
    lookup, calls = _defaults(found)
    router = LLMRouter(default_lookup=lookup)
    assert await router.resolve_model(DEFAULT_MODEL, "cred-1") == expected
    assert await router.resolve_model("openai:gpt-4o", "cred-1") == "openai:gpt-4o"
    assert calls == ["cred-1"]


async def test_the_default_goes_to_that_provider_with_its_key(wire):
    async def keys(provider, credential_id):
        return {"api_key": "sk-org"}

    lookup, _ = _defaults(("openai", None))
    router = LLMRouter(
        key_lookup=keys,
        default_lookup=lookup,
        base_urls={"openai": wire.openai_base_url},
        egress=LOOPBACK,
    )
    wire.reply_text("From OpenAI.")
    try:
        resp = await router.complete(_ask())
    finally:
        await router.aclose()
    assert (resp.text, resp.model) == ("From OpenAI.", "openai:gpt-4o-mini")
    assert wire.requests[0].json["model"] == "gpt-4o-mini"


async def test_a_compat_server_without_a_saved_model_lends_its_first_listed_one(wire):
    models = {"object": "list", "data": [{"id": "qwen2.5:7b", "object": "model"}]}
    wire.add_route("GET", "/v1/models", body=json.dumps(models))

    async def keys(provider, credential_id):
        return {"base_url": wire.openai_base_url}

    lookup, _ = _defaults(("compat", None))
    router = LLMRouter(key_lookup=keys, default_lookup=lookup, egress=LOOPBACK)
    wire.reply_text("Local.")
    try:
        resp = await router.complete(_ask())
        assert resp.model == "compat:qwen2.5:7b"
        assert wire.requests[-1].json["model"] == "qwen2.5:7b"
        wire.reset()  # no /models any more, no saved model: a clear error
        lookup2, _ = _defaults(("compat", None))
        other = LLMRouter(key_lookup=keys, default_lookup=lookup2, egress=LOOPBACK)
        with pytest.raises(PermanentError, match="save a default model"):
            await other.complete(_ask())
        await other.aclose()
    finally:
        await router.aclose()


def test_known_models_come_from_the_price_table():
    assert "openai:gpt-4o-mini" in known_models("openai")
    assert all(m.startswith("anthropic:") for m in known_models("anthropic"))
    assert known_models("offline") == ["offline:extractive"] and known_models("compat") == []


def test_a_default_model_graph_answers_purple_offline_through_the_engine():
    doc = {
        "nodes": [
            {"id": "trigger_1", "type": "trigger", "data": {"kind": "chat"}},
            {"id": "llm_1", "type": "llm", "data": {"prompt": INSTRUCTION + "{{inputs.message}}"}},
            {"id": "output_1", "type": "output", "data": {"value": "{{llm_1.output.text}}"}},
        ],
        "edges": [
            {"id": "e1", "source": "trigger_1", "target": "llm_1"},
            {"id": "e2", "source": "llm_1", "target": "output_1"},
        ],
    }
    lookup, _ = _defaults(None)
    runner = Runner(doc, services=Services(llm=LLMRouter(default_lookup=lookup)))
    outcome = asyncio.run(runner.run({"message": PURPLE}))
    assert outcome.status == "succeeded", outcome.error
    assert outcome.output == "The code word is PURPLE."
    assert "Answer from" not in outcome.output
