"""The role matrix and API-key scopes, enforced on the server, over HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest

from agent_platform.db import session_scope
from agent_platform.models import ApiKey
from agent_platform.models.base import utcnow
from tests.api.conftest import key_headers

V1 = "/api/v1"

MANAGEMENT = [
    ("GET", "/org/api-keys", None),
    ("POST", "/org/api-keys", {"name": "k", "scopes": ["agents:read"]}),
    ("GET", "/org/audit-logs", None),
    ("GET", "/org/invitations", None),
    ("POST", "/org/invitations", {"email": "new@example.com", "role": "viewer"}),
    ("POST", "/org/teams", {"name": "Team"}),
    ("PATCH", "/org", {"name": "Renamed"}),
]


@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_viewer_and_editor_cannot_manage(client, make_org, role):
    org = make_org("acme")
    for method, path, body in MANAGEMENT:
        response = client.request(method, V1 + path, json=body, headers=org[role].headers)
        assert response.status_code == 403, (method, path, response.text)
        assert response.json()["error"]["code"] == "forbidden"
    target = org["viewer"].user_id if role == "editor" else org["editor"].user_id
    patch = client.patch(
        f"{V1}/org/members/{target}", json={"role": "admin"}, headers=org[role].headers
    )
    assert patch.status_code == 403
    remove = client.delete(f"{V1}/org/members/{target}", headers=org[role].headers)
    assert remove.status_code == 403
    # ...but any member can see who is in the organization.
    assert client.get(f"{V1}/org/members", headers=org[role].headers).status_code == 200


def test_admin_can_manage(client, make_org):
    org = make_org("acme")
    headers = org["admin"].headers
    for method, path, body in MANAGEMENT:
        response = client.request(method, V1 + path, json=body, headers=headers)
        assert response.status_code in (200, 201), (method, path, response.text)
    viewer = org["viewer"].user_id
    patch = client.patch(f"{V1}/org/members/{viewer}", json={"role": "editor"}, headers=headers)
    assert patch.json() == {"user_id": str(viewer), "role": "editor"}
    assert client.delete(f"{V1}/org/members/{viewer}", headers=headers).status_code == 204
    emails = [m["email"] for m in client.get(f"{V1}/org/members", headers=headers).json()]
    assert org["viewer"].email not in emails


def test_only_owner_grants_or_revokes_owner(client, make_org):
    org = make_org("acme")
    editor, owner = org["editor"].user_id, org["owner"].user_id
    admin = org["admin"].headers
    assert (
        client.patch(
            f"{V1}/org/members/{editor}", json={"role": "owner"}, headers=admin
        ).status_code
        == 403
    )
    assert (
        client.patch(
            f"{V1}/org/members/{owner}", json={"role": "viewer"}, headers=admin
        ).status_code
        == 403
    )
    assert client.delete(f"{V1}/org/members/{owner}", headers=admin).status_code == 403
    invite = {"email": "boss@example.com", "role": "owner"}
    assert client.post(f"{V1}/org/invitations", json=invite, headers=admin).status_code == 403
    promoted = client.patch(
        f"{V1}/org/members/{editor}", json={"role": "owner"}, headers=org["owner"].headers
    )
    assert promoted.json()["role"] == "owner"


def test_last_owner_is_protected(client, make_org):
    org = make_org("acme")
    owner = org["owner"]
    demote = client.patch(
        f"{V1}/org/members/{owner.user_id}", json={"role": "admin"}, headers=owner.headers
    )
    assert demote.status_code == 409
    leave = client.delete(f"{V1}/org/members/{owner.user_id}", headers=owner.headers)
    assert leave.status_code == 409
    # With a second owner, the first may step down.
    admin = org["admin"].user_id
    client.patch(f"{V1}/org/members/{admin}", json={"role": "owner"}, headers=owner.headers)
    demote = client.patch(
        f"{V1}/org/members/{owner.user_id}", json={"role": "admin"}, headers=owner.headers
    )
    assert demote.status_code == 200


def test_member_can_leave(client, make_org):
    org = make_org("acme")
    viewer = org["viewer"]
    assert (
        client.delete(f"{V1}/org/members/{viewer.user_id}", headers=viewer.headers).status_code
        == 204
    )
    assert client.get(f"{V1}/org", headers=viewer.headers).status_code == 401  # no org left


def test_unknown_role_is_422(client, make_org):
    org = make_org("acme")
    response = client.patch(
        f"{V1}/org/members/{org['viewer'].user_id}",
        json={"role": "god"},
        headers=org["owner"].headers,
    )
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/org/teams", {"name": "T", "org_id": "00000000-0000-0000-0000-000000000000"}),
        ("/org/api-keys", {"name": "k", "scopes": ["runs:read"], "created_by": "x"}),
        ("/org/invitations", {"email": "a@example.com", "role": "viewer", "invited_by": "x"}),
        ("/org/invitations", {"email": "a@example.com", "org_id": "x"}),
    ],
)
def test_server_owned_fields_in_body_are_422(client, make_org, path, body):
    org = make_org("acme")
    response = client.post(V1 + path, json=body, headers=org["owner"].headers)
    assert response.status_code == 422
    problems = response.json()["error"]["details"]["problems"]
    assert any(p["message"].startswith("Extra inputs") for p in problems)


def test_api_key_scopes_are_enforced(client, make_org):
    org = make_org("acme")
    _, read_only = org.api_key(scopes=["agents:read"])
    _, all_scopes = org.api_key()
    for plaintext in (read_only, all_scopes):
        headers = key_headers(plaintext)
        for method, path, body in MANAGEMENT:
            response = client.request(method, V1 + path, json=body, headers=headers)
            assert response.status_code == 403, (method, path)
        assert client.get(f"{V1}/org/members", headers=headers).status_code == 403
    me = client.get(f"{V1}/me", headers={"X-API-Key": read_only}).json()
    assert me["user"] is None and me["scopes"] == ["agents:read"]


def test_expired_and_revoked_keys_are_401(client, make_org):
    org = make_org("acme")
    expiring_id, expiring = org.api_key(expires_at=utcnow() + timedelta(hours=1))
    revoked_id, revoked = org.api_key()
    assert client.get(f"{V1}/org", headers=key_headers(expiring)).status_code == 200
    with session_scope() as s:
        key = s.get(ApiKey, expiring_id)
        key.expires_at = utcnow() - timedelta(seconds=1)
        s.add(key)
    assert client.get(f"{V1}/org", headers=key_headers(expiring)).status_code == 401
    assert client.get(f"{V1}/org", headers=key_headers(revoked)).status_code == 200
    response = client.delete(f"{V1}/org/api-keys/{revoked_id}", headers=org["admin"].headers)
    assert response.status_code == 200 and response.json()["revoked_at"]
    after = client.get(f"{V1}/org", headers=key_headers(revoked))
    assert after.status_code == 401
    assert after.json()["error"]["code"] == "unauthenticated"


def test_api_key_is_shown_once_and_never_its_hash(client, make_org):
    org = make_org("acme")
    body = {"name": "CI", "scopes": ["runs:execute", "runs:read"]}
    created = client.post(f"{V1}/org/api-keys", json=body, headers=org["owner"].headers).json()
    assert created["key"].startswith(created["prefix"] + "_")
    assert len(created["prefix"]) == len("ap_") + 8
    listed = client.get(f"{V1}/org/api-keys", headers=org["owner"].headers).json()
    assert [k["id"] for k in listed] == [created["id"]]
    assert "key" not in listed[0] and "key_hash" not in listed[0]
    assert created["key"] not in client.get(f"{V1}/org/api-keys", headers=org["owner"].headers).text
    assert client.get(f"{V1}/org", headers=key_headers(created["key"])).status_code == 200
    bad = client.post(
        f"{V1}/org/api-keys", json={"name": "x", "scopes": ["root"]}, headers=org["owner"].headers
    )
    assert bad.status_code == 422
