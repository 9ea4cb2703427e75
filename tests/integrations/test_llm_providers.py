"""The OpenAI/Anthropic adapters, driven through the real SDKs against local wire servers."""

from __future__ import annotations

import json

import pytest

from agent_platform.engine.protocols import (
    Category,
    ChatMessage,
    LLMRequest,
    PermanentError,
    ToolCall,
    ToolSpec,
    TransientError,
)
from agent_platform.integrations.egress import EgressGuard
from agent_platform.integrations.llm import LLMRouter, RetryPolicy
from tests.integrations.llm_wire_servers import Reply, WireServer

pytestmark = pytest.mark.anyio
FAST = RetryPolicy(max_attempts=3, base_delay_s=0.01, max_delay_s=0.02)
KEY = "sk-test-SECRETKEY1234567890"
WEATHER = ToolSpec(
    "get_weather",
    "Weather for a city",
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)
PROVIDERS = ["openai", "anthropic"]
LOOPBACK = EgressGuard(allow_hosts=["127.0.0.1"])  # the wire servers, explicitly allowed
MODELS = {"openai": "openai:gpt-4o-mini", "anthropic": "anthropic:claude-haiku-4-5"}


_open: list[LLMRouter] = []


@pytest.fixture(autouse=True)
async def _close_routers():
    # SDK clients own connection pools bound to the test's event loop: close them inside it.
    yield
    while _open:
        await _open.pop().aclose()


def router_for(wire: WireServer, **kwargs) -> LLMRouter:
    async def lookup(provider: str, credential_id: str | None) -> dict | None:
        return {"api_key": KEY}

    kwargs.setdefault("key_lookup", lookup)
    kwargs.setdefault("egress", LOOPBACK)
    router = LLMRouter(
        retry=FAST,
        timeout_s=5,
        base_urls={"openai": wire.openai_base_url, "anthropic": wire.anthropic_base_url},
        **kwargs,
    )
    _open.append(router)
    return router


def ask(model: str, text: str = "Hi", **kwargs) -> LLMRequest:
    return LLMRequest(
        model=model,
        messages=(ChatMessage("system", "Be brief."), ChatMessage("user", text)),
        **kwargs,
    )


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_streaming_text_calls_on_token_per_delta(wire, provider):
    wire.reply_text("Paris is the capital.", input_tokens=20, output_tokens=5)
    tokens: list[str] = []

    async def on_token(t: str) -> None:
        tokens.append(t)

    resp = await router_for(wire).complete(ask(MODELS[provider]), on_token=on_token)

    assert resp.text == "Paris is the capital."
    assert tokens == ["Paris ", "is ", "the ", "capital."]
    assert (resp.input_tokens, resp.output_tokens) == (20, 5)
    assert resp.provider == provider and resp.model == MODELS[provider]
    sent = wire.requests[0].json
    assert sent["stream"] is True
    if provider == "openai":
        assert sent["stream_options"] == {"include_usage": True}
        assert sent["messages"][0] == {"role": "system", "content": "Be brief."}
    else:
        assert sent["system"] == "Be brief."
        assert all(m["role"] != "system" for m in sent["messages"])


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("stream", [False, True])
async def test_tool_calls_are_parsed_and_tools_sent(wire, provider, stream):
    wire.reply_tool_call("get_weather", {"city": "Oslo", "units": "metric"})

    async def on_token(t: str) -> None:
        pass

    router = router_for(wire)
    resp = await router.complete(
        ask(MODELS[provider], "Weather in Oslo?", tools=(WEATHER,)),
        on_token=on_token if stream else None,
    )

    assert len(resp.tool_calls) == 1
    call = resp.tool_calls[0]
    assert call.name == "get_weather"
    assert call.arguments == {"city": "Oslo", "units": "metric"}
    assert call.id
    assert resp.finish_reason == "tool_calls"
    tools = wire.requests[0].json["tools"]
    if provider == "openai":
        assert tools[0]["function"]["name"] == "get_weather"
        assert tools[0]["function"]["parameters"] == WEATHER.parameters
    else:
        assert tools[0] == {
            "name": "get_weather",
            "description": "Weather for a city",
            "input_schema": WEATHER.parameters,
        }


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_tool_results_are_sent_back_in_provider_format(wire, provider):
    router = router_for(wire)
    messages = (
        ChatMessage("user", "Weather in Oslo?"),
        ChatMessage("assistant", "", tool_calls=(ToolCall("c1", "get_weather", {"city": "Oslo"}),)),
        ChatMessage("tool", "sunny", tool_call_id="c1"),
    )
    await router.complete(LLMRequest(model=MODELS[provider], messages=messages))
    sent = wire.requests[0].json["messages"]
    if provider == "openai":
        assert sent[1]["tool_calls"][0]["function"]["arguments"] == '{"city": "Oslo"}'
        assert sent[2] == {"role": "tool", "tool_call_id": "c1", "content": "sunny"}
    else:
        assert sent[1]["content"][0]["type"] == "tool_use"
        assert sent[2]["role"] == "user"
        assert sent[2]["content"][0] == {
            "type": "tool_result",
            "tool_use_id": "c1",
            "content": "sunny",
        }


