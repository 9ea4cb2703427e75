"""``/api/v1/auth`` over HTTP: sign-up, log-in, log-out, password reset, rate limits, OpenAPI."""

from __future__ import annotations

import re

V1 = "/api/v1"
PASSWORD = "long enough password"


def test_signup_login_me_logout(client):
    signup = client.post(
        f"{V1}/auth/signup",
        json={
            "email": "Ada@Example.com",
            "password": PASSWORD,
            "name": "Ada",
            "org_name": "Engines",
        },
    )
    assert signup.status_code == 201, signup.text
    body = signup.json()
    assert body["user"]["email"] == "ada@example.com" and body["org"]["name"] == "Engines"
    assert "password_hash" not in signup.text
    login = client.post(f"{V1}/auth/login", json={"email": "ada@example.com", "password": PASSWORD})
    assert login.status_code == 200
    assert set(login.json()) == {"token", "expires_at", "user"}
    headers = {"Authorization": f"Bearer {login.json()['token']}"}
    me = client.get(f"{V1}/me", headers=headers).json()
    assert me["role"] == "owner" and me["org"]["name"] == "Engines"
    assert [o["name"] for o in me["orgs"]] == ["Engines"]
    assert client.post(f"{V1}/auth/logout", headers=headers).status_code == 204
    assert client.get(f"{V1}/me", headers=headers).status_code == 401


def test_wrong_password_is_401_and_signup_rejects_extra_fields(client):
    client.post(f"{V1}/auth/signup", json={"email": "a@example.com", "password": PASSWORD})
    bad = client.post(f"{V1}/auth/login", json={"email": "a@example.com", "password": "nope nope"})
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "unauthenticated"
    extra = client.post(
        f"{V1}/auth/signup", json={"email": "b@example.com", "password": PASSWORD, "role": "owner"}
    )
    assert extra.status_code == 422


def test_auth_endpoints_are_rate_limited_per_ip(client):
    statuses = [
        client.post(f"{V1}/auth/password-reset", json={"email": f"u{i}@example.com"}).status_code
        for i in range(11)
    ]
    assert statuses[:10] == [202] * 10
    assert statuses[10] == 429
    limited = client.post(f"{V1}/auth/password-reset", json={"email": "z@example.com"})
    assert int(limited.headers["Retry-After"]) > 0
    assert limited.json()["error"]["code"] == "rate_limited"
    # X-Forwarded-For is not trusted to pick a fresh bucket.
    spoofed = client.post(
        f"{V1}/auth/password-reset",
        json={"email": "z@example.com"},
        headers={"X-Forwarded-For": "203.0.113.9"},
    )
    assert spoofed.status_code == 429


def test_password_reset_over_http(client, worker, mailbox):
    client.post(f"{V1}/auth/signup", json={"email": "r@example.com", "password": PASSWORD})
    assert (
        client.post(f"{V1}/auth/password-reset", json={"email": "r@example.com"}).status_code == 202
    )
    assert (
        client.post(f"{V1}/auth/password-reset", json={"email": "nobody@example.com"}).status_code
        == 202
    )
    text = mailbox.wait_for("r@example.com").get_payload(decode=True).decode()
    token = re.search(r"token=(\S+)", text).group(1)
    confirm = {"token": token, "password": "a brand new password"}
    assert client.post(f"{V1}/auth/password-reset/confirm", json=confirm).status_code == 200
    assert client.post(f"{V1}/auth/password-reset/confirm", json=confirm).status_code == 422
    login = {"email": "r@example.com", "password": "a brand new password"}
    assert client.post(f"{V1}/auth/login", json=login).status_code == 200


def test_openapi_lists_the_routes(client):
    spec = client.get(f"{V1}/openapi.json").json()
    paths = spec["paths"]
    for path in (
        "/api/v1/auth/signup",
        "/api/v1/auth/login",
        "/api/v1/me",
        "/api/v1/org",
        "/api/v1/org/members",
        "/api/v1/org/members/{user_id}",
        "/api/v1/org/api-keys",
        "/api/v1/org/api-keys/{key_id}",
        "/api/v1/org/audit-logs",
        "/api/v1/org/invitations",
        "/api/v1/org/teams",
        "/api/v1/org/teams/{team_id}/members/{user_id}",
    ):
        assert path in paths, path
    assert "key_hash" not in str(spec) and "password_hash" not in str(spec)


def test_teams_crud(client):
    signup = client.post(f"{V1}/auth/signup", json={"email": "t@example.com", "password": PASSWORD})
    headers = {"Authorization": f"Bearer {signup.json()['token']}"}
    me = client.get(f"{V1}/me", headers=headers).json()
    team = client.post(
        f"{V1}/org/teams", json={"name": "Core", "description": "d"}, headers=headers
    )
    assert team.status_code == 201
    team_id = team.json()["id"]
    assert client.post(f"{V1}/org/teams", json={"name": "Core"}, headers=headers).status_code == 409
    member_url = f"{V1}/org/teams/{team_id}/members/{me['user']['id']}"
    assert client.put(member_url, headers=headers).status_code == 204
    listed = client.get(f"{V1}/org/teams", headers=headers).json()
    assert listed[0]["member_count"] == 1 and listed[0]["members"][0]["email"] == "t@example.com"
    assert client.delete(member_url, headers=headers).status_code == 204
    assert client.delete(member_url, headers=headers).status_code == 404
    assert client.delete(f"{V1}/org/teams/{team_id}", headers=headers).status_code == 204
    assert client.get(f"{V1}/org/teams", headers=headers).json() == []
