"""API test fixtures: a ``TestClient`` on ``create_api()`` and orgs with one member per role.

Setup goes through the services and commits, exactly as the API would see it; tests then act
only over HTTP.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

PASSWORD = "correct horse battery"
ALL_SCOPES = ["agents:read", "agents:write", "runs:execute", "runs:read", "knowledge:write"]


@dataclass
class Member:
    """A user signed in to one organization through a real session token."""

    user_id: uuid.UUID
    email: str
    role: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Org:
    """An organization with members by role (``owner``, ``admin``, ``editor``, ``viewer``)."""

    id: uuid.UUID
    name: str
    members: dict[str, Member] = field(default_factory=dict)

    def __getitem__(self, role: str) -> Member:
        return self.members[role]

    def principal(self, session, role: str = "owner"):
        """The service-level principal of the member with ``role``."""
        from agent_platform.services.accounts import auth

        return auth.resolve_session(session, token=self.members[role].token).principal

    def api_key(self, scopes: list[str] | None = None, expires_at=None) -> tuple[uuid.UUID, str]:
        """Create a key as the owner; returns ``(key_id, plaintext)``."""
        from agent_platform.db import session_scope
        from agent_platform.services.accounts import api_keys

        with session_scope() as s:
            key, plaintext = api_keys.create_api_key(
                s,
                principal=self.principal(s),
                name="test key",
                scopes=ALL_SCOPES if scopes is None else scopes,
                expires_at=expires_at,
            )
        return key.id, plaintext


def key_headers(plaintext: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {plaintext}"}


def _add_member(session, org_id: uuid.UUID, email: str, role: str) -> None:
    from agent_platform.models import Membership, User
    from agent_platform.services.tokens import hash_password

    user = User(email=email, name=role.title(), password_hash=hash_password(PASSWORD))
    session.add(user)
    session.flush()
    session.add(Membership(org_id=org_id, user_id=user.id, role=role))


def build_org(label: str, roles: tuple[str, ...] = ("admin", "editor", "viewer")) -> Org:
    """Sign up ``owner@<label>.test`` with an org, add one user per role, log each in."""
    from agent_platform.db import session_scope
    from agent_platform.services.accounts import auth

    emails = {"owner": f"owner@{label}.example.com"} | {
        r: f"{r}@{label}.example.com" for r in roles
    }
    with session_scope() as s:
        _, org, _ = auth.signup(s, email=emails["owner"], password=PASSWORD, org_name=label)
        for role in roles:
            _add_member(s, org.id, emails[role], role)
    result = Org(id=org.id, name=org.name)
    for role, email in emails.items():
        with session_scope() as s:
            token = auth.login(s, email=email, password=PASSWORD)
            identity = auth.resolve_session(s, token=token)
        result.members[role] = Member(identity.user_id, email, role, token)
    return result


@pytest.fixture
def client(db: None) -> Iterator:
    """A ``TestClient`` on a fresh ``create_api()``."""
    from fastapi.testclient import TestClient

    from agent_platform.api.app import create_api

    with TestClient(create_api()) as test_client:
        yield test_client


@pytest.fixture
def make_org(db: None) -> Callable[..., Org]:
    """``make_org("acme")`` builds an organization with an owner, admin, editor and viewer."""
    return build_org
