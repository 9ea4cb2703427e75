"""Approvals over the API on real workers: assignment, roles, exactly-once, quorum, deadlines."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import timedelta

from sqlmodel import select

from agent_platform.db import session_scope
from agent_platform.models import Approval, RunEvent
from agent_platform.models.base import utcnow
from tests.services.approvals.conftest import V1, review_graph, start_review, wait_status


def _decide(client, member, approval_id, decision="approved", **body):
    return client.post(
        f"{V1}/approvals/{approval_id}/decision",
        json={"decision": decision, **body},
        headers=member.headers,
    )


def test_assigned_user_decides_with_edited_form_and_the_run_uses_it(
    client, org, worker, runtime_env, mailbox
):
    owner, editor = org["owner"], org["editor"]
    run_id, approval_id = start_review(client, owner.headers, review_graph(str(editor.user_id)))

    listed = client.get(f"{V1}/approvals?status=pending", headers=editor.headers).json()
    assert [a["id"] for a in listed] == [approval_id]
    assert listed[0]["can_decide"] and listed[0]["title"] == "Send reply to Ada?"
    detail = client.get(f"{V1}/approvals/{approval_id}", headers=editor.headers).json()
    assert detail["run_inputs"] == {"customer": "Ada", "draft": "Hello Ada"}
    assert detail["form_fields"][0]["default"] == "Hello Ada"
    assert detail["review"]["value"] == {"customer": "Ada", "draft": "Hello Ada"}
    assert detail["assignee_ids"] == [str(editor.user_id)]
    message = mailbox.wait_for(editor.email, timeout=20)
    assert "/login?next=%2Fapprovals%3Ftoken%3Dapl_" in message.get_payload(decode=True).decode()

    # Viewers, non-assignees (even admins) and API keys cannot decide.
    assert _decide(client, org["viewer"], approval_id).status_code == 403
    assert _decide(client, org["admin"], approval_id).status_code == 403
    assert _decide(client, owner, approval_id).status_code == 403
    bad = _decide(client, editor, approval_id, data={"reply": "x", "priority": "urgent"})
    assert bad.status_code == 422 and "must be one of" in bad.json()["error"]["message"]

    ok = _decide(client, editor, approval_id, comment="fine", data={"reply": "Hi Ada!"})
    assert ok.status_code == 200, ok.text
    run = wait_status(client, owner.headers, run_id, {"succeeded", "failed"})
    assert run["output"] == "sent: Hi Ada!", run
    assert _decide(client, editor, approval_id).status_code == 409
    decided = client.get(f"{V1}/approvals?status=decided", headers=owner.headers).json()
    assert decided[0]["decision"]["data"] == {"reply": "Hi Ada!", "priority": False} or decided[0][
        "decision"
    ]["data"] == {"reply": "Hi Ada!"}
    detail = client.get(f"{V1}/approvals/{approval_id}", headers=owner.headers).json()
    assert [(v["user_email"], v["comment"]) for v in detail["votes"]] == [(editor.email, "fine")]


def test_concurrent_approvers_resume_exactly_once(client, org, worker, runtime_env):
    owner = org["owner"]
    approvers = [str(org[r].user_id) for r in ("editor", "admin")]
    run_id, approval_id = start_review(client, owner.headers, review_graph(approvers))
    results: list[int] = []
    barrier = threading.Barrier(2)

    def decide(role: str) -> None:
        barrier.wait()
        results.append(_decide(client, org[role], approval_id, data={"reply": role}).status_code)

    threads = [threading.Thread(target=decide, args=(r,)) for r in ("editor", "admin")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200, 409]
    wait_status(client, owner.headers, run_id, {"succeeded"})
    time.sleep(0.5)
    with session_scope() as s:
        events = s.exec(select(RunEvent.type).where(RunEvent.run_id == uuid.UUID(run_id))).all()
    assert events.count("run_finished") == 2, events  # the pause, then one resumed finish


def test_quorum_of_two_waits_for_the_second_vote(client, org, worker, runtime_env):
    owner = org["owner"]
    approvers = [str(org[r].user_id) for r in ("editor", "admin", "owner")]
    run_id, approval_id = start_review(client, owner.headers, review_graph(approvers, quorum=2))
    first = _decide(client, org["editor"], approval_id, data={"reply": "A"})
    assert first.status_code == 200 and first.json()["status"] == "pending"
    assert _decide(client, org["editor"], approval_id).status_code == 409  # one vote each
    second = _decide(client, org["admin"], approval_id, data={"reply": "B"})
    assert second.json()["status"] == "approved"
    assert wait_status(client, owner.headers, run_id, {"succeeded"})["output"] == "sent: B"


def test_requester_cannot_approve_their_own_run(client, org, worker, runtime_env):
    editor = org["editor"]
    graph = review_graph([str(editor.user_id), str(org["admin"].user_id)], no_self=True)
    _, approval_id = start_review(client, editor.headers, graph)
    with session_scope() as s:
        assert s.get(Approval, uuid.UUID(approval_id)).assignee_ids == [str(org["admin"].user_id)]
    assert _decide(client, editor, approval_id).status_code == 403


def test_decision_after_expiry_is_refused_clearly(client, org, worker, runtime_env):
    owner, editor = org["owner"], org["editor"]
    _, approval_id = start_review(client, owner.headers, review_graph(str(editor.user_id)))
    with session_scope() as s:
        s.get(Approval, uuid.UUID(approval_id)).expires_at = utcnow() - timedelta(seconds=1)
    resp = _decide(client, editor, approval_id)
    assert resp.status_code == 409 and "expired" in resp.json()["error"]["message"]


def test_execution_approve_route_and_other_tenants(client, org, worker, runtime_env):
    from tests.api.conftest import build_org

    owner, editor = org["owner"], org["editor"]
    run_id, approval_id = start_review(client, owner.headers, review_graph(str(editor.user_id)))
    other = build_org("other")["owner"]
    assert client.get(f"{V1}/approvals/{approval_id}", headers=other.headers).status_code == 404
    assert client.get(f"{V1}/approvals", headers=other.headers).json() == []
    url = f"{V1}/executions/{run_id}/approve"
    assert client.post(url, json={}, headers=other.headers).status_code == 404
    assert client.post(url, json={}, headers=org["viewer"].headers).status_code == 403
    resp = client.post(url, json={"data": {"reply": "via run"}}, headers=editor.headers)
    assert resp.status_code == 200, resp.text
    assert wait_status(client, owner.headers, run_id, {"succeeded"})["output"] == "sent: via run"
    assert client.post(url, json={}, headers=editor.headers).status_code == 409
    with session_scope() as s:
        assert s.exec(select(Approval)).one().status == "approved"
