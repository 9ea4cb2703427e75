"""A sub-agent that waits for an approval pauses its parent, which resumes exactly once."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import timedelta

from sqlmodel import select

from agent_platform.db import session_scope
from agent_platform.models import Approval, Run, RunEvent
from agent_platform.models.base import utcnow
from agent_platform.services.approvals import decisions
from tests.services.runtime.conftest import (
    V1,
    execute,
    load_graph,
    publish,
    steps,
    wait_status,
)

ENDED = {"succeeded", "failed", "cancelled"}


def _waiting_parent(client, h, target) -> tuple[str, str, str]:
    """Run a parent whose child pauses for an approval: ``(parent, child, approval)`` ids."""
    child_agent = publish(client, h, load_graph("approval.json", TARGET=target.url), name="Child")
    graph = load_graph("sub_agent_parent.json", TARGET=target.url, CHILD=child_agent)
    parent = execute(client, h, publish(client, h, graph, name="Parent"), {"message": "hi"})
    body = wait_status(client, h, parent, {"paused"} | ENDED)
    assert body["status"] == "paused", body
    with session_scope() as s:
        child = s.exec(select(Run).where(Run.parent_run_id == uuid.UUID(parent))).one()
        assert child.status == "paused"
        parent_row = s.get(Run, uuid.UUID(parent))
        assert child.created_by == parent_row.created_by  # requester rules see the same person
        approval = s.exec(select(Approval).where(Approval.run_id == child.id)).one()
    assert steps(client, h, parent)["sub_1"]["status"] == "paused"
    return parent, str(child.id), str(approval.id)


def _hits(target) -> dict[str, int]:
    paths = ("/parent-before", "/ok", "/after", "/parent-after")
    return {p: target.hits[p] for p in paths}


def test_child_approval_resumes_child_and_parent_exactly_once(
    client, org, worker, runtime_env, target
):
    h = org["editor"].headers
    parent, child, approval_id = _waiting_parent(client, h, target)
    pending = client.get(f"{V1}/approvals?status=pending", headers=h).json()
    assert [a["id"] for a in pending] == [approval_id]
    results: list[int] = []
    barrier = threading.Barrier(2)

    def decide(who: str) -> None:
        barrier.wait()
        resp = client.post(
            f"{V1}/approvals/{approval_id}/decision",
            json={"decision": "approved"},
            headers=org[who].headers,
        )
        results.append(resp.status_code)

    threads = [threading.Thread(target=decide, args=(who,)) for who in ("editor", "admin")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200, 409]

    done = wait_status(client, h, parent, ENDED)
    assert done["status"] == "succeeded", done
    assert done["output"].startswith("parent got approved by ")
    assert wait_status(client, h, child, ENDED)["status"] == "succeeded"
    time.sleep(1.0)  # a duplicate resume would hit a path a second time
    assert _hits(target) == {"/parent-before": 1, "/ok": 1, "/after": 1, "/parent-after": 1}
    with session_scope() as s:
        finishes = s.exec(select(RunEvent.run_id).where(RunEvent.type == "run_finished")).all()
    # Each run paused once and finished once: no second resume of either.
    assert sorted(map(str, finishes)) == sorted([parent, parent, child, child])


def test_rejection_through_the_parent_follows_the_childs_branch(
    client, org, worker, runtime_env, target
):
    h = org["editor"].headers
    parent, child, approval_id = _waiting_parent(client, h, target)
    url = f"{V1}/executions/{parent}/approve"  # the parent's route reaches the child's request
    resp = client.post(url, json={"decision": "rejected"}, headers=h)
    assert resp.status_code == 200 and resp.json()["id"] == approval_id, resp.text
    done = wait_status(client, h, parent, ENDED)
    assert (done["status"], done["output"]) == ("succeeded", "parent got rejected")
    assert _hits(target) == {"/parent-before": 1, "/ok": 1, "/after": 0, "/parent-after": 1}


def test_timed_out_child_approval_resumes_the_parent(client, org, worker, runtime_env, target):
    h = org["editor"].headers
    parent, _, approval_id = _waiting_parent(client, h, target)
    with session_scope() as s:
        s.get(Approval, uuid.UUID(approval_id)).expires_at = utcnow() - timedelta(seconds=1)
    with session_scope() as s:
        assert [str(a.id) for a in decisions.expire_approvals(s, now=utcnow())] == [approval_id]
    done = wait_status(client, h, parent, ENDED)
    assert (done["status"], done["output"]) == ("succeeded", "parent got rejected")
    assert target.hits["/after"] == 0 and target.hits["/parent-after"] == 1


def test_cancelling_the_parent_cancels_the_child_and_closes_its_approval(
    client, org, worker, runtime_env, target
):
    h = org["editor"].headers
    parent, child, approval_id = _waiting_parent(client, h, target)
    resp = client.post(f"{V1}/executions/{parent}/cancel", headers=h)
    assert resp.status_code == 200 and resp.json()["status"] == "cancelled", resp.text
    assert wait_status(client, h, child, ENDED)["status"] == "cancelled"
    assert client.get(f"{V1}/approvals?status=pending", headers=h).json() == []
    assert client.get(f"{V1}/approvals/{approval_id}", headers=h).json()["status"] == "cancelled"
    time.sleep(0.5)
    assert target.hits["/after"] == 0 and target.hits["/parent-after"] == 0


def test_cancelling_the_child_fails_the_waiting_parent_step(
    client, org, worker, runtime_env, target
):
    h = org["editor"].headers
    parent, child, approval_id = _waiting_parent(client, h, target)
    resp = client.post(f"{V1}/executions/{child}/cancel", headers=h)
    assert resp.status_code == 200 and resp.json()["status"] == "cancelled", resp.text
    done = wait_status(client, h, parent, ENDED)
    assert done["status"] == "failed" and "sub-agent run cancelled" in done["error"], done
    assert client.get(f"{V1}/approvals/{approval_id}", headers=h).json()["status"] == "cancelled"
    assert target.hits["/parent-after"] == 0
