"""Attacks on shared capacity through runs: unbounded loops, recursive sub-agents, floods.

Each test signs up a fresh organization over the public API and tries to make one run, one
request or one organization consume more than its share; each must end with an error that
names the limit it hit.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.services.runtime.conftest import V1, publish

TRIGGER = {"id": "trigger_1", "type": "trigger", "data": {"kind": "api"}}
SIMPLE = {
    "nodes": [TRIGGER, {"id": "output_1", "type": "output", "data": {"value": "hi"}}],
    "edges": [{"id": "e1", "source": "trigger_1", "target": "output_1"}],
}


@pytest.fixture
def limits(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """``limits(NAME=value, ...)`` sets ``LIMITS__NAME`` for this test (settings re-read)."""
    from agent_platform.settings import get_settings

    def set_limits(**values: Any) -> None:
        for name, value in values.items():
            monkeypatch.setenv(f"LIMITS__{name.upper()}", str(value))
        get_settings.cache_clear()

    yield set_limits
    monkeypatch.undo()
    get_settings.cache_clear()


def nested_loops() -> dict[str, Any]:
    """A loop over ``inputs.items`` whose body is another loop over the same items."""
    loop = {"items": "{{inputs.items}}", "max_iterations": 1000}
    return {
        "nodes": [
            TRIGGER,
            {"id": "outer", "type": "loop", "data": loop},
            {"id": "inner", "type": "loop", "data": loop},
            {"id": "body_1", "type": "template", "data": {"mode": "text", "template": "x"}},
            {"id": "output_1", "type": "output", "data": {"value": "{{outer.output}}"}},
        ],
        "edges": [
            {"id": "e1", "source": "trigger_1", "target": "outer"},
            {"id": "e2", "source": "outer", "sourceHandle": "body", "target": "inner"},
            {"id": "e3", "source": "inner", "sourceHandle": "body", "target": "body_1"},
            {"id": "e4", "source": "body_1", "target": "inner"},
            {"id": "e5", "source": "inner", "sourceHandle": "done", "target": "outer"},
            {"id": "e6", "source": "outer", "sourceHandle": "done", "target": "output_1"},
        ],
    }


def sub_agent_graph(target: str) -> dict[str, Any]:
    """trigger -> sub_agent(target) -> output."""
    return {
        "nodes": [
            TRIGGER,
            {"id": "call_1", "type": "sub_agent", "data": {"agent_id": target}},
            {"id": "output_1", "type": "output", "data": {"value": "{{call_1.output}}"}},
        ],
        "edges": [
            {"id": "e1", "source": "trigger_1", "target": "call_1"},
            {"id": "e2", "source": "call_1", "target": "output_1"},
        ],
    }


def run_and_wait(client, headers, agent_id: str, inputs: dict[str, Any]) -> dict[str, Any]:
    resp = client.post(
        f"{V1}/agents/{agent_id}/execute",
        json={"inputs": inputs, "wait": True, "timeout_s": 60},
        headers=headers,
    )
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_nested_loops_of_1000_by_1000_stop_at_the_step_limit(client, tenant, worker, limits):
    limits(max_steps_per_run=300)
    agent_id = publish(client, tenant, nested_loops())
    started = time.monotonic()
    execution = run_and_wait(client, tenant, agent_id, {"items": list(range(1000))})
    assert execution["status"] == "failed"
    assert "step limit of 300" in execution["error"]
    assert time.monotonic() - started < 30


def test_oversized_run_inputs_fail_at_the_payload_limit(client, tenant, worker, limits):
    limits(max_payload_bytes=1000)
    agent_id = publish(client, tenant, SIMPLE)
    execution = run_and_wait(client, tenant, agent_id, {"blob": "x" * 5000})
    assert execution["status"] == "failed"
    assert "payload limit of 1000 bytes" in execution["error"]


def test_an_agent_calling_itself_is_refused_at_publish(client, tenant):
    agent_id = publish(client, tenant, SIMPLE, name="Narcissus")
    resp = client.post(
        f"{V1}/agents/{agent_id}/publish",
        json={"definition": sub_agent_graph(agent_id)},
        headers=tenant,
    )
    assert resp.status_code == 422, resp.text
    codes = [p["code"] for p in resp.json()["error"]["details"]["problems"]]
    assert "sub_agent_recursion" in codes


def test_a_call_cycle_through_another_agent_is_refused_at_publish(client, tenant):
    a = publish(client, tenant, SIMPLE, name="A")
    b = publish(client, tenant, sub_agent_graph(a), name="B")  # B -> A is fine
    resp = client.post(
        f"{V1}/agents/{a}/publish", json={"definition": sub_agent_graph(b)}, headers=tenant
    )
    assert resp.status_code == 422, resp.text
    problem = resp.json()["error"]["details"]["problems"][0]
    assert problem["code"] == "sub_agent_recursion" and problem["node_id"] == "call_1"


def test_a_graph_over_the_node_limit_is_refused_at_publish(client, tenant, limits):
    limits(max_graph_nodes=20)
    nodes = [TRIGGER] + [
        {"id": f"t_{i}", "type": "template", "data": {"mode": "text", "template": "x"}}
        for i in range(25)
    ]
    agent = client.post(f"{V1}/agents", json={"name": "Huge"}, headers=tenant).json()
    resp = client.post(
        f"{V1}/agents/{agent['id']}/publish",
        json={"definition": {"nodes": nodes, "edges": []}},
        headers=tenant,
    )
    assert resp.status_code == 422, resp.text
    assert resp.json()["error"]["details"]["problems"][0]["code"] == "graph_too_large"


def test_the_eleventh_concurrent_run_is_refused_with_429(client, tenant, limits):
    limits(concurrent_runs_per_org=10)
    agent_id = publish(client, tenant, SIMPLE)
    url = f"{V1}/agents/{agent_id}/execute"
    for _ in range(10):  # no worker: every run stays pending
        assert client.post(url, json={"inputs": {}}, headers=tenant).status_code == 202
    resp = client.post(url, json={"inputs": {}}, headers=tenant)
    assert resp.status_code == 429, resp.text
    assert int(resp.headers["Retry-After"]) >= 1
    error = resp.json()["error"]
    assert error["code"] == "rate_limited" and "concurrent-run limit" in error["message"]


def test_runs_per_minute_are_capped_per_organization(client, tenant, limits):
    limits(runs_per_minute_per_org=3, concurrent_runs_per_org=100)
    agent_id = publish(client, tenant, SIMPLE)
    url = f"{V1}/agents/{agent_id}/execute"
    for _ in range(3):
        assert client.post(url, json={"inputs": {}}, headers=tenant).status_code == 202
    resp = client.post(url, json={"inputs": {}}, headers=tenant)
    assert resp.status_code == 429
    assert "runs-per-minute limit" in resp.json()["error"]["message"]
    assert int(resp.headers["Retry-After"]) >= 1


def test_an_oversized_body_is_refused_with_413(client, tenant):
    agent_id = publish(client, tenant, SIMPLE)
    url = f"{V1}/agents/{agent_id}/execute"
    huge = b'{"inputs": {"x": "' + b"a" * 3_000_000 + b'"}}'
    headers = {**tenant, "content-type": "application/json"}
    resp = client.post(url, content=huge, headers=headers)
    assert resp.status_code == 413
    assert resp.json()["error"]["code"] == "payload_too_large"

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while read
        yield b'{"inputs": {"x": "'
        for _ in range(30):
            yield b"a" * 100_000
        yield b'"}}'

    resp = client.post(url, content=chunks(), headers=headers)
    assert resp.status_code == 413
    assert resp.json()["error"]["code"] == "payload_too_large"
