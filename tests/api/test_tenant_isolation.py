"""Organization B (its owner's session and an all-scopes API key) cannot read or change A.

Table-driven: each row is one request B makes that names A's objects (or tries to smuggle
``org_id``). Later features add rows for their resources. Every response must have the expected
status, must not mention any of A's identifiers, and A's rows must be byte-for-byte unchanged.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlmodel import SQLModel

from agent_platform.db import get_engine, session_scope
from agent_platform.models import AuditLog, Invitation, Organization
from agent_platform.models.base import utcnow
from agent_platform.services.accounts import teams
from agent_platform.services.pagination import encode_cursor
from agent_platform.services.tokens import new_token, token_hash
from tests.api.conftest import build_org, key_headers

V1 = "/api/v1"

# (method, path, json body, status for B's owner session, status for B's API key)
ROWS: list[tuple[str, str, dict | None, int, int]] = [
    ("GET", "/me", None, 200, 200),
    ("GET", "/org", None, 200, 200),
    ("GET", "/org/members", None, 200, 403),
    ("GET", "/org/api-keys", None, 200, 403),
    ("GET", "/org/invitations", None, 200, 403),
    ("GET", "/org/teams", None, 200, 403),
    ("GET", "/org/audit-logs", None, 200, 403),
    ("GET", "/org/audit-logs?cursor={a_cursor}", None, 200, 403),
    ("PATCH", "/org/members/{a_viewer}", {"role": "admin"}, 404, 403),
    ("PATCH", "/org/members/{a_owner}", {"role": "viewer"}, 404, 403),
    ("DELETE", "/org/members/{a_editor}", None, 404, 403),
    ("DELETE", "/org/members/{a_owner}", None, 404, 403),
    ("DELETE", "/org/api-keys/{a_key}", None, 404, 403),
    ("DELETE", "/org/invitations/{a_invitation}", None, 404, 403),
    ("DELETE", "/org/teams/{a_team}", None, 404, 403),
    ("PUT", "/org/teams/{a_team}/members/{b_owner}", None, 404, 403),
    ("PUT", "/org/teams/{b_team}/members/{a_editor}", None, 404, 403),
    ("DELETE", "/org/teams/{a_team}/members/{a_editor}", None, 404, 403),
    ("PATCH", "/org", {"name": "renamed by B"}, 200, 403),
    ("PATCH", "/org", {"name": "x", "org_id": "{a_org}"}, 422, 422),
    ("POST", "/org/teams", {"name": "x", "org_id": "{a_org}"}, 422, 422),
    (
        "POST",
        "/org/api-keys",
        {"name": "x", "scopes": ["agents:read"], "org_id": "{a_org}"},
        422,
        422,
    ),
    ("POST", "/org/invitations", {"email": "n@beta.example.com", "org_id": "{a_org}"}, 422, 422),
    ("PATCH", "/org/members/{b_owner}", {"role": "owner", "org_id": "{a_org}"}, 422, 422),
]


def _snapshot(org_id: uuid.UUID) -> dict[str, list[tuple]]:
    """Every row of every tenant-owned table that belongs to ``org_id``, plus the org itself."""
    tables = {t.name: t for t in SQLModel.metadata.sorted_tables if "org_id" in t.c}
    with get_engine().connect() as conn:
        snap = {
            name: sorted(map(tuple, conn.execute(select(t).where(t.c.org_id == org_id))), key=str)
            for name, t in tables.items()
        }
        org_table = Organization.__table__
        snap["organizations"] = list(
            map(tuple, conn.execute(select(org_table).where(org_table.c.id == org_id)))
        )
    return snap


@pytest.fixture
def world(db):
    a = build_org("alpha")
    b = build_org("beta", roles=())
    a_key, _ = a.api_key()
    _, b_key = b.api_key()
    with session_scope() as s:
        a_team = teams.create_team(s, principal=a.principal(s), name="Alpha team")
        teams.add_team_member(
            s, principal=a.principal(s), team_id=a_team.id, user_id=a["editor"].user_id
        )
        b_team = teams.create_team(s, principal=b.principal(s), name="Beta team")
        invitation = Invitation(
            org_id=a.id,
            email="invitee@alpha.example.com",
            role="viewer",
            token_hash=token_hash(new_token()),
            invited_by=a["owner"].user_id,
            expires_at=utcnow() + timedelta(days=1),
        )
        s.add(invitation)
    with session_scope() as s:
        newest = s.exec(
            select(AuditLog).where(AuditLog.org_id == a.id).order_by(AuditLog.created_at.desc())
        ).first()[0]
    ids = {
        "a_org": a.id,
        "a_owner": a["owner"].user_id,
        "a_editor": a["editor"].user_id,
        "a_viewer": a["viewer"].user_id,
        "a_key": a_key,
        "a_invitation": invitation.id,
        "a_team": a_team.id,
        "b_team": b_team.id,
        "b_owner": b["owner"].user_id,
        "a_cursor": encode_cursor(newest.created_at, newest.id),
    }
    markers = [str(v) for k, v in ids.items() if k.startswith("a_") and k != "a_cursor"]
    markers += ["@alpha.example.com", "Alpha team", a.name]
    return a, b, b_key, ids, markers


def _fill(value, ids):
    if isinstance(value, str):
        return value.format(**{k: str(v) for k, v in ids.items()})
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


@pytest.mark.parametrize("actor", ["b_owner_session", "b_api_key"])
def test_b_cannot_read_or_change_a(client, world, actor):
    a, b, b_key, ids, markers = world
    headers = b["owner"].headers if actor == "b_owner_session" else key_headers(b_key)
    before = _snapshot(a.id)
    failures = []
    for method, path, body, owner_status, key_status in ROWS:
        expected = owner_status if actor == "b_owner_session" else key_status
        url = V1 + _fill(path, ids)
        response = client.request(method, url, json=_fill(body, ids), headers=headers)
        if response.status_code != expected:
            failures.append(
                f"{method} {path}: {response.status_code} != {expected} {response.text}"
            )
        leaked = [m for m in markers if m in response.text]
        if leaked:
            failures.append(f"{method} {path}: response mentions A's {leaked}")
        if response.status_code >= 400 and "error" not in response.json():
            failures.append(f"{method} {path}: no error envelope")
    assert failures == []
    assert _snapshot(a.id) == before
    # A still works for A.
    members = client.get(f"{V1}/org/members", headers=a["owner"].headers).json()
    assert {m["role"] for m in members} == {"owner", "admin", "editor", "viewer"}
