"""Webhook replay: a captured signed delivery cannot start more runs with fresh delivery ids.

The signature covers ``X-Timestamp`` and the body only. A man in the middle (a logging proxy,
a leaked request log) who captured one delivery can resend it inside the five-minute window
with any ``Idempotency-Key`` or ``X-Delivery-Id`` he likes; those headers are not signed, so
they must not be able to tell one delivery from another.
"""

from __future__ import annotations

import time

from agent_platform.services.runs import firing
from tests.security.conftest import V1, sign_up
from tests.services.runs.conftest import graph
from tests.services.runtime.conftest import publish


def _webhook(client, account) -> tuple[str, str, str]:
    """Publish a webhook agent over the API; ``(agent_id, hook path, signing secret)``."""
    agent_id = publish(client, account.headers, graph({"kind": "webhook"}), name="Hooked")
    triggers = client.get(f"{V1}/agents/{agent_id}/triggers", headers=account.headers).json()
    details = client.get(f"{V1}/triggers/{triggers[0]['id']}/webhook", headers=account.headers)
    assert details.status_code == 200, details.text
    url, secret = details.json()["url"], details.json()["secret"]
    return agent_id, "/" + url.split("://", 1)[1].split("/", 1)[1], secret


def _runs(client, account, agent_id) -> set[str]:
    page = client.get(f"{V1}/executions?agent_id={agent_id}", headers=account.headers).json()
    return {item["id"] for item in page["items"]}


def _signed(secret: str, body: bytes, ts: str) -> dict[str, str]:
    return {"X-Timestamp": ts, "X-Signature": firing.sign(secret, ts, body)}


def test_a_captured_delivery_replayed_with_new_ids_starts_one_run(client):
    owner = sign_up(client, "owner@victim.example.com")
    agent_id, path, secret = _webhook(client, owner)
    body, ts = b'{"event": "invoice.paid", "amount": 100}', str(int(time.time()))
    captured = {**_signed(secret, body, ts), "Idempotency-Key": "evt_1"}
    first = client.post(path, content=body, headers=captured)
    assert first.status_code == 202, first.text

    replays = [
        {**captured, "Idempotency-Key": "evt_forged_1"},
        {**_signed(secret, body, ts), "X-Delivery-Id": "dlv_forged_2"},
        {**_signed(secret, body, ts), "Idempotency-Key": "a", "X-Delivery-Id": "b"},
    ]
    answers = [client.post(path, content=body, headers=h) for h in replays]
    assert [a.status_code for a in answers] == [202, 202, 202]
    assert {a.json()["execution_id"] for a in answers} == {first.json()["execution_id"]}
    assert _runs(client, owner, agent_id) == {first.json()["execution_id"]}


def test_distinct_signed_deliveries_still_start_distinct_runs(client):
    owner = sign_up(client, "owner@sender.example.com")
    agent_id, path, secret = _webhook(client, owner)
    now = int(time.time())
    deliveries = [
        (b'{"event": "a"}', str(now)),
        (b'{"event": "b"}', str(now)),  # another body, same second
        (b'{"event": "a"}', str(now - 1)),  # the same body sent again later
    ]
    ids = set()
    for body, ts in deliveries:
        answer = client.post(path, content=body, headers=_signed(secret, body, ts))
        assert answer.status_code == 202, answer.text
        ids.add(answer.json()["execution_id"])
    assert len(ids) == 3 and _runs(client, owner, agent_id) == ids
