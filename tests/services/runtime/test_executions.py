"""Runs via the API on real workers: idempotency, cancel, approvals, retries, poison, pinning."""

from __future__ import annotations

import threading
import time
import uuid

from sqlmodel import select

from agent_platform.db import session_scope
from agent_platform.models import Approval, Run
from tests.services.runtime.conftest import V1, execute, load_graph, publish, steps, wait_status


def test_idempotency_key_returns_the_same_execution(client, org, worker, runtime_env, target):
    h = org["editor"].headers
    agent_id = publish(client, h, load_graph("flaky.json", TARGET=target.url))
    target.flaky_failures = 0
    headers = {**h, "Idempotency-Key": "order-42"}
    first = client.post(f"{V1}/agents/{agent_id}/execute", json={"inputs": {}}, headers=headers)
    second = client.post(f"{V1}/agents/{agent_id}/execute", json={"inputs": {}}, headers=headers)
    assert first.status_code == second.status_code == 202
    assert first.json()["execution_id"] == second.json()["execution_id"]
    wait_status(client, h, first.json()["execution_id"], {"succeeded"})
    time.sleep(0.5)
    with session_scope() as s:
        assert len(s.exec(select(Run)).all()) == 1
    assert target.hits["/flaky"] == 1


def test_cancel_stops_between_steps(client, org, worker, runtime_env, target):
    h = org["editor"].headers
    graph = load_graph("side_effect_then_slow.json", TARGET=target.url, SLOW="1.5")
    run_id = execute(client, h, publish(client, h, graph))
    deadline = time.monotonic() + 15
    while target.hits["/slow"] == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    resp = client.post(f"{V1}/executions/{run_id}/cancel", headers=h)
    assert resp.status_code == 200, resp.text
    run = wait_status(client, h, run_id, {"cancelled", "succeeded", "failed"})
    assert run["status"] == "cancelled"
    assert "done" not in steps(client, h, run_id)
    again = client.post(f"{V1}/executions/{run_id}/cancel", headers=h)
    assert again.status_code == 409


def test_pending_run_is_cancelled_at_once(client, org, runtime_env, target):
    h = org["editor"].headers
    run_id = execute(client, h, publish(client, h, load_graph("flaky.json", TARGET=target.url)))
    resp = client.post(f"{V1}/executions/{run_id}/cancel", headers=h)
    assert resp.json()["status"] == "cancelled"


def _paused_approval(client, h, target) -> tuple[str, str]:
    run_id = execute(
        client,
        h,
        publish(client, h, load_graph("approval.json", TARGET=target.url)),
        {"message": "hi"},
    )
    assert wait_status(client, h, run_id, {"paused", "failed"})["status"] == "paused"
    with session_scope() as s:
        approval = s.exec(select(Approval).where(Approval.run_id == uuid.UUID(run_id))).one()
    return run_id, str(approval.id)


def test_concurrent_decisions_resume_exactly_once(client, org, worker, runtime_env, target):
    h = org["editor"].headers
    run_id, approval_id = _paused_approval(client, h, target)
    results: list[int] = []
    barrier = threading.Barrier(2)

    def decide(who: str) -> None:
        barrier.wait()
        resp = client.post(
            f"{V1}/approvals/{approval_id}/decision",
            json={"decision": "approved", "comment": who},
            headers=org[who].headers,
        )
        results.append(resp.status_code)

    threads = [threading.Thread(target=decide, args=(who,)) for who in ("editor", "admin")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200, 409]
    run = wait_status(client, h, run_id, {"succeeded", "failed"})
    assert run["status"] == "succeeded", run["error"]
    time.sleep(1.0)  # a duplicate resume would hit /after a second time
    assert target.hits["/ok"] == 1 and target.hits["/after"] == 1
    third = client.post(
        f"{V1}/approvals/{approval_id}/decision", json={"decision": "rejected"}, headers=h
    )
    assert third.status_code == 409


def test_viewer_cannot_decide_and_rejection_follows_the_branch(
    client, org, worker, runtime_env, target
):
    h = org["editor"].headers
    run_id, approval_id = _paused_approval(client, h, target)
    url = f"{V1}/approvals/{approval_id}/decision"
    assert (
        client.post(url, json={"decision": "approved"}, headers=org["viewer"].headers).status_code
        == 403
    )
    assert client.post(url, json={"decision": "rejected"}, headers=h).status_code == 200
    run = wait_status(client, h, run_id, {"succeeded", "failed"})
    assert run["output"] == "rejected" and target.hits["/after"] == 0


def test_transient_failure_is_retried_by_the_node_policy(client, org, worker, runtime_env, target):
    h = org["editor"].headers
    target.flaky_failures = 1  # 503, then 200
    run_id = execute(client, h, publish(client, h, load_graph("flaky.json", TARGET=target.url)))
    run = wait_status(client, h, run_id, {"succeeded", "failed"})
    assert run["status"] == "succeeded", run["error"]
    assert run["output"] == 200 and target.hits["/flaky"] == 2
    assert steps(client, h, run_id)["call"]["attempt"] == 2
    logs = client.get(f"{V1}/executions/{run_id}/logs", headers=h).json()
    assert "step_retrying" in [e["type"] for e in logs]
    assert [e["seq"] for e in logs] == list(range(1, len(logs) + 1))


