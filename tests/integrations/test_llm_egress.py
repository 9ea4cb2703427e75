"""The real OpenAI and Anthropic SDKs (and OpenAI embeddings) connect only through the egress
guard: refused addresses, redirects, proxy variables and DNS rebinding, against wire servers."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from agent_platform.engine.protocols import ChatMessage, LLMRequest, PermanentError
from agent_platform.integrations.egress import EgressGuard
from agent_platform.integrations.embeddings import EmbeddingError, OpenAIEmbedder
from agent_platform.integrations.llm import LLMRouter, RetryPolicy
from tests.integrations.llm_wire_servers import WireServer
from tests.integrations.net_fakes import FakeDNS, Listener

pytestmark = pytest.mark.anyio
MODELS = {"openai": "openai:gpt-4o-mini", "anthropic": "anthropic:claude-haiku-4-5"}
PATHS = {"openai": "/v1/chat/completions", "anthropic": "/v1/messages"}
LOOPBACK = EgressGuard(allow_hosts=["127.0.0.1"])
_open: list[LLMRouter] = []


@pytest.fixture(autouse=True)
async def _close_routers():
    yield
    while _open:
        await _open.pop().aclose()


@pytest.fixture
def private() -> Iterator[list[Listener]]:
    opened: list[Listener] = []
    yield opened
    for listener in opened:
        listener.close()


def router(base: str, guard: EgressGuard, **kwargs) -> LLMRouter:
    async def keys(provider: str, credential_id: str | None) -> dict:
        return {"api_key": "sk-test-key-0000000000", "base_url": f"{base}/v1"}

    made = LLMRouter(
        key_lookup=keys,
        retry=RetryPolicy(max_attempts=1),
        timeout_s=5,
        base_urls={"openai": f"{base}/v1", "anthropic": base},
        egress=guard,
        **kwargs,
    )
    _open.append(made)
    return made


def ask(model: str) -> LLMRequest:
    return LLMRequest(model=model, messages=(ChatMessage("user", "Hi"),))


@pytest.mark.parametrize("provider", ["openai", "anthropic", "compat"])
async def test_the_strict_guard_refuses_a_loopback_endpoint(wire, provider):
    with pytest.raises(PermanentError) as info:
        await router(wire.base_url, EgressGuard()).complete(ask(f"{provider}:model-x"))
    assert info.value.message == (
        f"{provider} endpoint refused by the egress policy: destination not allowed"
    )
    assert wire.requests == []


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
@pytest.mark.parametrize("stream", [False, True])
async def test_a_redirect_is_refused_and_never_followed(wire, private, provider, stream):
    private.append(target := Listener("127.0.0.2"))
    location = f"{target.url}{PATHS[provider]}"
    wire.add_route("POST", PATHS[provider], status=307, headers={"location": location})

    async def on_token(_: str) -> None:
        pass

    with pytest.raises(PermanentError, match="redirects are not followed"):
        await router(wire.base_url, LOOPBACK).complete(
            ask(MODELS[provider]), on_token=on_token if stream else None
        )
    assert len(wire.requests) == 1 and target.received == []


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
async def test_proxy_variables_are_ignored(wire, private, monkeypatch, provider):
    private.append(proxy := Listener("127.0.0.2"))
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(name, proxy.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    wire.reply_text("direct")
    resp = await router(wire.base_url, LOOPBACK).complete(ask(MODELS[provider]))
    assert resp.text == "direct" and proxy.received == []


@pytest.mark.parametrize("provider", ["openai", "anthropic", "compat"])
async def test_dns_rebinding_cannot_move_the_sdk_connection(wire, private, provider):
    private.append(rebound := Listener("127.0.0.2", wire.port))
    dns = FakeDNS({"llm.test": [["127.0.0.1"], ["127.0.0.2"]]})
    guard = EgressGuard(allow_hosts=["127.0.0.1"], resolver=dns)
    wire.reply_text("one")
    wire.reply_text("two")
    llm = router(f"http://llm.test:{wire.port}", guard)
    model = f"{provider}:model-x"
    assert [(await llm.complete(ask(model))).text for _ in range(2)] == ["one", "two"]
    assert rebound.received == [] and dns.calls == ["llm.test"]
    assert wire.requests[0].headers["host"] == f"llm.test:{wire.port}"


# ---------------------------------------------------------------------------------- embeddings


def _embeddings(wire: WireServer) -> None:
    data = [{"object": "embedding", "index": 0, "embedding": [0.5] * 1536}]
    body = {"object": "list", "data": data, "model": "text-embedding-3-small"}
    wire.add_route("POST", "/v1/embeddings", body=json.dumps(body))


async def test_openai_embeddings_go_through_the_guard(wire):
    # A sync SDK inside a running loop: the guard resolves in a helper thread.
    _embeddings(wire)
    allowed = OpenAIEmbedder(api_key="sk-e", base_url=wire.openai_base_url, guard=LOOPBACK)
    [vector] = allowed.embed(["hello"])
    assert len(vector) == 1536 and wire.requests[0].path == "/v1/embeddings"
    strict = OpenAIEmbedder(api_key="sk-e", base_url=wire.openai_base_url)
    with pytest.raises(EmbeddingError, match="refused: destination not allowed") as info:
        strict.embed(["hello"])
    assert not info.value.transient and len(wire.requests) == 1


async def test_openai_embeddings_refuse_redirects_and_proxies(wire, private, monkeypatch):
    private.append(target := Listener("127.0.0.2"))
    monkeypatch.setenv("HTTPS_PROXY", target.url)
    monkeypatch.setenv("HTTP_PROXY", target.url)
    wire.add_route("POST", "/v1/embeddings", status=308, headers={"location": target.url})
    embedder = OpenAIEmbedder(api_key="sk-e", base_url=wire.openai_base_url, guard=LOOPBACK)
    with pytest.raises(EmbeddingError, match="redirects are not followed"):
        embedder.embed(["hello"])
    assert len(wire.requests) == 1 and target.received == []
