"""Notification settings over REST: my approval emails, each agent's approval webhook + secret."""

from __future__ import annotations

import hashlib
import hmac
import json

from tests.services.approvals.conftest import V1, client, org, publish  # noqa: F401

SIMPLE = {
    "nodes": [
        {"id": "trigger_1", "type": "trigger", "data": {"kind": "manual"}},
        {"id": "output_1", "type": "output", "data": {"value": "done"}},
    ],
    "edges": [{"id": "e1", "source": "trigger_1", "target": "output_1"}],
}


def test_my_email_preference_round_trips_per_member(client, org):  # noqa: F811
    url = f"{V1}/me/notification-preferences"
    assert client.get(url, headers=org["editor"].headers).json() == {"approval_email": True}
    resp = client.put(url, json={"approval_email": False}, headers=org["editor"].headers)
    assert resp.status_code == 200 and resp.json() == {"approval_email": False}
    assert client.get(url, headers=org["editor"].headers).json() == {"approval_email": False}
    assert client.get(url, headers=org["viewer"].headers).json() == {"approval_email": True}
    refused = client.put(url, json={"approval_email": "nope"}, headers=org["editor"].headers)
    assert refused.status_code == 422
    extra = client.put(
        url, json={"approval_email": True, "user_id": "x"}, headers=org["editor"].headers
    )
    assert extra.status_code == 422
    _, key = org.api_key()
    assert client.get(url, headers={"Authorization": f"Bearer {key}"}).status_code == 403


def test_agent_webhook_url_and_signing_secret_by_role(client, org):  # noqa: F811
    from agent_platform.services.approvals import webhooks

    agent_id = publish(client, org["owner"].headers, SIMPLE, name="Replies")
    url = f"{V1}/agents/{agent_id}/approval-webhook"
    empty = client.get(url, headers=org["editor"].headers)
    assert empty.status_code == 200
    assert empty.json() == {
        "agent_id": agent_id,
        "url": None,
        "enabled": False,
        "signing_secret": None,
        "signature_header": "X-Agent-Platform-Signature",
    }
    hook = "https://hooks.example.com/approvals"
    saved = client.put(url, json={"url": hook}, headers=org["editor"].headers)
    assert saved.status_code == 200 and saved.json()["url"] == hook
    assert saved.json()["signing_secret"] is None
    assert client.get(url, headers=org["viewer"].headers).status_code == 403
    assert client.put(url, json={"url": hook}, headers=org["viewer"].headers).status_code == 403
    # Editors set the URL; only admins and owners see the secret receivers verify with.
    no_secret = client.get(url, params={"reveal": "true"}, headers=org["editor"].headers)
    assert no_secret.status_code == 403
    shown = client.get(url, params={"reveal": "true"}, headers=org["admin"].headers).json()
    secret = shown["signing_secret"]
    assert shown["url"] == hook and shown["enabled"] and secret.startswith("whsec_")

    # The secret verifies what the platform signs: HMAC-SHA256 of the raw body, hex.
    from sqlmodel import select

    from agent_platform.db import session_scope
    from agent_platform.models.approvals import ApprovalWebhook

    with session_scope() as s:
        row = s.exec(select(ApprovalWebhook)).one()
        body = json.dumps({"event": "approval.requested"})
        expected = hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()
        assert webhooks.sign(row.id, body) == f"sha256={expected}"

    audit = client.get(f"{V1}/org/audit-logs", headers=org["owner"].headers).text
    assert "approval.webhook_secret_revealed" in audit
    cleared = client.put(url, json={"url": None}, headers=org["editor"].headers).json()
    assert cleared["url"] is None and cleared["enabled"] is False
    bad = client.put(url, json={"url": "ftp://x"}, headers=org["editor"].headers)
    assert bad.status_code == 422, bad.text


def test_the_routes_have_strict_schemas(client):  # noqa: F811
    spec = client.get(f"{V1}/openapi.json").json()
    prefs = spec["paths"]["/api/v1/me/notification-preferences"]
    hook = spec["paths"]["/api/v1/agents/{agent_id}/approval-webhook"]
    for operation in (prefs["get"], prefs["put"], hook["get"], hook["put"]):
        schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert "$ref" in schema, operation["operationId"]
    bodies = spec["components"]["schemas"]
    for name in ("NotificationPreferencesIn", "WebhookIn"):
        assert bodies[name]["additionalProperties"] is False, name
