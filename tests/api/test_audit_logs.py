"""Audit entries for security-relevant actions: admins only, newest first, cursor-paginated."""

from __future__ import annotations

from tests.api.conftest import PASSWORD

V1 = "/api/v1"


def _all_entries(client, headers, limit: int) -> list[dict]:
    entries, cursor, pages = [], None, 0
    while True:
        params = {"limit": limit} | ({"cursor": cursor} if cursor else {})
        response = client.get(f"{V1}/org/audit-logs", params=params, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= limit
        entries += page["items"]
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            return entries


def test_security_actions_are_audited_and_paginated(client, make_org, worker, mailbox):
    org = make_org("acme")
    owner, admin = org["owner"].headers, org["admin"].headers
    assert (
        client.post(
            f"{V1}/auth/login", json={"email": org["viewer"].email, "password": PASSWORD}
        ).status_code
        == 200
    )
    bad = client.post(
        f"{V1}/auth/login", json={"email": org["viewer"].email, "password": "wrong!!!"}
    )
    assert bad.status_code == 401
    client.patch(
        f"{V1}/org/members/{org['viewer'].user_id}", json={"role": "editor"}, headers=owner
    )
    client.post(
        f"{V1}/org/invitations", json={"email": "n@example.com", "role": "viewer"}, headers=admin
    )
    key = client.post(
        f"{V1}/org/api-keys", json={"name": "k", "scopes": ["runs:read"]}, headers=admin
    ).json()
    client.delete(f"{V1}/org/api-keys/{key['id']}", headers=admin)

    entries = _all_entries(client, admin, limit=2)
    assert len({e["id"] for e in entries}) == len(entries)  # no duplicates across pages
    assert [e["created_at"] for e in entries] == sorted(
        (e["created_at"] for e in entries), reverse=True
    )
    actions = [e["action"] for e in entries]
    for action in (
        "auth.login",
        "auth.login_failed",
        "member.role_changed",
        "member.invited",
        "api_key.created",
        "api_key.revoked",
    ):
        assert action in actions, action
    assert actions[:2] == ["api_key.revoked", "api_key.created"]
    changed = next(e for e in entries if e["action"] == "member.role_changed")
    assert changed["details"] == {"from": "viewer", "to": "editor"}
    assert changed["actor_email"] == org["owner"].email
    assert _all_entries(client, owner, limit=100) == entries


def test_audit_log_is_for_admins_only(client, make_org):
    org = make_org("acme")
    for role in ("viewer", "editor"):
        response = client.get(f"{V1}/org/audit-logs", headers=org[role].headers)
        assert response.status_code == 403
    assert client.get(f"{V1}/org/audit-logs", headers=org["admin"].headers).status_code == 200


def test_bad_cursor_or_limit_is_422(client, make_org):
    org = make_org("acme")
    headers = org["admin"].headers
    for params in ({"cursor": "not-a-cursor"}, {"limit": 0}, {"limit": 101}):
        response = client.get(f"{V1}/org/audit-logs", params=params, headers=headers)
        assert response.status_code == 422, params
        assert response.json()["error"]["code"] == "validation_error"
