"""API keys and agent deletion: the ``agents:delete`` scope, bounded by the creator's role."""

from __future__ import annotations

from agent_platform.models import Role
from agent_platform.services import permissions
from agent_platform.services.permissions import Permission
from tests.api.conftest import key_headers

V1 = "/api/v1"


def _key(client, member, scopes: list[str]):
    return client.post(
        f"{V1}/org/api-keys", json={"name": "automation", "scopes": scopes}, headers=member.headers
    )


def _agent(client, headers) -> str:
    created = client.post(f"{V1}/agents", json={"name": "Doomed"}, headers=headers)
    assert created.status_code == 201, created.text
    return created.json()["id"]


def test_a_key_with_agents_delete_archives_an_agent(client, make_org):
    org = make_org("acme")
    key = _key(client, org["owner"], ["agents:write", "agents:delete"])
    assert key.status_code == 201, key.text
    assert key.json()["scopes"] == ["agents:write", "agents:delete"]
    headers = key_headers(key.json()["key"])
    deleted = client.delete(f"{V1}/agents/{_agent(client, headers)}", headers=headers)
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["status"] == "archived"


def test_without_agents_delete_the_refusal_names_the_scope(client, make_org):
    org = make_org("acme")
    headers = key_headers(_key(client, org["owner"], ["agents:write"]).json()["key"])
    refused = client.delete(f"{V1}/agents/{_agent(client, headers)}", headers=headers)
    assert refused.status_code == 403
    error = refused.json()["error"]
    assert error["code"] == "forbidden" and "agents:delete" in error["message"]
    assert error["details"] == {"permission": "delete_agent", "scopes": ["agents:delete"]}


def test_a_key_cannot_hold_a_scope_beyond_its_creators_role(client, make_org, monkeypatch):
    # Today only admins and owners manage keys, and they hold every scope; were editors allowed
    # to manage keys, they still could not mint a key that deletes agents.
    editor_permissions = permissions.ROLE_PERMISSIONS[Role.EDITOR] | {Permission.MANAGE_API_KEYS}
    monkeypatch.setitem(permissions.ROLE_PERMISSIONS, Role.EDITOR, editor_permissions)
    org = make_org("acme")
    refused = _key(client, org["editor"], ["agents:read", "agents:delete"])
    assert refused.status_code == 403, refused.text
    error = refused.json()["error"]
    assert error["code"] == "forbidden"
    assert "editor role cannot give a key agents:delete" in error["message"]
    assert error["details"]["beyond_role"] == ["agents:delete"]
    assert "agents:write" in error["details"]["allowed"]
    assert _key(client, org["editor"], ["agents:read", "agents:write"]).status_code == 201


def test_the_key_of_a_demoted_or_departed_creator_shrinks_with_them(client, make_org):
    org = make_org("acme")
    admin, owner = org["admin"], org["owner"].headers
    headers = key_headers(_key(client, admin, ["agents:write", "agents:delete"]).json()["key"])
    first = _agent(client, headers)
    assert client.delete(f"{V1}/agents/{first}", headers=headers).status_code == 200
    demoted = client.patch(
        f"{V1}/org/members/{admin.user_id}", json={"role": "editor"}, headers=owner
    )
    assert demoted.status_code == 200
    agent_id = _agent(client, headers)  # agents:write is still within an editor's role
    assert client.delete(f"{V1}/agents/{agent_id}", headers=headers).status_code == 403
    me = client.get(f"{V1}/me", headers=headers).json()
    assert me["scopes"] == ["agents:write"]
    assert client.delete(f"{V1}/org/members/{admin.user_id}", headers=owner).status_code == 204
    assert client.get(f"{V1}/agents", headers=headers).status_code == 403
    assert client.delete(f"{V1}/agents/{agent_id}", headers=owner).status_code == 200
