"""The visual builder in a real browser, against the real app and a real worker.

Builds trigger -> LLM -> if/else -> two outputs by dragging from the palette and connecting
handles, configures the LLM through the inspector, publishes, runs the draft and watches the
nodes turn green, then checks refusals, undo and the runs pages. Screenshots go to
test-artifacts/screenshots/6x-*.png for review.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_onboarding import _at, _signup

pytestmark = pytest.mark.e2e

VIEWPORT = {"width": 1600, "height": 1000}


def _node(page, node_id: str):
    return page.get_by_test_id(f"node-{node_id}")


def _drop(page, node_type: str, x: int, y: int, node_id: str) -> None:
    canvas = page.get_by_test_id("canvas")
    # The palette floats over the canvas's left edge: ``x`` counts from its right side.
    x += int(page.get_by_test_id("palette").bounding_box()["width"]) + 24
    page.get_by_test_id(f"palette-{node_type}").drag_to(canvas, target_position={"x": x, "y": y})
    expect(_node(page, node_id)).to_be_visible()


def _connect(page, source: str, handle: str, target: str) -> None:
    page.get_by_test_id(f"handle-{source}-{handle}").drag_to(
        _node(page, target).locator(".react-flow__handle-left")
    )


def _edge_count(page, count: int) -> None:
    expect(page.locator(".react-flow__edge")).to_have_count(count)


def _move(page, node_id: str, dx: int, dy: int) -> None:
    """Drag a node; the drop (not the mouse moves) commits a new revision."""
    canvas = page.get_by_test_id("canvas")
    revision = canvas.get_attribute("data-revision")
    box = _node(page, node_id).bounding_box()
    page.mouse.move(box["x"] + 40, box["y"] + 12)
    page.mouse.down()
    page.mouse.move(box["x"] + 40 + dx, box["y"] + 12 + dy, steps=10)
    expect(canvas).to_have_attribute("data-revision", revision)
    page.mouse.up()
    expect(canvas).not_to_have_attribute("data-revision", revision)


def _field(page, key: str):
    return page.locator(f'#inspector [data-field="{key}"]')


def _create_agent(page, name: str) -> None:
    page.get_by_role("button", name="Create agent").first.click()
    page.get_by_placeholder("Support triage").fill(name)
    page.get_by_role("button", name="Create", exact=True).click()
    _at(page, "/agents/edit", "id=")
    expect(page.get_by_test_id("palette")).to_be_visible()


def _build(page, shot) -> None:
    _drop(page, "trigger", 130, 70, "trigger_1")
    _drop(page, "llm", 130, 220, "llm_1")
    _drop(page, "if_else", 130, 380, "if_else_1")
    _drop(page, "output", 430, 200, "output_1")
    _drop(page, "output", 430, 420, "output_2")
    shot(page, "60-builder-dropped")
    links = [
        ("trigger_1", "out", "llm_1"),
        ("llm_1", "out", "if_else_1"),
        ("if_else_1", "true", "output_1"),
        ("if_else_1", "false", "output_2"),
    ]
    for count, (source, handle, target) in enumerate(links, start=1):
        _connect(page, source, handle, target)
        expect(page.locator(f'.react-flow__edge[data-id^="e_{source}_{handle}_"]')).to_have_count(1)
        _edge_count(page, count)


def _configure_llm(page, shot) -> None:
    _node(page, "llm_1").click()
    expect(_field(page, "model")).to_be_visible()
    # A new step uses the organization's default; without a key that is the offline model.
    default = "Organization default (offline:extractive)"
    expect(_node(page, "llm_1")).to_contain_text(default)
    expect(_field(page, "model").get_by_role("combobox")).to_contain_text(default)
    _field(page, "model").get_by_role("combobox").click()
    page.get_by_role("option", name="offline:extractive", exact=True).click()
    expect(_node(page, "llm_1")).to_contain_text("offline:extractive · ")
    expect(_node(page, "llm_1")).not_to_contain_text("Organization default")
    prompt = _field(page, "prompt").locator("textarea")
    prompt.fill("Answer in one line:")
    prompt.blur()
    _field(page, "prompt").get_by_text("{{trigger_1.output.message}}", exact=True).click()
    expect(prompt).to_have_value("Answer in one line: {{trigger_1.output.message}}")
    expect(_node(page, "llm_1")).to_contain_text("{{trigger_1.output.message}}")
    shot(page, "61-builder-inspector")


def test_build_publish_run(new_page, shot):
    page = new_page(viewport=VIEWPORT)
    page.goto("/signup")
    # A busy machine can take a while to hydrate the first page: wait for the live form.
    create = page.get_by_role("button", name="Create account", exact=True)
    expect(create).to_be_enabled(timeout=60_000)
    _signup(page, name="Bea Builder", email="builder@example.com", org="Builders")
    _at(page, "/agents")
    _create_agent(page, "Support triage")
    _build(page, shot)

    # A refused connection says why, and draws nothing.
    _connect(page, "if_else_1", "false", "llm_1")
    expect(page.get_by_test_id("refusal")).to_contain_text("already has an input")
    _edge_count(page, 4)

    _configure_llm(page, shot)
    _move(page, "output_2", 40, 60)
    page.get_by_role("tab", name=re.compile("Problems")).click()
    expect(page.locator("#problems")).to_contain_text("No problems")

    # Drafts autosave: a reload shows the same graph.
    page.reload()
    expect(_node(page, "output_2")).to_be_visible()
    _edge_count(page, 4)
    page.get_by_role("button", name="Auto-layout").click()
    expect(_node(page, "output_2")).to_be_in_viewport()
    page.wait_for_timeout(400)  # the fit-view animation
    shot(page, "62-builder-graph")

    page.get_by_role("button", name="Publish").click()
    page.get_by_placeholder("What changed?").fill("First version")
    page.get_by_role("dialog").get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Published version 1.")).to_be_visible()

    page.get_by_role("tab", name="Test run").click()
    page.get_by_role("button", name="Run test").click()
    expect(_node(page, "output_1")).not_to_have_attribute("data-status", "")
    shot(page, "63-builder-run-live")
    for node_id in ("trigger_1", "llm_1", "if_else_1", "output_1"):
        expect(_node(page, node_id)).to_have_attribute("data-status", "succeeded", timeout=60_000)
    expect(_node(page, "output_2")).to_have_attribute("data-status", "")
    page.locator("#test-steps").get_by_text("llm_1", exact=True).click()
    expect(page.locator("#step-inspector")).to_contain_text("Output")
    shot(page, "64-builder-run-succeeded")

    # Delete a node, then undo brings it (and its edge) back.
    _node(page, "output_2").click()
    page.keyboard.press("Delete")
    expect(_node(page, "output_2")).to_have_count(0)
    _edge_count(page, 3)
    page.keyboard.press("Control+z")
    expect(_node(page, "output_2")).to_be_visible()
    _edge_count(page, 4)
    shot(page, "65-builder-undo")

    page.get_by_role("button", name="History").click()
    expect(page.get_by_role("dialog")).to_contain_text("First version")
    shot(page, "66-builder-history")
    page.keyboard.press("Escape")

    page.goto("/runs")
    row = page.get_by_role("row").filter(has_text="Support triage")
    expect(row).to_contain_text("succeeded")
    shot(page, "67-runs")
    row.get_by_role("link", name="Support triage").click()
    _at(page, "/runs/detail", "id=")
    expect(_node(page, "output_1")).to_have_attribute("data-status", "succeeded")
    shot(page, "68-run-detail")

    page.goto("/agents")
    expect(page.get_by_role("row").filter(has_text="Support triage")).to_contain_text("published")
    shot(page, "69-agents")
