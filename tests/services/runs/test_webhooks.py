"""Webhook triggers over real HTTP: signature, freshness, idempotency, size, admin routes."""

from __future__ import annotations

import time

from sqlalchemy import text

from agent_platform.db import session_scope
from agent_platform.services.agents import triggers
from agent_platform.services.runs import firing


def _setup(client, publish):
    org, agent_id, rows = publish({"kind": "webhook"})
    details = client.get(
        f"/api/v1/triggers/{rows[0].id}/webhook", headers=org["admin"].headers
    ).json()
    path = details["url"].split("://", 1)[1].split("/", 1)[1]
    return org, agent_id, "/" + path, details["secret"]


def _post(client, path, secret, body=b'{"name": "Ada"}', ts=None, headers=None, sig=None):
    ts = str(int(time.time()) if ts is None else ts)
    h = {
        "X-Timestamp": ts,
        "X-Signature": sig or firing.sign(secret, ts, body),
        "Content-Type": "application/json",
        **(headers or {}),
    }
    return client.post(path, content=body, headers=h)


def _runs(agent_id):
    with session_scope() as s:
        return s.execute(
            text("SELECT id, trigger, inputs FROM runs WHERE agent_id = :a"), {"a": agent_id}
        ).all()


def test_valid_signature_starts_a_run(client, publish):
    org, agent_id, path, secret = _setup(client, publish)
    response = _post(client, path, secret)
    assert response.status_code == 202, response.text
    runs = _runs(agent_id)
    assert [str(r.id) for r in runs] == [response.json()["execution_id"]]
    assert runs[0].trigger == "webhook" and runs[0].inputs == {"name": "Ada"}


def test_bad_or_stale_signature_is_401_revealing_nothing(client, publish):
    _, agent_id, path, secret = _setup(client, publish)
    wrong = _post(client, path, "whsec_wrong")
    stale = _post(client, path, secret, ts=int(time.time()) - 301)
    future = _post(client, path, secret, ts=int(time.time()) + 301)
    missing = client.post(path, content=b"{}")
    tampered = _post(client, path, secret, sig=firing.sign(secret, "1", b"{}"))
    for response in (wrong, stale, future, missing, tampered):
        assert response.status_code == 401
        assert response.json()["error"]["message"] == wrong.json()["error"]["message"]
        assert secret not in response.text
    assert _runs(agent_id) == []


def test_unknown_token_is_404(client, publish):
    _, _, path, secret = _setup(client, publish)
    assert _post(client, "/api/v1/hooks/wh_00000000_nope", secret).status_code == 404
    assert _post(client, path + "x", secret).status_code == 404


def test_duplicate_delivery_starts_one_run(client, publish):
    _, agent_id, path, secret = _setup(client, publish)
    ts = str(int(time.time()))
    first = _post(client, path, secret, ts=ts, headers={"Idempotency-Key": "evt_1"})
    again = _post(client, path, secret, ts=ts, headers={"Idempotency-Key": "evt_1"})
    body = b'{"n": 1}'
    replay = [_post(client, path, secret, body=body, ts=ts) for _ in range(2)]
    assert first.json() == again.json()
    assert replay[0].json() == replay[1].json() != first.json()
    assert len(_runs(agent_id)) == 2


def test_oversized_body_is_413(client, publish):
    _, agent_id, path, secret = _setup(client, publish)
    body = b'{"x": "' + b"a" * firing.MAX_WEBHOOK_BYTES + b'"}'
    assert _post(client, path, secret, body=body).status_code == 413
    assert _runs(agent_id) == []


def test_rotate_kills_old_url_and_secret(client, publish):
    org, agent_id, path, secret = _setup(client, publish)
    trigger_id = client.get(
        f"/api/v1/agents/{agent_id}/triggers", headers=org["viewer"].headers
    ).json()[0]["id"]
    rotated = client.post(
        f"/api/v1/triggers/{trigger_id}/webhook/rotate", headers=org["admin"].headers
    )
    assert rotated.status_code == 200
    new = rotated.json()
    assert _post(client, path, secret).status_code == 404
    new_path = "/" + new["url"].split("://", 1)[1].split("/", 1)[1]
    assert _post(client, new_path, new["secret"]).status_code == 202


def test_secret_routes_need_manage_integrations_and_same_org(client, publish, make_org):
    org, agent_id, _, secret = _setup(client, publish)
    other = make_org("other")
    listed = client.get(f"/api/v1/agents/{agent_id}/triggers", headers=org["viewer"].headers)
    assert listed.status_code == 200 and secret not in listed.text
    trigger_id = listed.json()[0]["id"]
    for headers, status in (
        (org["editor"].headers, 403),
        (org["viewer"].headers, 403),
        (other["owner"].headers, 404),
    ):
        assert (
            client.get(f"/api/v1/triggers/{trigger_id}/webhook", headers=headers).status_code
            == status
        )
        assert (
            client.post(
                f"/api/v1/triggers/{trigger_id}/webhook/rotate", headers=headers
            ).status_code
            == status
        )


def test_republish_keeps_url_and_removed_node_disables(client, publish):
    org, agent_id, path, secret = _setup(client, publish)
    with session_scope() as s:
        rows = triggers.sync_triggers(
            s,
            org_id=org.id,
            agent_id=agent_id,
            version_id=None,
            definition={
                "nodes": [{"id": "trigger_1", "type": "trigger", "data": {"kind": "webhook"}}]
            },
        )
        assert len(rows) == 1
    assert _post(client, path, secret).status_code == 202
    with session_scope() as s:
        triggers.sync_triggers(
            s, org_id=org.id, agent_id=agent_id, version_id=None, definition={"nodes": []}
        )
    assert _post(client, path, secret).status_code == 404
