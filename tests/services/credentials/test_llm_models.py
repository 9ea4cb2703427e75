"""What an organization's default model means, and the models its builder picker offers."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from agent_platform.db import session_scope
from agent_platform.engine.protocols import DEFAULT_MODEL, ChatMessage, LLMRequest, PermanentError
from agent_platform.models.credentials import Credential
from agent_platform.services.credentials import llm_keys as credential_llm
from agent_platform.services.credentials import llm_models
from agent_platform.services.credentials import store as credentials
from agent_platform.services.errors import Forbidden


def _create(org, name, provider="openai", kind="llm_provider", **data):
    with session_scope() as s:
        row = credentials.create_credential(
            s, principal=org.principal(s), name=name, kind=kind, provider=provider,
            data=data or {"api_key": "sk-test-0000000000000000"},
        )  # fmt: skip
        return str(row.id)


def _options(org, role="editor"):
    with session_scope() as s:
        found = llm_models.org_models(s, principal=org.principal(s, role))
    return found.default, [(o.value, o.label) for o in found.options]


def test_without_a_provider_the_default_is_offline(make_org):
    org = make_org("acme")
    default, options = _options(org, "viewer")
    assert default == "offline:extractive"
    assert options == [
        (DEFAULT_MODEL, "Organization default (offline:extractive)"),
        ("offline:extractive", "offline:extractive"),
    ]
    with session_scope() as s:
        assert llm_models.default_provider(s, org_id=org.id) is None
    router = credential_llm.build_llm_router(org.id)
    reply = asyncio.run(router.complete(LLMRequest(DEFAULT_MODEL, (ChatMessage("user", "hi"),))))
    assert reply.model == "offline:extractive"


def test_the_first_configured_provider_gives_the_default(make_org):
    org = make_org("acme")
    anthropic = _create(
        org,
        "Claude",
        provider="anthropic",
        api_key="sk-ant-000000000000",
        model="claude-sonnet-4-5",
    )
    _create(org, "OpenAI")
    _create(
        org, "Ollama", provider="compat", base_url="http://ollama.internal/v1", model="llama3:8b"
    )
    default, options = _options(org)
    assert default == "anthropic:claude-sonnet-4-5"  # the first provider, its saved model
    values = [value for value, _ in options]
    assert options[0] == (DEFAULT_MODEL, "Organization default (anthropic:claude-sonnet-4-5)")
    assert values[1:4] == ["anthropic:claude-sonnet-4-5", "openai:gpt-4o-mini", "compat:llama3:8b"]
    assert {"anthropic:claude-haiku-4-5", "openai:gpt-4o", "offline:extractive"} <= set(values)
    assert len(values) == len(set(values)) and values[-1] == "offline:extractive"
    with session_scope() as s:
        assert s.get(Credential, uuid.UUID(anthropic)).last_used_at is None  # listing is no use
        assert llm_models.default_provider(s, org_id=org.id) == ("anthropic", "claude-sonnet-4-5")


def test_a_steps_credential_picks_the_provider_of_its_default(make_org):
    org = make_org("acme")
    _create(org, "OpenAI")
    compat = _create(org, "Local", provider="compat", base_url="http://llm.internal/v1")
    token = _create(org, "Token", provider=None, kind="bearer", token="t0k3n")
    with session_scope() as s:
        assert llm_models.default_provider(s, org_id=org.id, credential_id=compat) == (
            "compat",
            None,
        )
        for bad in (token, str(uuid.uuid4())):
            with pytest.raises(PermanentError):
                llm_models.default_provider(s, org_id=org.id, credential_id=bad)
    assert (
        llm_models.resolved_default(("compat", None)) == "compat: the first model the server lists"
    )


def test_the_default_model_field_is_checked_and_needs_no_secret(make_org):
    from agent_platform.services.errors import InvalidInput

    org = make_org("acme")
    with pytest.raises(InvalidInput, match="model name"):
        _create(org, "Bad", api_key="sk-test-0000000000000000", model="gpt 4o")
    with session_scope() as s, pytest.raises(Forbidden):
        llm_models.org_models(s, principal=_nobody(s, org))


def _nobody(session, org):
    from agent_platform.services.permissions import Principal

    return Principal(user_id=None, org_id=org.id, role=None, scopes=frozenset())
