"""One owner of the API transaction: the request dependency ``deps.Db`` (see ``api/deps.py``).

It commits after the route returns and before the response is sent, rolls back when the route
raises, and turns a failing commit into the error envelope. Routes never commit.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import anyio.to_thread
import pytest
from fastapi import APIRouter, Depends, Query, routing
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from agent_platform.api import deps
from agent_platform.api.app import create_api
from agent_platform.db import session_scope
from agent_platform.models import User
from agent_platform.models.agents import Agent
from agent_platform.models.audit import AuditLog
from agent_platform.services.errors import Conflict
from tests.api.conftest import PASSWORD

API = Path(__file__).resolve().parents[2] / "agent_platform" / "api"
V1 = "/api/v1"

probe = APIRouter(prefix="/probe")


def _add(session: Session, emails: list[str]) -> None:
    for email in emails:
        session.add(User(email=email, password_hash="x"))


@probe.post("/users")
def add_users(emails: list[str] = Query(), session: Session = deps.Db) -> dict[str, int]:
    """Adds without flushing: a duplicate email fails only at commit, after the return."""
    _add(session, emails)
    return {"added": len(emails)}


@probe.post("/users/then-raise")
def add_users_then_raise(emails: list[str] = Query(), session: Session = deps.Db) -> None:
    _add(session, emails)
    session.flush()
    raise Conflict("Changed my mind.")


@probe.post("/users/then-read")
def add_user_then_read(email: str, session: Session = deps.Db) -> deps.AfterCommit:
    _add(session, [email])

    async def build() -> JSONResponse:
        seen = await anyio.to_thread.run_sync(lambda: email in _emails())
        return JSONResponse({"seen": seen})

    return deps.AfterCommit(build)


@probe.post("/users/request-scoped")
def add_user_request_scoped(
    email: str, session: Session = Depends(deps.db_session)
) -> dict[str, str]:
    """What ``deps.Db`` avoids: the default (request) scope commits after the response."""
    _add(session, [email])
    return {"email": email}


def _emails() -> set[str]:
    with session_scope() as session:
        return set(session.exec(select(User.email)).all())


def _observed(app, check):
    """``app`` wrapped to record ``check()`` at the moment the response starts going out."""
    seen: list = []

    async def wrapped(scope, receive, send):
        async def spy(message):
            if message["type"] == "http.response.start":
                seen.append(await anyio.to_thread.run_sync(check))
            await send(message)

        await app(scope, receive, spy)

    return wrapped, seen


@pytest.fixture
def api(db: None):
    app = create_api()
    app.include_router(probe)
    return app


@pytest.fixture
def probe_client(api) -> Iterator[TestClient]:
    # Unexpected errors must reach the envelope handler, not the test.
    with TestClient(api, raise_server_exceptions=False) as test_client:
        yield test_client


def _db_session_scopes(dependant) -> Iterator[str | None]:
    for sub in dependant.dependencies:
        if sub.call is deps.db_session:
            yield sub.scope
        yield from _db_session_scopes(sub)


def test_every_route_opens_one_function_scoped_session():
    scopes = [
        (ctx.path, scope)
        for ctx in routing.iter_route_contexts(create_api().routes)
        if getattr(ctx, "dependant", None) is not None
        for scope in _db_session_scopes(ctx.dependant)
    ]
    assert len({path for path, _ in scopes}) >= 60
    assert [(path, scope) for path, scope in scopes if scope != "function"] == []


def test_no_route_commits():
    commits = [
        f"{path.relative_to(API)}:{number}"
        for path in API.rglob("*.py")
        if path.name != "deps.py"
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if re.search(r"\.commit\(", line)
    ]
    assert commits == []


def test_a_write_is_committed_before_the_response_starts(api, make_org):
    org = make_org("acme")
    app, seen = _observed(api, lambda: _agent_names() == {"Visible"})
    with TestClient(app) as client:
        owner = org["owner"].headers
        created = client.post(f"{V1}/agents", json={"name": "Visible"}, headers=owner)
        assert created.status_code == 201, created.text
        assert seen == [True]
        again = client.get(f"{V1}/agents/{created.json()['id']}", headers=org["editor"].headers)
    assert again.status_code == 200
    assert again.json()["name"] == "Visible"


def test_a_request_scoped_session_would_commit_too_late(api):
    """The control for the test above: the observer does catch a late commit."""
    app, seen = _observed(api, lambda: "late@example.com" in _emails())
    with TestClient(app) as client:
        response = client.post("/probe/users/request-scoped", params={"email": "late@example.com"})
    assert response.status_code == 200
    assert seen == [False]
    assert "late@example.com" in _emails()


def test_a_failing_commit_is_an_error_envelope_and_writes_nothing(probe_client):
    assert probe_client.post("/probe/users", params={"emails": ["taken@example.com"]}).is_success
    response = probe_client.post(
        "/probe/users", params={"emails": ["new@example.com", "taken@example.com"]}
    )
    assert response.status_code == 500
    assert response.json() == {
        "error": {
            "code": "internal_error",
            "message": "Something went wrong on our side.",
            "details": {},
        }
    }
    assert _emails() == {"taken@example.com"}


def test_a_failing_commit_on_a_real_route_loses_nothing_silently(probe_client, make_org):
    org = make_org("acme")

    def refuse(_session: Session) -> None:
        raise OperationalError("COMMIT", {}, Exception("connection lost"))

    event.listen(Session, "before_commit", refuse)
    try:
        response = probe_client.post(
            f"{V1}/agents", json={"name": "Lost"}, headers=org["owner"].headers
        )
    finally:
        event.remove(Session, "before_commit", refuse)
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert _agent_names() == set()


def test_a_route_that_raises_rolls_back(probe_client):
    response = probe_client.post("/probe/users/then-raise", params={"emails": ["gone@example.com"]})
    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "conflict",
        "message": "Changed my mind.",
        "details": {},
    }
    assert _emails() == set()


def test_an_after_commit_response_sees_the_committed_write(probe_client):
    response = probe_client.post("/probe/users/then-read", params={"email": "seen@example.com"})
    assert response.status_code == 200
    assert response.json() == {"seen": True}


def test_a_failed_login_is_an_error_envelope_that_keeps_its_audit_entry(client, make_org):
    org = make_org("acme")
    response = client.post(
        f"{V1}/auth/login", json={"email": org["viewer"].email, "password": PASSWORD + "!"}
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
    with session_scope() as session:
        actions = session.exec(select(AuditLog.action).where(AuditLog.org_id == org.id)).all()
    assert "auth.login_failed" in actions


def _agent_names() -> set[str]:
    with session_scope() as session:
        return set(session.exec(select(Agent.name)).all())
