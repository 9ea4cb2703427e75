"""``/api/v1/credentials`` over real HTTP: secrets never come back, roles are enforced."""

from __future__ import annotations

import pytest

SECRET = "sk-api-PLAINTEXT-secret-0000wxyz"
BODY = {"name": "OpenAI", "kind": "llm_provider", "provider": "openai", "data": {"api_key": SECRET}}


def _no_secret(response) -> None:
    assert SECRET not in response.text
    assert SECRET[:-4] not in response.text


def test_create_list_test_delete_never_return_the_secret(client, make_org, wire):
    org = make_org("acme")
    admin = org["admin"].headers
    created = client.post("/api/v1/credentials", json=BODY, headers=admin)
    assert created.status_code == 201, created.text
    _no_secret(created)
    cid = created.json()["id"]
    assert created.json()["hint"] == "sk-…wxyz"
    responses = [
        client.get("/api/v1/credentials", headers=admin),
        client.get("/api/v1/credentials", headers=org["editor"].headers),
        client.post(f"/api/v1/credentials/{cid}/test", headers=admin),
        client.patch(f"/api/v1/credentials/{cid}", json={"name": "Renamed"}, headers=admin),
        client.get("/api/v1/org/audit-logs", headers=admin),
        client.get("/api/v1/openapi.json"),
    ]
    for response in responses:
        _no_secret(response)
    assert responses[2].json()["ok"] is True
    assert responses[4].status_code == 200 and "credential.created" in responses[4].text
    assert responses[1].json()[0]["hint"] is None
    assert wire.requests[-1].headers["authorization"] == f"Bearer {SECRET}"
    assert client.delete(f"/api/v1/credentials/{cid}", headers=admin).status_code == 204
    assert client.get("/api/v1/credentials", headers=admin).json() == []


@pytest.mark.parametrize(
    ("role", "create", "list_", "test", "delete"),
    [
        ("owner", 201, 200, 200, 204),
        ("admin", 201, 200, 200, 204),
        ("editor", 403, 200, 403, 403),
        ("viewer", 403, 403, 403, 403),
    ],
)
def test_role_matrix_over_http(client, make_org, wire, role, create, list_, test, delete):
    org = make_org("acme")
    cid = client.post("/api/v1/credentials", json=BODY, headers=org["owner"].headers).json()["id"]
    headers = org[role].headers
    body = dict(BODY, name=f"by {role}")
    assert client.post("/api/v1/credentials", json=body, headers=headers).status_code == create
    assert client.get("/api/v1/credentials", headers=headers).status_code == list_
    assert client.post(f"/api/v1/credentials/{cid}/test", headers=headers).status_code == test
    assert client.delete(f"/api/v1/credentials/{cid}", headers=headers).status_code == delete


def test_other_org_sees_not_found_and_cannot_bind_org(client, make_org):
    a, b = make_org("a-corp"), make_org("b-corp")
    cid = client.post("/api/v1/credentials", json=BODY, headers=a["owner"].headers).json()["id"]
    other = b["owner"].headers
    assert client.get("/api/v1/credentials", headers=other).json() == []
    assert client.delete(f"/api/v1/credentials/{cid}", headers=other).status_code == 404
    assert client.post(f"/api/v1/credentials/{cid}/test", headers=other).status_code == 404
    smuggled = dict(BODY, org_id=str(a.id))
    assert client.post("/api/v1/credentials", json=smuggled, headers=other).status_code == 422


def test_unauthenticated_is_401(client, db):
    assert client.get("/api/v1/credentials").status_code == 401
    assert client.post("/api/v1/credentials", json=BODY).status_code == 401
