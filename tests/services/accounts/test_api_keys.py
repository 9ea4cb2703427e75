"""API keys against real PostgreSQL: shown once, hashed, scoped, revoked at once."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from agent_platform.models import AuditLog
from agent_platform.services.accounts import api_keys, auth
from agent_platform.services.errors import Forbidden, InvalidInput, NotFound, Unauthenticated
from agent_platform.services.tokens import token_hash


def _owner(session, email="a@example.com"):
    _, org, token = auth.signup(session, email=email, password="long enough")
    return org, auth.resolve_session(session, token=token).principal


def test_create_list_revoke(session):
    org, principal = _owner(session)
    key, plaintext = api_keys.create_api_key(
        session,
        principal=principal,
        name="CI",
        scopes=["runs:read", "agents:read", "runs:read"],
        expires_at=datetime(2999, 1, 1),
    )
    assert re.fullmatch(r"ap_[0-9a-f]{8}_[\w-]+", plaintext)
    assert plaintext.startswith(key.prefix + "_") and re.fullmatch(r"ap_[0-9a-f]{8}", key.prefix)
    assert key.key_hash == token_hash(plaintext) and plaintext not in str(key.model_dump())
    assert key.scopes == ["agents:read", "runs:read"]
    assert key.expires_at.tzinfo is not None
    as_key = auth.resolve_api_key(session, key=plaintext)
    assert as_key.org_id == org.id and as_key.api_key_id == key.id
    with pytest.raises(Forbidden):  # even a key of an admin can never mint keys
        api_keys.create_api_key(
            session, principal=as_key, name="x", scopes=["runs:read"], expires_at=None
        )
    assert [k.id for k in api_keys.list_api_keys(session, principal=principal)] == [key.id]
    api_keys.revoke_api_key(session, principal=principal, key_id=key.id)
    api_keys.revoke_api_key(session, principal=principal, key_id=key.id)  # idempotent
    with pytest.raises(Unauthenticated):
        auth.resolve_api_key(session, key=plaintext)
    actions = [
        e.action
        for e in session.exec(select(AuditLog).where(AuditLog.action.startswith("api_key.")))
    ]
    assert sorted(actions) == ["api_key.created", "api_key.revoked"]


@pytest.mark.parametrize(
    ("name", "scopes", "expires_at"),
    [
        ("k", ["admin"], None),
        ("k", [], None),
        ("  ", ["runs:read"], None),
        ("k", ["runs:read"], datetime.now(UTC) - timedelta(minutes=1)),
    ],
)
def test_invalid_keys_are_refused(session, name, scopes, expires_at):
    _, principal = _owner(session)
    with pytest.raises(InvalidInput):
        api_keys.create_api_key(
            session, principal=principal, name=name, scopes=scopes, expires_at=expires_at
        )


def test_keys_are_tenant_scoped(session):
    _, a = _owner(session, "a@example.com")
    _, b = _owner(session, "b@example.com")
    key, _ = api_keys.create_api_key(
        session, principal=a, name="A", scopes=["runs:read"], expires_at=None
    )
    with pytest.raises(NotFound):
        api_keys.revoke_api_key(session, principal=b, key_id=key.id)
    assert api_keys.list_api_keys(session, principal=b) == []
    assert key.revoked_at is None
