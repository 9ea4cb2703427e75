"""The offline extractive provider and the router's key handling."""

from __future__ import annotations

import json

import pytest

from agent_platform.engine.protocols import (
    Category,
    ChatMessage,
    LLMRequest,
    PermanentError,
    ToolSpec,
)
from agent_platform.integrations.llm import LLMRouter, OfflineLLM, hashed_embedder
from agent_platform.integrations.llm.offline import NO_MATCH

pytestmark = pytest.mark.anyio

CONTEXT = (
    "Retrieved context:\n"
    "Our office is open Monday to Friday from 9am to 5pm. "
    "Refunds are issued within 14 days of the return being received. "
    "The company was founded in 2009 in Lisbon. "
    "Shipping to Europe takes three to five business days."
)


def offline_request(question: str, **kwargs) -> LLMRequest:
    return LLMRequest(
        model="offline:extractive",
        messages=(ChatMessage("system", CONTEXT), ChatMessage("user", question)),
        **kwargs,
    )


async def test_offline_extracts_the_relevant_sentence_verbatim_and_labels_itself():
    resp = await OfflineLLM().complete(offline_request("How long do refunds take?"))
    assert resp.text == "Refunds are issued within 14 days of the return being received."
    assert resp.model == "offline:extractive" and resp.provider == "offline"
    assert resp.cost_usd == 0.0 and resp.usage_estimated is True
    assert resp.input_tokens == pytest.approx(len(CONTEXT) / 4, abs=12)


async def test_offline_answers_from_a_templated_user_prompt():
    prompt = (
        "Context: The Eiffel Tower is 330 metres tall. Bananas are yellow.\n"
        "Question: How tall is the Eiffel Tower?"
    )
    req = LLMRequest(model="offline:extractive", messages=(ChatMessage("user", prompt),))
    resp = await OfflineLLM().complete(req)
    assert resp.text == "The Eiffel Tower is 330 metres tall."


async def test_offline_streams_the_same_text_and_ignores_tools():
    tokens: list[str] = []

    async def on_token(t: str) -> None:
        tokens.append(t)

    tool = ToolSpec("search", "web search", {"type": "object", "properties": {}})
    resp = await OfflineLLM().complete(
        offline_request("When was the company founded?", tools=(tool,)), on_token=on_token
    )
    assert "".join(tokens) == resp.text == "The company was founded in 2009 in Lisbon."
    assert len(tokens) > 1 and resp.tool_calls == ()


async def test_offline_says_so_when_nothing_matches():
    resp = await OfflineLLM().complete(offline_request("Quantum chromodynamics gluon?"))
    assert resp.text == NO_MATCH


async def test_offline_structured_output_fills_schema_from_context():
    prompt = "Name: Ada Lovelace\nAge: 36\nCountry: UK\nActive: yes\nSummarise the person."
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "age": {"type": "integer"},
            "active": {"type": "boolean"},
            "email": {"type": "string"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "country": {"type": "string", "enum": ["FR", "UK"]},
        },
    }
    req = LLMRequest(
        model="offline:extractive", messages=(ChatMessage("user", prompt),), response_schema=schema
    )
    value = json.loads((await OfflineLLM().complete(req)).text)
    assert value == {
        "name": "Ada Lovelace",
        "age": 36,
        "active": True,
        "email": "",
        "tags": [],
        "country": "UK",
    }


async def test_offline_classify_picks_the_obvious_category():
    cats = (
        Category("billing", "payments, invoices, refunds and charges"),
        Category("technical support", "bugs, errors, crashes, login problems"),
        Category("sales", "pricing plans, demos, buying more seats"),
    )
    llm = OfflineLLM()
    refund = await llm.classify(
        model="offline:extractive",
        text="I was charged twice, please refund the invoice",
        categories=cats,
    )
    crash = await llm.classify(
        model="offline:extractive",
        text="The app crashes with an error when I log in",
        categories=cats,
    )
    assert (refund.index, crash.index) == (0, 1)
    assert refund.model == "offline:extractive" and refund.provider == "offline"


async def test_offline_classify_uses_a_pluggable_embedder():
    calls: list[list[str]] = []

    def embedder(texts):
        calls.append(list(texts))
        return [[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]]  # text matches the second category

    result = await OfflineLLM(embedder=embedder).classify(
        model="offline:extractive", text="x", categories=(Category("a"), Category("b"))
    )
    assert result.index == 1 and calls[0][0] == "x"


def test_hashed_embedder_is_deterministic_and_normalised():
    a, b = hashed_embedder()(["refund my invoice", "refund my invoice"])
    assert a == b and sum(v * v for v in a) == pytest.approx(1.0)


async def test_router_uses_offline_for_offline_models_without_any_lookup():
    async def lookup(provider, credential_id):
        raise AssertionError("offline needs no key")

    resp = await LLMRouter(key_lookup=lookup).complete(offline_request("Opening hours?"))
    assert resp.provider == "offline"


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
async def test_router_missing_key_is_a_clear_error_not_a_silent_fallback(provider):
    seen = []

    async def lookup(p, credential_id):
        seen.append((p, credential_id))
        return None

    router = LLMRouter(key_lookup=lookup)
    req = LLMRequest(
        model=f"{provider}:some-model",
        messages=(ChatMessage("user", "hi"),),
        credential_id="cred-9",
    )
    with pytest.raises(PermanentError) as info:
        await router.complete(req)
    assert info.value.message == (
        f"No API key configured for {provider}; add one in Settings → Credentials"
    )
    assert seen == [(provider, "cred-9")]


async def test_router_compat_without_base_url_is_an_error():
    async def lookup(p, credential_id):
        return {"api_key": "x"}

    with pytest.raises(PermanentError, match="No base URL configured for compat"):
        await LLMRouter(key_lookup=lookup).classify(
            model="compat:llama3", text="t", categories=(Category("a"),)
        )


@pytest.mark.parametrize("model", ["gpt-4o", "mistral:7b", ""])
async def test_router_rejects_unknown_model_refs(model):
    req = LLMRequest(model=model, messages=(ChatMessage("user", "hi"),))
    with pytest.raises(PermanentError, match="provider"):
        await LLMRouter().complete(req)
