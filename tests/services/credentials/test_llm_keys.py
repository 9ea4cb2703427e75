"""``llm_key_lookup`` and ``test_credential`` against the local OpenAI wire server."""

from __future__ import annotations

import asyncio

from agent_platform.db import session_scope
from agent_platform.engine.protocols import ChatMessage, LLMRequest
from agent_platform.services.credentials import llm_keys as credential_llm
from agent_platform.services.credentials import store as credentials

KEY = "sk-wire-test-key-000000000000abcd"


def _create(org, name, provider="openai", data=None, **kwargs):
    with session_scope() as s:
        return credentials.create_credential(
            s,
            principal=org.principal(s),
            name=name,
            kind="llm_provider",
            provider=provider,
            data=data or {"api_key": KEY},
            **kwargs,
        ).id


def test_lookup_default_and_explicit_and_org_scoped(make_org):
    a, b = make_org("a-corp"), make_org("b-corp")
    default = _create(a, "Default")
    other = _create(a, "Other", data={"api_key": "sk-other-key-0000000000000"}, is_default=False)
    compat = _create(
        a, "Local", provider="compat", data={"base_url": "http://llm.internal/v1", "api_key": "k"}
    )
    lookup_a, lookup_b = credential_llm.llm_key_lookup(a.id), credential_llm.llm_key_lookup(b.id)
    assert asyncio.run(lookup_a("openai", None)) == {"api_key": KEY}
    assert asyncio.run(lookup_a("openai", str(other))) == {"api_key": "sk-other-key-0000000000000"}
    assert asyncio.run(lookup_a("compat", None)) == {
        "api_key": "k",
        "base_url": "http://llm.internal/v1",
    }
    assert asyncio.run(lookup_a("anthropic", None)) is None
    assert asyncio.run(lookup_b("openai", None)) is None
    assert asyncio.run(lookup_b("openai", str(default))) is None  # A's credential, B's lookup
    assert compat


def test_router_uses_the_org_key_on_the_wire(make_org, wire):
    org = make_org("acme")
    _create(org, "Default")
    wire.reply_text("hello")
    router = credential_llm.build_llm_router(org.id)
    request = LLMRequest(model="openai:gpt-4o-mini", messages=(ChatMessage("user", "hi"),))
    reply = asyncio.run(router.complete(request))
    assert reply.text == "hello"
    assert wire.requests[-1].headers["authorization"] == f"Bearer {KEY}"


def test_test_credential_ok_and_failure(make_org, wire):
    org = make_org("acme")
    cid = _create(org, "Default")
    with session_scope() as s:
        ok = asyncio.run(
            credential_llm.test_credential(s, principal=org.principal(s), credential_id=cid)
        )
    assert ok.ok and ok.model == "openai:gpt-4o-mini"
    assert wire.requests[-1].json["model"] == "gpt-4o-mini"
    wire.reply_error(401, message=f"Incorrect API key provided: {KEY}")
    with session_scope() as s:
        bad = asyncio.run(
            credential_llm.test_credential(s, principal=org.principal(s), credential_id=cid)
        )
    assert not bad.ok
    assert KEY not in bad.message
