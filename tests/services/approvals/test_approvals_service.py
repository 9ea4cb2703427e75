"""Approval services without a worker: email links, reminders/escalation, claims, CSV, hooks."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlmodel import select

from agent_platform.db import session_scope
from agent_platform.models import Approval, ApprovalLink, Membership, Run
from agent_platform.models.base import utcnow
from agent_platform.services.agents import agents
from agent_platform.services.approvals import export as approvals_export
from agent_platform.services.approvals import inbox as approvals
from agent_platform.services.approvals import notifications
from agent_platform.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from agent_platform.services.runs import runs
from agent_platform.services.runtime.approval_gate import PgApprovalGate
from tests.api.conftest import build_org


@pytest.fixture
def world(db):
    """Org ``acme`` and an approval assigned to the editor, escalating to admins."""
    import asyncio

    org = build_org("acme")
    with session_scope() as s:
        owner = org.principal(s)
        agent = agents.create_agent(s, principal=owner, name="Refunds")
        run = runs.create_run(
            s, agent=agent, version_id=None, definition={}, inputs={"amount": 5},
            trigger="manual", created_by=org["owner"].user_id, enqueue=False,
        )  # fmt: skip
        run.status = "paused"
        run_id = run.id
    payload = {
        "title": "Refund =5", "approvers": {"user_ids": [str(org["editor"].user_id)]},
        "quorum": "any", "form_fields": [{"name": "ok", "type": "boolean"}],
        "escalation": {"remind_after_minutes": 5, "escalate_after_minutes": 10,
                       "escalate_to": {"role": "admin"}},
    }  # fmt: skip
    asyncio.run(PgApprovalGate(run_id, org.id).request(step_key="a", node_id="a", payload=payload))
    with session_scope() as s:
        approval = s.exec(select(Approval).where(Approval.run_id == run_id)).one()
    return org, approval.id


def test_email_link_is_single_use_and_only_for_its_approver(world):
    org, approval_id = world
    with session_scope() as s:
        approval = s.get(Approval, approval_id)
        token = notifications.create_link(s, approval, org["editor"].user_id)
    with session_scope() as s, pytest.raises(Forbidden):
        notifications.redeem_link(s, principal=org.principal(s, "admin"), token=token)
    with session_scope() as s, pytest.raises(NotFound):
        notifications.redeem_link(s, principal=org.principal(s, "editor"), token=token + "x")
    with session_scope() as s:
        found = notifications.redeem_link(s, principal=org.principal(s, "editor"), token=token)
        assert found == approval_id
    with session_scope() as s, pytest.raises(InvalidInput, match="already used"):
        notifications.redeem_link(s, principal=org.principal(s, "editor"), token=token)
    with session_scope() as s:
        assert token not in str([lk.token_hash for lk in s.exec(select(ApprovalLink))])


def test_reminder_then_escalation_widens_the_assignees(world):
    org, approval_id = world
    with session_scope() as s:
        assert notifications.sweep_deadlines(s) == {"reminded": 0, "escalated": 0}
    later = utcnow() + timedelta(minutes=11)
    with session_scope() as s:
        assert notifications.sweep_deadlines(s, now=later) == {"reminded": 1, "escalated": 1}
    with session_scope() as s:
        approval = s.get(Approval, approval_id)
        assert set(approval.assignee_ids) == {
            str(org[r].user_id) for r in ("editor", "admin", "owner")
        }
        assert notifications.sweep_deadlines(s, now=later) == {"reminded": 0, "escalated": 0}


def test_claim_blocks_others_and_reassign_moves_it(world):
    org, approval_id = world
    with session_scope() as s:
        approvals.set_claim(s, principal=org.principal(s, "editor"), approval_id=approval_id,
                            claim=True)  # fmt: skip
    with session_scope() as s, pytest.raises(Forbidden):
        approvals.set_claim(s, principal=org.principal(s, "viewer"), approval_id=approval_id,
                            claim=False)  # fmt: skip
    with session_scope() as s, pytest.raises(InvalidInput):
        approvals.reassign(s, principal=org.principal(s, "editor"), approval_id=approval_id,
                           user_id=org["viewer"].user_id)  # fmt: skip
    with session_scope() as s:
        approvals.reassign(s, principal=org.principal(s, "editor"), approval_id=approval_id,
                           user_id=org["admin"].user_id)  # fmt: skip
    with session_scope() as s:
        approval = s.get(Approval, approval_id)
        assert approval.assignee_ids == [str(org["admin"].user_id)] and approval.claimed_by is None
        with pytest.raises(Forbidden):
            approvals.decide(s, principal=org.principal(s, "editor"), approval_id=approval_id,
                             decision="approved")  # fmt: skip


def test_decision_history_csv_is_safe_for_spreadsheets(world):
    org, approval_id = world
    with session_scope() as s:
        editor = org.principal(s, "editor")
        approvals.decide(s, principal=editor, approval_id=approval_id, decision="rejected",
                         comment="=HYPERLINK()", data={"ok": "on"})  # fmt: skip
    with session_scope() as s:
        assert s.get(Approval, approval_id).decision["data"] == {"ok": True}
        text = approvals_export.export_csv(s, principal=org.principal(s, "viewer"))
        with pytest.raises(Conflict):
            approvals.decide(s, principal=org.principal(s, "editor"), approval_id=approval_id,
                             decision="approved")  # fmt: skip
    header, line = text.strip().splitlines()
    assert header.startswith("approval_id,agent,title,status")
    assert "'=HYPERLINK()" in line and ",Refund =5," in line and "rejected" in line
    assert org["editor"].email in line


def test_notification_preference_turns_emails_off(world):
    org, approval_id = world
    with session_scope() as s:
        notifications.set_email_preference(s, principal=org.principal(s, "editor"), enabled=False)
    with session_scope() as s:
        assert notifications.notify(s, approval_id=approval_id, event="reminder") == 0
        assert s.exec(select(Membership)).first() is not None
        assert s.get(Run, s.get(Approval, approval_id).run_id) is not None
    assert uuid.UUID(str(approval_id))
