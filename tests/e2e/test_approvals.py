"""Approvals in a real browser: email link, edited form, exactly-once resume, roles.

A run pauses at an approval assigned to the editor; the editor gets the email (real SMTP
sink), opens the one-time link, logs in, edits the reply and approves; the run resumes with
the edited value. A viewer and a non-assignee see no form and the API refuses them.
"""

from __future__ import annotations

import re
import urllib.parse

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from tests.conftest import wait_until

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery"


def _login(page, email: str) -> None:
    expect(page.get_by_role("button", name="Log in", exact=True)).to_be_enabled()
    page.get_by_placeholder("you@company.com").fill(email)
    page.get_by_placeholder("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()


def _paused_run(org):
    """Publish the review graph (approver: the editor) and start it as the owner."""
    from agent_platform.db import session_scope
    from agent_platform.models import Approval, Run
    from agent_platform.services.agents import agents
    from agent_platform.services.runs import runs
    from tests.services.approvals.conftest import review_graph

    with session_scope() as s:
        owner = org.principal(s, "owner")
        agent = agents.create_agent(s, principal=owner, name="Support replies")
        graph = review_graph(str(org["editor"].user_id))
        agents.publish_agent(s, principal=owner, agent_id=agent.id, definition=graph)
        run = runs.start_run(
            s, principal=owner, agent_id=agent.id, inputs={"customer": "Ada", "draft": "Hello Ada"}
        )
        run_id = run.id

    def paused():
        with session_scope() as s:
            found = s.get(Run, run_id)
            approval = s.exec(select(Approval).where(Approval.run_id == run_id)).first()
            return approval if found.status == "paused" and approval else None

    return run_id, wait_until(paused, timeout=60).id


def _decide_api(member, approval_id) -> int:
    from fastapi.testclient import TestClient

    from agent_platform.api.app import create_api

    with TestClient(create_api()) as client:
        return client.post(
            f"/api/v1/approvals/{approval_id}/decision",
            json={"decision": "approved", "data": {"reply": "sneaky"}},
            headers=member.headers,
        ).status_code


def test_approver_opens_email_link_edits_and_approves(new_page, shot, mailbox):
    from agent_platform.db import session_scope
    from agent_platform.models import Run
    from tests.api.conftest import build_org

    org = build_org("acme")
    run_id, approval_id = _paused_run(org)
    editor = org["editor"]

    # The editor's email holds a one-time link through log-in.
    body = mailbox.wait_for(editor.email, timeout=60).get_payload(decode=True).decode()
    link = re.search(r"http\S+/login\?next=\S+", body)
    assert link, body
    path = urllib.parse.urlsplit(link.group(0))
    page = new_page()
    page.goto(f"{path.path}?{path.query}")
    _login(page, editor.email)
    page.wait_for_url(re.compile(r"/approvals/?\?"))
    expect(page.get_by_role("heading", name="Send reply to Ada?")).to_be_visible()
    expect(page.get_by_text("Run context")).to_be_visible()
    expect(page.locator("#approvals-badge")).to_have_text("1")
    reply = page.locator("textarea[name=reply]")
    expect(reply).to_have_value("Hello Ada")
    shot(page, "60-approval-open")
    reply.fill("Hello Ada, your refund is on its way.")
    page.locator("textarea[name=__comment]").fill("Tone is fine")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Outcome:")).to_be_visible()
    shot(page, "61-approval-decided")

    def finished():
        with session_scope() as s:
            run = s.get(Run, run_id)
            return run if run.status in ("succeeded", "failed") else None

    run = wait_until(finished, timeout=60)
    assert run.output == "sent: Hello Ada, your refund is on its way.", (run.status, run.error)
    # Exactly once: a second decision (link reused, API) is refused.
    assert _decide_api(editor, approval_id) == 409
    page.goto(f"{path.path}?{path.query}")
    expect(page.get_by_text("already used")).to_be_visible()
    expect(page.locator("#approvals-badge")).to_have_count(0)

    # The owner sees the decision in the inbox history and on the run.
    owner = new_page()
    owner.goto("/approvals")
    _login(owner, org["owner"].email)
    owner.wait_for_url(re.compile(r"/approvals"))
    owner.get_by_role("tab", name=re.compile("Decided")).click()
    expect(owner.get_by_role("cell", name=editor.email)).to_be_visible()
    shot(owner, "62-approvals-decided-tab")
    owner.get_by_role("button", name="Open").first.click()
    expect(owner.get_by_text("Tone is fine").first).to_be_visible()
    expect(owner.get_by_text("approved", exact=True).first).to_be_visible()
    shot(owner, "63-approval-history")


def test_viewer_and_non_assignee_cannot_decide(new_page, shot):
    from tests.api.conftest import build_org

    org = build_org("acme")
    _, approval_id = _paused_run(org)
    for role in ("viewer", "admin"):
        assert _decide_api(org[role], approval_id) == 403
        page = new_page()
        page.goto("/login")
        _login(page, org[role].email)
        page.wait_for_url(re.compile(r"/agents"))
        page.goto(f"/approvals?id={approval_id}")
        expect(page.get_by_role("heading", name="Send reply to Ada?")).to_be_visible()
        expect(page.get_by_text("Only the assigned approvers can decide")).to_be_visible()
        expect(page.get_by_role("button", name="Approve")).to_have_count(0)
        shot(page, f"64-approval-{role}")
    inbox = new_page()
    inbox.goto("/login")
    _login(inbox, org["editor"].email)
    inbox.wait_for_url(re.compile(r"/agents"))
    inbox.goto("/approvals")
    expect(inbox.get_by_text("Waiting for you")).to_be_visible()
    expect(inbox.locator("#approvals-badge")).to_have_text("1")
    shot(inbox, "65-approvals-inbox")
