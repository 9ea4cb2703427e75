"""What a new user can reach: navigation, running by hand, webhook and notification settings.

Each flow starts from a seeded organization and goes through the real app and worker.
Screenshots go to test-artifacts/screenshots/7x-*.png for review.
"""

from __future__ import annotations

import json
import time
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.api.conftest import build_org
from tests.e2e.reach import LAPTOP, graph, make_agent, node, open_builder, sign_in
from tests.e2e.test_onboarding import _at

pytestmark = pytest.mark.e2e


def test_conversations_test_chat_and_widget_are_in_the_navigation(new_page, shot):
    org = build_org("nav")
    make_agent(org, "Support bot", graph({"kind": "chat"}, "{{inputs.message}}"), publish=True)
    page = new_page(viewport=LAPTOP)
    sign_in(page, org["owner"])
    page.get_by_role("link", name="Conversations", exact=True).click()
    _at(page, "/conversations")
    expect(page.get_by_role("heading", name="Conversations", exact=True)).to_be_visible()
    shot(page, "70-nav-conversations")

    page.get_by_role("link", name="Agents", exact=True).click()
    page.get_by_role("link", name="Support bot").click()
    _at(page, "/agents/edit", "id=")
    page.get_by_role("link", name="Test chat").click()
    _at(page, "/agents/chat", "id=")
    expect(page.get_by_text("Chat with the draft of Support bot")).to_be_visible()
    shot(page, "71-nav-test-chat")
    page.get_by_role("link", name="Publish to website").click()
    _at(page, "/agents/widget", "id=")
    expect(page.get_by_role("heading", name="Publish to website")).to_be_visible()
    shot(page, "72-nav-widget")
    page.get_by_role("link", name="Builder").click()
    _at(page, "/agents/edit", "id=")
    # The builder gives the canvas the window: the navigation is in the menu.
    page.get_by_role("button", name="Menu", exact=True).click()
    expect(page.get_by_role("dialog").get_by_role("link", name="Conversations")).to_be_visible()


def test_run_a_published_agent_by_hand(new_page, shot):
    org = build_org("run")
    fields = [
        {"name": "topic", "label": "Topic", "type": "text", "required": True},
        {"name": "count", "type": "number"},
    ]
    definition = graph(
        {"kind": "manual", "input_fields": fields}, "{{inputs.topic}} x{{inputs.count}}"
    )
    agent_id = make_agent(org, "Digest", definition, publish=True)
    make_agent(org, "Sketch", graph({"kind": "manual"}), publish=False)
    page = new_page(viewport=LAPTOP)
    sign_in(page, org["editor"])
    run = page.get_by_role("row").filter(has_text="Digest").get_by_role("button", name="Run Digest")
    expect(run).to_be_visible()
    sketch = page.get_by_role("row").filter(has_text="Sketch")
    expect(sketch.get_by_role("button", name="Run Sketch")).to_have_count(0)  # not published
    run.click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Run Digest")
    dialog.locator('[data-input="topic"] textarea').fill("refunds")
    dialog.locator('[data-input="count"] input').fill("3")
    shot(page, "73-run-dialog")
    dialog.get_by_role("button", name="Start run").click()
    _at(page, "/runs/detail", "id=")
    expect(node(page, "output_1")).to_have_attribute("data-status", "succeeded", timeout=60_000)
    expect(page.get_by_text("refunds x3")).to_have_count(2)  # the step and the run's output
    shot(page, "74-run-live")

    open_builder(page, agent_id)
    page.get_by_role("button", name="Run", exact=True).click()
    expect(page.get_by_role("dialog")).to_contain_text("Topic")


def _post_signed(url: str, secret: str) -> int:
    from agent_platform.services.runs import firing

    body, ts = json.dumps({"message": "from the sender"}).encode(), str(int(time.time()))
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-Timestamp": ts,
            "X-Signature": firing.sign(secret, ts, body),
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def test_webhook_trigger_url_and_secret_in_the_inspector(new_page, shot):
    org = build_org("hook")
    agent_id = make_agent(org, "Hooked", graph({"kind": "webhook"}), publish=True)
    page = new_page(viewport=LAPTOP)
    sign_in(page, org["admin"])
    open_builder(page, agent_id)
    node(page, "trigger_1").click()
    panel = page.locator("#webhook-panel")
    expect(panel).to_contain_text("live")
    panel.get_by_role("button", name="Show URL and secret").click()
    url = page.locator("#webhook-url")
    expect(url).to_contain_text("/api/v1/hooks/")
    expect(panel.get_by_role("button", name="Copy webhook URL")).to_be_visible()
    expect(panel.get_by_role("button", name="Copy signing secret")).to_be_visible()
    first = url.inner_text()
    shot(page, "75-webhook-inspector")

    panel.get_by_role("button", name="Rotate").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Rotate").click()
    expect(url).not_to_have_text(first)
    # What the inspector shows is what a sender needs: a signed POST starts a run.
    assert _post_signed(url.inner_text(), page.locator("#webhook-secret").inner_text()) == 202

    editor = new_page(viewport=LAPTOP)
    sign_in(editor, org["editor"])
    open_builder(editor, agent_id)
    node(editor, "trigger_1").click()
    expect(editor.locator("#webhook-panel")).to_contain_text("Only admins and owners")
    expect(editor.get_by_role("button", name="Show URL and secret")).to_have_count(0)
    shot(editor, "76-webhook-editor")


def test_notification_settings(new_page, shot):
    from agent_platform.db import session_scope
    from agent_platform.services.approvals import notifications

    org = build_org("notes")
    make_agent(org, "Replies", graph({"kind": "manual"}), publish=False)
    page = new_page(viewport=LAPTOP)
    sign_in(page, org["admin"])
    page.get_by_role("link", name="Settings", exact=True).click()
    _at(page, "/settings/organization")
    page.get_by_role("link", name="Notifications", exact=True).click()
    _at(page, "/settings/notifications")
    expect(page.get_by_text("Approval webhooks")).to_be_visible()  # loaded (editors and up)
    switch = page.locator("#approval-email")
    expect(switch).to_have_attribute("aria-checked", "true")
    switch.click()
    expect(page.get_by_text("Approval emails off.")).to_be_visible()
    with session_scope() as s:
        assert notifications.get_email_preference(s, principal=org.principal(s, "admin")) is False

    page.get_by_placeholder("https://example.com/hooks/approvals").fill(
        "https://hooks.example.com/a"
    )
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Approval webhook saved.")).to_be_visible()
    page.get_by_role("button", name="Show signing secret").click()
    expect(page.locator("#approval-webhook-secret")).to_contain_text("whsec_")
    shot(page, "77-settings-notifications")
    page.reload()
    expect(page.locator("#approval-email")).to_have_attribute("aria-checked", "false")
    expect(page.get_by_placeholder("https://example.com/hooks/approvals")).to_have_value(
        "https://hooks.example.com/a"
    )