async def test_openai_structured_output_sends_json_schema_and_parses(wire):
    schema = {"type": "object", "properties": {"city": {"type": "string"}}}
    wire.reply_text('```json\n{"city": "Paris"}\n```')  # compat models sometimes fence it
    resp = await router_for(wire).complete(ask("openai:gpt-4o", response_schema=schema))
    assert json.loads(resp.text) == {"city": "Paris"}
    fmt = wire.requests[0].json["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["schema"] == schema


async def test_anthropic_structured_output_uses_forced_tool(wire):
    schema = {"type": "object", "properties": {"city": {"type": "string"}}}
    wire.reply_tool_call("structured_output", {"city": "Paris"})
    resp = await router_for(wire).complete(
        ask("anthropic:claude-sonnet-4-5", response_schema=schema)
    )
    assert json.loads(resp.text) == {"city": "Paris"}
    assert resp.tool_calls == ()
    sent = wire.requests[0].json
    assert sent["tool_choice"] == {"type": "tool", "name": "structured_output"}
    assert sent["tools"][0]["input_schema"] == schema


async def test_invalid_structured_output_is_permanent(wire):
    wire.reply_text("not json at all")
    with pytest.raises(PermanentError, match="invalid JSON"):
        await router_for(wire).complete(ask("openai:gpt-4o", response_schema={"type": "object"}))


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_429_is_retried_then_succeeds(wire, provider):
    wire.reply_error(429, retry_after=0)
    wire.reply_error(503)
    wire.reply_text("finally")
    resp = await router_for(wire).complete(ask(MODELS[provider]))
    assert resp.text == "finally"
    assert len(wire.requests) == 3


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_500_forever_exhausts_into_transient_error(wire, provider):
    wire.fail_forever(500)
    with pytest.raises(TransientError, match="gave up after 3"):
        await router_for(wire).complete(ask(MODELS[provider]))
    assert len(wire.requests) == FAST.max_attempts


async def test_long_retry_after_gives_up_without_sleeping(wire):
    wire.reply_error(429, retry_after=3600)
    with pytest.raises(TransientError, match="rate limited"):
        await router_for(wire).complete(ask("openai:gpt-4o"))
    assert len(wire.requests) == 1


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_401_is_permanent_and_never_leaks_the_key(wire, provider):
    wire.reply_error(401)
    with pytest.raises(PermanentError) as info:
        await router_for(wire).complete(ask(MODELS[provider]))
    assert "rejected the API key" in info.value.message
    assert KEY not in str(info.value) and "SECRETKEY" not in repr(info.value.details)
    assert len(wire.requests) == 1  # not retried
    auth = wire.requests[0].headers
    assert KEY in (auth.get("authorization", "") + auth.get("x-api-key", ""))


async def test_400_relays_provider_message_with_key_redacted(wire):
    wire.script(Reply(status=400, error_message=f"bad tools for key {KEY}"))
    with pytest.raises(PermanentError, match="HTTP 400") as info:
        await router_for(wire).complete(ask("openai:gpt-4o"))
    assert "bad tools" in info.value.message and KEY not in info.value.message


async def test_404_names_the_model(wire):
    wire.reply_error(404)
    with pytest.raises(PermanentError, match="gpt-nope"):
        await router_for(wire).complete(ask("openai:gpt-nope"))


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_usage_and_cost_from_price_table(wire, provider):
    wire.reply_text("ok", input_tokens=1_000_000, output_tokens=500_000)
    router = router_for(wire, prices={MODELS[provider]: [2.0, 10.0]})
    resp = await router.complete(ask(MODELS[provider]))
    assert (resp.input_tokens, resp.output_tokens) == (1_000_000, 500_000)
    assert resp.cost_usd == pytest.approx(2.0 + 5.0)


async def test_default_prices_apply_to_dated_model_ids(wire):
    wire.reply_text("ok", input_tokens=1_000_000, output_tokens=0)
    resp = await router_for(wire).complete(ask("openai:gpt-4o-mini-2024-07-18"))
    assert resp.cost_usd == pytest.approx(0.15)


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_classify_maps_structured_answer_to_index(wire, provider):
    cats = (Category("billing", "payments"), Category("bug", "errors"), Category("other"))
    if provider == "openai":
        wire.reply_text('{"category": "Bug"}')
    else:
        wire.reply_tool_call("structured_output", {"category": "bug"})
    result = await router_for(wire).classify(
        model=MODELS[provider], text="The app crashes", categories=cats
    )
    assert result.index == 1 and result.provider == provider
    body = json.dumps(wire.requests[0].json)
    assert "billing" in body and "payments" in body and "The app crashes" in body


async def test_compat_uses_credential_base_url_and_is_unpriced(wire):
    async def lookup(provider, credential_id):
        assert (provider, credential_id) == ("compat", "cred-1")
        return {"base_url": wire.openai_base_url}

    wire.reply_text("local answer", input_tokens=100, output_tokens=100)
    router = router_for(wire, key_lookup=lookup)
    resp = await router.complete(ask("compat:llama3", credential_id="cred-1"))
    assert resp.text == "local answer"
    assert resp.model == "compat:llama3" and resp.provider == "compat"
    assert resp.cost_usd == 0.0
    assert wire.requests[0].json["model"] == "llama3"


@pytest.mark.parametrize("base_url", ["http://169.254.169.254/v1", "{wire}"])
async def test_compat_base_url_is_refused_by_the_strict_egress_guard(wire, base_url):
    async def lookup(provider, credential_id):
        return {"base_url": base_url.format(wire=wire.openai_base_url)}

    router = router_for(wire, key_lookup=lookup, egress=EgressGuard())
    with pytest.raises(PermanentError, match="compat endpoint refused by the egress policy"):
        await router.complete(ask("compat:llama3"))
    assert wire.requests == []
