"""Cancelling runs closes the approvals they waited for, on every surface that cancels."""

from __future__ import annotations

import time
import uuid

from reflex.istate.data import RouterData
from sqlmodel import select

from agent_platform.db import session_scope
from agent_platform.models import Approval, AuditLog
from agent_platform.services.approvals import closing, inbox
from agent_platform.services.runs import lifecycle
from tests.conftest import wait_until
from tests.services.runtime.conftest import V1, execute, load_graph, publish, wait_status


def _paused(client, h, target, name="Shipper") -> tuple[str, str]:
    graph = load_graph("approval.json", TARGET=target.url)
    run_id = execute(client, h, publish(client, h, graph, name=name), {"message": "hi"})
    assert wait_status(client, h, run_id, {"paused", "failed"})["status"] == "paused"
    with session_scope() as s:
        approval = s.exec(select(Approval).where(Approval.run_id == uuid.UUID(run_id))).one()
    return run_id, str(approval.id)


def _pending_ids(client, h) -> list[str]:
    return [a["id"] for a in client.get(f"{V1}/approvals?status=pending", headers=h).json()]


def test_cancel_over_the_api_closes_the_pending_approval(client, org, worker, runtime_env, target):
    h = org["editor"].headers
    run_id, approval_id = _paused(client, h, target)
    assert _pending_ids(client, h) == [approval_id]

    resp = client.post(f"{V1}/executions/{run_id}/cancel", headers=h)
    assert resp.status_code == 200 and resp.json()["status"] == "cancelled", resp.text

    assert _pending_ids(client, h) == []
    closed = client.get(f"{V1}/approvals?status=cancelled", headers=h).json()
    assert [(a["id"], a["status"], a["can_decide"]) for a in closed] == [
        (approval_id, "cancelled", False)
    ]
    detail = client.get(f"{V1}/approvals/{approval_id}", headers=h).json()
    assert detail["status"] == "cancelled" and detail["run_status"] == "cancelled"
    decide = client.post(
        f"{V1}/approvals/{approval_id}/decision", json={"decision": "approved"}, headers=h
    )
    assert decide.status_code == 409
    approve = client.post(f"{V1}/executions/{run_id}/approve", json={}, headers=h)
    assert approve.status_code == 409
    with session_scope() as s:
        counts = inbox.count_approvals(s, principal=org.principal(s, "editor"))
        assert counts["pending"] == 0 and counts["mine"] == 0
        entry = s.exec(select(AuditLog).where(AuditLog.action == "approval.cancelled")).one()
        assert entry.target_id == approval_id and entry.actor_user_id == org["editor"].user_id
        assert entry.details["run_status"] == "cancelled"
    time.sleep(0.5)
    assert target.hits["/after"] == 0


def test_runs_page_and_builder_cancel_close_approvals(client, org, worker, runtime_env, target):
    from agent_platform.state.builder.run import BuilderRunState
    from agent_platform.state.runs.detail import RunDetailState

    editor = org["editor"]
    first, first_approval = _paused(client, editor.headers, target, name="First")
    second, second_approval = _paused(client, editor.headers, target, name="Second")

    page = _state(RunDetailState, editor.token, f"/runs/detail?id={first}")
    RunDetailState.load.fn(page)
    assert page.live
    RunDetailState.cancel.fn(page)
    assert page.run.status == "cancelled" and not page.live

    builder = _state(BuilderRunState, editor.token, "/agents/edit")
    builder.run_id = second
    BuilderRunState.cancel.fn(builder)

    assert _pending_ids(client, editor.headers) == []
    with session_scope() as s:
        statuses = {str(a.id): a.status for a in s.exec(select(Approval))}
    assert statuses == {first_approval: "cancelled", second_approval: "cancelled"}


def test_cancel_while_a_branch_runs_closes_the_waiting_branch(
    client, org, worker, runtime_env, target
):
    h = org["editor"].headers
    graph = load_graph("approval_beside_slow.json", TARGET=target.url, SLOW="1.5")
    run_id = execute(client, h, publish(client, h, graph))
    approval = wait_until(lambda: _pending_ids(client, h), timeout=20)[0]
    wait_until(lambda: target.hits["/slow"] > 0)
    resp = client.post(f"{V1}/executions/{run_id}/cancel", headers=h)
    assert resp.json()["status"] == "running"  # it stops between steps
    assert _pending_ids(client, h) == [approval]

    # The slow branch ends the run's work with the other branch still waiting: the run must
    # end cancelled (not stay paused) and its approval must close.
    run = wait_status(client, h, run_id, {"cancelled", "succeeded", "failed", "paused"})
    assert run["status"] == "cancelled", run
    assert _pending_ids(client, h) == []
    detail = client.get(f"{V1}/approvals/{approval}", headers=h).json()
    assert detail["status"] == "cancelled"
    assert target.hits["/after"] == 0


def test_the_sweep_closes_approvals_of_runs_that_ended_elsewhere(
    client, org, worker, runtime_env, target
):
    h = org["editor"].headers
    run_id, approval_id = _paused(client, h, target)
    with session_scope() as s:  # e.g. the run sweeper gave up on it
        lifecycle.fail_run(s, run_id=uuid.UUID(run_id), reason="given up")
    assert _pending_ids(client, h) == [approval_id]
    with session_scope() as s:
        assert closing.close_orphaned(s) == 1
    with session_scope() as s:
        assert closing.close_orphaned(s) == 0
    assert _pending_ids(client, h) == []
    detail = client.get(f"{V1}/approvals/{approval_id}", headers=h).json()
    assert detail["status"] == "cancelled" and "failed" in detail["decision"]["comment"]


def _state(cls, token: str, path: str):
    state = cls(_reflex_internal_init=True)
    pathname = path.partition("?")[0]
    state.router = RouterData.from_router_data(
        {"headers": {"cookie": f"ap_session={token}"}, "pathname": pathname, "asPath": path}
    )
    return state
