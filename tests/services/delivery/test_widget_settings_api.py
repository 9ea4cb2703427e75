"""``/api/v1/agents/{id}/widget``: the page's widget settings over REST, with the page's roles."""

from __future__ import annotations

import uuid

import pytest

from agent_platform.settings import get_settings
from tests.api.conftest import build_org, key_headers
from tests.services.delivery.conftest import SITE, V1


def _url(agent_id: str, tail: str = "") -> str:
    return f"{V1}/agents/{agent_id}/widget{tail}"


def _public_config(client, public_key: str, origin: str = SITE):
    return client.get(f"{V1}/widget/{public_key}/config", headers={"Origin": origin})


@pytest.mark.parametrize(
    ("role", "allowed"), [("owner", True), ("admin", True), ("editor", True), ("viewer", False)]
)
def test_who_may_read_and_change_a_widget(client, published, role, allowed):
    headers = published.org[role].headers
    calls = [
        client.get(_url(published.agent_id), headers=headers),
        client.put(_url(published.agent_id), json={"greeting": f"Hi from {role}"}, headers=headers),
        client.post(_url(published.agent_id, "/rotate-key"), headers=headers),
    ]
    for response in calls:
        if allowed:
            assert response.status_code == 200, response.text
        else:
            assert response.status_code == 403, response.text
            assert response.json()["error"]["code"] == "forbidden"
    if not allowed:  # nothing changed behind the refusals
        assert _public_config(client, published.public_key).json()["welcome"] != "Hi from viewer"


def test_api_keys_need_agents_write(client, published):
    _, writer = published.org.api_key(scopes=["agents:write"])
    _, reader = published.org.api_key(scopes=["agents:read"])
    body = {"enabled": False}
    assert (
        client.put(_url(published.agent_id), json=body, headers=key_headers(reader)).status_code
        == 403
    )
    changed = client.put(_url(published.agent_id), json=body, headers=key_headers(writer))
    assert changed.status_code == 200 and changed.json()["enabled"] is False


def test_another_organizations_agent_is_not_found(client, published):
    other = build_org("globex", roles=())["owner"].headers
    for agent_id in (published.agent_id, str(uuid.uuid4())):
        assert client.get(_url(agent_id), headers=other).status_code == 404
        put = client.put(_url(agent_id), json={"enabled": False}, headers=other)
        assert put.status_code == 404 and put.json()["error"]["code"] == "not_found"
        assert client.post(_url(agent_id, "/rotate-key"), headers=other).status_code == 404
    assert _public_config(client, published.public_key).status_code == 200  # still enabled


def test_settings_round_trip_into_the_live_widget(client, published):
    owner = published.org["owner"].headers
    shown = client.get(_url(published.agent_id), headers=owner).json()
    base_url = get_settings().base_url.rstrip("/")
    assert shown["public_key"] == published.public_key
    assert shown["loader_url"] == f"{base_url}/widget.js"
    assert f'src="{base_url}/widget.js"' in shown["snippet"]
    assert f'data-agent="{published.public_key}"' in shown["snippet"]
    assert shown["allowed_origins"] == [SITE] and shown["theme"]["title"] == "Help desk"
    assert "secret" not in str(shown)
    body = {
        "greeting": "Olá! Ask me about the Lisbon store.",
        "allowed_origins": ["https://Shop.Example.com/", SITE],
        "theme": {"color": "#112233", "position": "left"},
        "history_window": 4,
    }
    saved = client.put(_url(published.agent_id), json=body, headers=owner)
    assert saved.status_code == 200, saved.text
    out = saved.json()
    assert out["allowed_origins"] == [SITE, "https://shop.example.com"]
    assert out["theme"]["title"] == "Help desk"  # omitted theme fields are kept
    assert out["theme"]["color"] == "#112233" and out["history_window"] == 4
    live = _public_config(client, published.public_key, "https://shop.example.com").json()
    assert live["welcome"] == body["greeting"] and live["position"] == "left"
    off = client.put(_url(published.agent_id), json={"enabled": False}, headers=owner)
    assert off.json()["enabled"] is False and off.json()["greeting"] == body["greeting"]
    assert _public_config(client, published.public_key).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"theme": {"color": "red"}}, "color"),
        ({"theme": {"avatar_url": "http://cdn.example.com/a.png"}}, "avatar_url"),
        ({"allowed_origins": ["ftp://example.com"]}, None),
        ({"allowed_origins": ["https://example.com/path"]}, None),
        ({"history_window": 99}, "history_window"),
        ({"theme": {"position": "top"}}, "theme.position"),
        ({"public_key": "pk_chosen_by_me"}, "public_key"),
        ({"enabled": "sometimes"}, "enabled"),
    ],
)
def test_invalid_settings_are_422_in_the_error_envelope(client, published, body, field):
    owner = published.org["owner"].headers
    response = client.put(_url(published.agent_id), json=body, headers=owner)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error" and error["message"]
    details = error["details"]
    if field is not None:
        fields = [p["field"] for p in details.get("problems", [])] + [details.get("field")]
        assert field in fields, details
    assert client.get(_url(published.agent_id), headers=owner).json()["public_key"] == (
        published.public_key
    )


def test_rotating_the_key_retires_the_old_one(client, published):
    owner = published.org["owner"].headers
    old = published.public_key
    session = client.post(
        f"{V1}/widget/{old}/session", json={"anonymous_id": "v" * 24}, headers={"Origin": SITE}
    ).json()["session"]
    rotated = client.post(_url(published.agent_id, "/rotate-key"), headers=owner)
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()["public_key"]
    assert new != old and new.startswith("pk_") and new in rotated.json()["snippet"]
    assert old not in rotated.json()["snippet"]
    assert _public_config(client, old).status_code == 404
    stale = client.get(
        f"{V1}/widget/{old}/messages",
        headers={"Authorization": f"Bearer {session}", "Origin": SITE},
    )
    assert stale.status_code == 404
    assert _public_config(client, new).status_code == 200
    assert client.get(_url(published.agent_id), headers=owner).json()["public_key"] == new


def test_openapi_describes_the_routes_with_strict_bodies(client):
    spec = client.get(f"{V1}/openapi.json").json()
    path = spec["paths"]["/api/v1/agents/{agent_id}/widget"]
    assert set(path) == {"get", "put"}
    assert "/api/v1/agents/{agent_id}/widget/rotate-key" in spec["paths"]
    schemas = spec["components"]["schemas"]
    assert schemas["WidgetIn"]["additionalProperties"] is False
    assert schemas["ThemeIn"]["additionalProperties"] is False
    ok = path["put"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/WidgetOut"}
    assert {"public_key", "snippet", "loader_url"} <= set(schemas["WidgetOut"]["required"])
