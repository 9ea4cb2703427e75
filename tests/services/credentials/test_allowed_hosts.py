"""Credentials list the hosts HTTP steps may send them to; LLM keys never take any."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from agent_platform.db import session_scope
from agent_platform.services.credentials import store as credentials
from agent_platform.services.errors import InvalidInput

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