def test_poison_run_ends_failed_with_a_reason(
    client, org, worker, runtime_env, target, monkeypatch
):
    from agent_platform.services.runtime import execute as engine_services

    def broken(**kwargs):
        raise RuntimeError("adapter exploded")

    monkeypatch.setattr(engine_services, "build_services", broken)
    h = org["editor"].headers
    run_id = execute(client, h, publish(client, h, load_graph("flaky.json", TARGET=target.url)))
    run = wait_status(client, h, run_id, {"failed", "succeeded"}, timeout=45)
    assert run["status"] == "failed"
    assert "gave up" in run["error"] and "adapter exploded" in run["error"]
    assert target.hits["/flaky"] == 0


def test_publish_invalid_graph_lists_every_problem(client, org):
    h = org["editor"].headers
    agent_id = client.post(f"{V1}/agents", json={"name": "Broken"}, headers=h).json()["id"]
    graph = {
        "nodes": [
            {"id": "t", "type": "trigger", "data": {}},
            {"id": "x", "type": "no_such_type", "data": {}},
            {"id": "h", "type": "http_request", "data": {"url": ""}},
        ],
        "edges": [{"id": "e1", "source": "t", "target": "ghost"}],
    }
    resp = client.post(f"{V1}/agents/{agent_id}/publish", json={"definition": graph}, headers=h)
    assert resp.status_code == 422
    problems = resp.json()["error"]["details"]["problems"]
    codes = {p["code"] for p in problems}
    assert len(problems) >= 3 and "unknown_node_type" in codes and "invalid_config" in codes
    assert client.get(f"{V1}/agents/{agent_id}/versions", headers=h).json() == []


def test_a_run_keeps_the_version_it_started_with(client, org, runtime_env, target, worker):
    h = org["editor"].headers
    graph = load_graph("side_effect_then_slow.json", TARGET=target.url, SLOW="1")
    agent_id = publish(client, h, graph)
    run_id = execute(client, h, agent_id)
    changed = load_graph("side_effect_then_slow.json", TARGET=target.url, SLOW="0")
    changed["nodes"][3]["data"]["template"] = "version two"
    resp = client.post(f"{V1}/agents/{agent_id}/publish", json={"definition": changed}, headers=h)
    assert resp.json()["number"] == 2
    first = wait_status(client, h, run_id, {"succeeded", "failed"})
    assert first["output"] == "side hit 1"
    second = wait_status(client, h, execute(client, h, agent_id), {"succeeded", "failed"})
    assert second["output"] == "version two"
    assert first["version_id"] != second["version_id"]


def test_test_run_uses_the_stored_draft(client, org, worker, runtime_env, target):
    h = org["editor"].headers
    graph = load_graph("five_nodes.json")
    agent_id = client.post(
        f"{V1}/agents", json={"name": "Draft", "draft_definition": graph}, headers=h
    ).json()["id"]
    resp = client.post(f"{V1}/agents/{agent_id}/test", json={"inputs": {"n": 3}}, headers=h)
    assert resp.status_code == 202
    run = wait_status(client, h, resp.json()["execution_id"], {"succeeded", "failed"})
    assert run["trigger"] == "test" and run["version_id"] is None and run["output"] == "n = 3"
    smuggled = client.post(
        f"{V1}/agents/{agent_id}/test", json={"inputs": {}, "definition": graph}, headers=h
    )
    assert smuggled.status_code == 422


def test_roles_and_api_key_scopes(client, org, runtime_env):
    agent_id = publish(client, org["editor"].headers, load_graph("five_nodes.json"))
    viewer = org["viewer"].headers
    assert client.get(f"{V1}/agents/{agent_id}", headers=viewer).status_code == 200
    assert (
        client.post(f"{V1}/agents/{agent_id}/execute", json={}, headers=viewer).status_code == 403
    )
    assert (
        client.put(f"{V1}/agents/{agent_id}", json={"name": "x"}, headers=viewer).status_code == 403
    )
    assert (
        client.delete(f"{V1}/agents/{agent_id}", headers=org["editor"].headers).status_code == 403
    )
    _, read_only = org.api_key(["agents:read", "runs:read"])
    ro = {"Authorization": f"Bearer {read_only}"}
    assert client.get(f"{V1}/agents", headers=ro).status_code == 200
    assert client.post(f"{V1}/agents/{agent_id}/execute", json={}, headers=ro).status_code == 403
    _, runner = org.api_key(["runs:execute"])
    rk = {"Authorization": f"Bearer {runner}"}
    resp = client.post(f"{V1}/agents/{agent_id}/execute", json={"inputs": {"n": 1}}, headers=rk)
    assert resp.status_code == 202
    assert client.get(f"{V1}/executions", headers=rk).status_code == 403
    assert client.get(f"{V1}/node-types", headers=ro).status_code == 200
    assert client.get(f"{V1}/node-types").status_code == 401
