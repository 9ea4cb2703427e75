"""Credentials are bound to the hosts HTTP steps may send them to; LLM keys never are."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from agent_platform.db import session_scope
from agent_platform.engine.protocols import PermanentError
from agent_platform.models import Credential
from agent_platform.services.credentials import llm_keys as credential_llm
from agent_platform.services.credentials import store as credentials
from agent_platform.services.credentials.http_access import resolve_for_http
from agent_platform.services.errors import InvalidInput
from agent_platform.services.runtime.secrets import CredentialResolver

TOKEN = "partner-token-0123456789abcdef"


def _create(org, hosts=None, **kwargs):
    with session_scope() as s:
        row = credentials.create_credential(
            s, principal=org.principal(s), name=kwargs.pop("name", "Partner"),
            kind=kwargs.pop("kind", "bearer"), provider=kwargs.pop("provider", None),
            data=kwargs.pop("data", {"token": TOKEN}), allowed_hosts=hosts,
        )  # fmt: skip
    return row.id


def _update(org, cid, **kwargs):
    with session_scope() as s:
        return credentials.update_credential(
            s, principal=org.principal(s), credential_id=cid, **kwargs
        ).allowed_hosts


def test_hosts_are_normalised_listed_replaced_and_audited(make_org):
    org = make_org("acme")
    cid = _create(org, ["API.Partner.com.", "*.Partner.net"])
    with session_scope() as s:
        (view,) = credentials.list_credentials(s, principal=org.principal(s, "editor"))
    assert view.allowed_hosts == ["api.partner.com", "*.partner.net"]
    assert _update(org, cid, name="Renamed") == ["api.partner.com", "*.partner.net"]
    assert _update(org, cid, allowed_hosts=["api.partner.com"]) == ["api.partner.com"]
    assert _update(org, cid, allowed_hosts=[]) == []
    with session_scope() as s:
        details = s.execute(
            text("SELECT details::text FROM audit_logs WHERE action LIKE 'credential.%'")
        ).scalars()
        assert any("*.partner.net" in d for d in details)


@pytest.mark.parametrize("hosts", [["*"], ["*.com"], ["https://api.partner.com"], ["a:1"]])
def test_bad_hosts_are_refused(make_org, hosts):
    with pytest.raises(InvalidInput, match="^Allowed hosts: "):
        _create(make_org("acme"), hosts)


def test_llm_provider_keys_take_no_hosts(make_org):
    org = make_org("acme")
    with pytest.raises(InvalidInput, match="LLM provider keys"):
        _create(org, ["api.openai.com"], kind="llm_provider", provider="openai",
                data={"api_key": "sk-x-0123456789"})  # fmt: skip
    cid = _create(org, kind="llm_provider", provider="openai", data={"api_key": "sk-x-0123456789"})
    with pytest.raises(InvalidInput, match="LLM provider keys"):
        _update(org, cid, allowed_hosts=["evil.test"])


def test_http_steps_get_a_credential_only_with_its_hosts(make_org):
    org = make_org("acme")
    bound, unbound = _create(org, ["api.partner.com"]), _create(org, name="Unbound")
    llm = _create(
        org, name="LLM", kind="llm_provider", provider="openai", data={"api_key": "sk-0123456789"}
    )
    with session_scope() as s:
        found = resolve_for_http(s, org_id=org.id, credential_id=bound)
        assert (found.fields, found.allowed_hosts) == ({"token": TOKEN}, ("api.partner.com",))
        with pytest.raises(InvalidInput, match="has no allowed hosts"):
            resolve_for_http(s, org_id=org.id, credential_id=unbound)
        with pytest.raises(InvalidInput, match="is an LLM provider key"):
            resolve_for_http(s, org_id=org.id, credential_id=llm)
    with session_scope() as s:
        assert s.get(Credential, llm).last_used_at is None  # never decrypted for HTTP
    resolver = CredentialResolver(org.id)
    with pytest.raises(PermanentError, match="LLM provider key"):
        asyncio.run(resolver.resolve_for_http(str(llm)))


def test_an_undecryptable_bound_credential_fails_without_the_secret(make_org):
    org = make_org("acme")
    a, b = _create(org, ["a.test"], name="A"), _create(org, ["b.test"], name="B")
    with session_scope() as s:  # B's row now holds A's ciphertext: bound to another row
        s.execute(
            text("UPDATE credentials SET ciphertext = (SELECT ciphertext FROM credentials "
                 "WHERE id = :a) WHERE id = :b"),
            {"a": a, "b": b},
        )  # fmt: skip
    with pytest.raises(PermanentError, match="cannot be decrypted"):
        asyncio.run(CredentialResolver(org.id).resolve_for_http(str(b)))


def test_llm_steps_use_only_llm_provider_keys(make_org):
    org = make_org("acme")
    partner = _create(org, ["api.partner.com"], kind="api_key", data={"api_key": TOKEN})
    lookup = credential_llm.llm_key_lookup(org.id)
    with pytest.raises(PermanentError, match="is not an LLM key"):
        asyncio.run(lookup("openai", str(partner)))
