"""The credential vault service: encryption at rest, tenant binding, rotation, resolvers."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import text

from agent_platform.db import session_scope
from agent_platform.engine.protocols import PermanentError
from agent_platform.integrations.vault import VaultError
from agent_platform.models import Credential
from agent_platform.services.credentials import llm_keys as credential_llm
from agent_platform.services.credentials import store as credentials
from agent_platform.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from agent_platform.services.runtime.secrets import CredentialResolver
from tests.services.credentials.conftest import SECRET_V1, SECRET_V2

API_KEY = "sk-test-PLAINTEXT-0123456789abcd"


def _create(org, name="OpenAI", data=None, **kwargs):
    with session_scope() as s:
        row = credentials.create_credential(
            s,
            principal=org.principal(s, kwargs.pop("role", "owner")),
            name=name,
            kind=kwargs.pop("kind", "llm_provider"),
            provider=kwargs.pop("provider", "openai"),
            data=data or {"api_key": API_KEY},
            **kwargs,
        )
    return row.id


def test_round_trip_and_ciphertext_holds_no_plaintext(make_org):
    org = make_org("acme")
    cid = _create(org)
    with session_scope() as s:
        assert credentials.resolve_credential(s, org_id=org.id, credential_id=cid) == {
            "api_key": API_KEY
        }
        raw = s.execute(text("SELECT * FROM credentials WHERE id = :id"), {"id": cid}).one()
    assert API_KEY not in str(tuple(raw))
    assert "abcd" in raw.hint and API_KEY not in raw.hint


def test_other_org_cannot_resolve_or_reuse_ciphertext(make_org):
    a, b = make_org("a-corp"), make_org("b-corp")
    cid = _create(a)
    with session_scope() as s, pytest.raises(NotFound):
        credentials.resolve_credential(s, org_id=b.id, credential_id=cid)
    bid = _create(b, data={"api_key": "sk-b-other-key-000000000000"})
    with session_scope() as s:  # copy A's ciphertext into B's row
        s.execute(
            text(
                "UPDATE credentials SET ciphertext = (SELECT ciphertext FROM credentials "
                "WHERE id = :a) WHERE id = :b"
            ),
            {"a": cid, "b": bid},
        )
    with session_scope() as s, pytest.raises(VaultError):
        credentials.resolve_credential(s, org_id=b.id, credential_id=bid)
    resolver = CredentialResolver(b.id)
    with pytest.raises(PermanentError, match="not found"):
        asyncio.run(resolver.resolve_for_http(str(cid)))
    with pytest.raises(PermanentError, match="not found"):
        asyncio.run(resolver.resolve_for_http("not-a-uuid"))


def test_credential_resolver_is_org_scoped_secret_resolver(make_org):
    org = make_org("acme")
    cid = _create(
        org,
        name="Basic",
        kind="basic",
        provider=None,
        data={"username": "u", "password": "p4ss-word-long-enough"},
        allowed_hosts=["api.example.com"],
    )
    secret = asyncio.run(CredentialResolver(org.id).resolve_for_http(str(cid)))
    assert secret.fields == {"username": "u", "password": "p4ss-word-long-enough"}
    assert secret.allowed_hosts == ("api.example.com",)
    with session_scope() as s:
        assert s.get(Credential, cid).last_used_at is not None


def test_role_matrix(make_org):
    org = make_org("acme")
    for role in ("editor", "viewer"):
        with pytest.raises(Forbidden):
            _create(org, name=f"by {role}", role=role)
    cid = _create(org, role="admin")
    with session_scope() as s:
        admin = credentials.list_credentials(s, principal=org.principal(s, "admin"))
        editor = credentials.list_credentials(s, principal=org.principal(s, "editor"))
        assert [v.hint for v in admin] == ["sk-…abcd"]
        assert [(v.name, v.kind, v.hint) for v in editor] == [("OpenAI", "llm_provider", None)]
        with pytest.raises(Forbidden):
            credentials.list_credentials(s, principal=org.principal(s, "viewer"))
        for role in ("editor", "viewer"):
            with pytest.raises(Forbidden):
                credentials.delete_credential(
                    s, principal=org.principal(s, role), credential_id=cid
                )
            with pytest.raises(Forbidden):
                asyncio.run(
                    credential_llm.test_credential(
                        s, principal=org.principal(s, role), credential_id=cid
                    )
                )


def test_validation_duplicates_and_defaults(make_org):
    org = make_org("acme")
    first = _create(org)
    with pytest.raises(Conflict):
        _create(org)
    with pytest.raises(InvalidInput):
        _create(org, name="x", kind="api_key", provider=None, data={"token": "t"})
    with pytest.raises(InvalidInput):
        _create(org, name="y", provider="mystery")
    second = _create(
        org, name="OpenAI 2", data={"api_key": "sk-second-0000000000000"}, is_default=True
    )
    with session_scope() as s:
        assert not s.get(Credential, first).is_default
        assert s.get(Credential, second).is_default


def test_delete_is_audited_with_name_only(make_org):
    org = make_org("acme")
    cid = _create(org)
    with session_scope() as s:
        credentials.delete_credential(s, principal=org.principal(s), credential_id=cid)
    with session_scope() as s:
        rows = s.execute(
            text(
                "SELECT action, details::text FROM audit_logs WHERE action LIKE 'credential.%' "
                "ORDER BY created_at"
            )
        ).all()
        assert [r.action for r in rows] == ["credential.created", "credential.deleted"]
        assert all(API_KEY not in r.details and "OpenAI" in r.details for r in rows)
        with pytest.raises(NotFound):
            credentials.resolve_credential(s, org_id=org.id, credential_id=cid)


def test_rotate_keys_command_moves_to_v2(make_org, vault_keys):
    from agent_platform import launcher

    vault_keys(f"1:{SECRET_V1}")
    org = make_org("acme")
    cid = _create(org)
    vault_keys(f"1:{SECRET_V1},2:{SECRET_V2}")
    assert launcher.main(["rotate-keys"]) == 0
    with session_scope() as s:
        assert s.get(Credential, cid).key_version == 2
    assert launcher.main(["rotate-keys"]) == 0  # nothing left to move
    vault_keys(f"2:{SECRET_V2}")  # v1 removed from the configuration
    with session_scope() as s:
        data = credentials.resolve_credential(s, org_id=org.id, credential_id=cid)
    assert data == {"api_key": API_KEY}


def test_resolve_after_v1_removed_without_rotation_fails(make_org, vault_keys):
    vault_keys(f"1:{SECRET_V1}")
    org = make_org("acme")
    cid = _create(org)
    vault_keys(f"2:{SECRET_V2}")
    with session_scope() as s, pytest.raises(VaultError):
        credentials.resolve_credential(s, org_id=org.id, credential_id=cid)


def test_unknown_credential_id_is_not_found(make_org):
    org = make_org("acme")
    with session_scope() as s, pytest.raises(NotFound):
        credentials.resolve_credential(s, org_id=org.id, credential_id=uuid.uuid4())
