"""The builder on a 1280x860 laptop window, and the sub-agent picker.

The canvas is the page: measured with the floating palette and panel open and collapsed; fit
view keeps titles legible (zoom >= 0.75); the minimap is small and off by default. A new
sub-agent step asks for an agent and offers the org's other published agents. Screenshots go
to test-artifacts/screenshots/8x-*.png for review.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from agent_platform.engine.registry import describe, get_node_type
from tests.api.conftest import build_org
from tests.e2e.reach import LAPTOP, graph, make_agent, node, open_builder, sign_in, zoom

pytestmark = pytest.mark.e2e


def _five() -> dict:
    """trigger -> llm -> if/else -> two outputs, laid out left to right."""
    at = {"trigger_1": (0, 0), "llm_1": (280, 0), "if_else_1": (560, 0)}
    at |= {"output_1": (840, -110), "output_2": (840, 130)}
    nodes = [
        {
            "id": node_id,
            "type": node_id.rsplit("_", 1)[0],
            "data": dict(describe(get_node_type(node_id.rsplit("_", 1)[0]))["default_config"]),
            "position": {"x": x, "y": y},
        }
        for node_id, (x, y) in at.items()
    ]
    edges = [
        {"id": "e1", "source": "trigger_1", "target": "llm_1"},
        {"id": "e2", "source": "llm_1", "target": "if_else_1"},
        {"id": "e3", "source": "if_else_1", "sourceHandle": "true", "target": "output_1"},
        {"id": "e4", "source": "if_else_1", "sourceHandle": "false", "target": "output_2"},
    ]
    return {"nodes": nodes, "edges": edges}


def _box(locator) -> dict:
    box = locator.bounding_box()
    assert box, locator
    return box


def test_the_canvas_is_the_page_on_a_laptop(new_page, shot):
    org = build_org("lap")
    agent_id = make_agent(org, "Triage", _five(), publish=False)
    page = new_page(viewport=LAPTOP)
    sign_in(page, org["owner"])
    open_builder(page, agent_id)
    expect(node(page, "output_2")).to_be_visible()
    page.wait_for_timeout(500)  # the first fit view

    # Panels open: they float over the canvas, and leave >= 700 px between them.
    canvas = _box(page.get_by_test_id("canvas"))
    palette = _box(page.get_by_test_id("palette"))
    panel = _box(page.locator("#builder-panel"))
    free = panel["x"] - (palette["x"] + palette["width"])
    assert free >= 700 and canvas["height"] >= 700, (free, canvas)
    assert zoom(page) >= 0.75
    expect(page.locator(".react-flow__minimap")).to_have_count(0)
    shot(page, "80-laptop-panels-open")

    # Panels collapsed: the canvas is the window under the bars.
    page.get_by_role("button", name="Hide steps").click()
    page.get_by_role("button", name="Hide panel").click()
    expect(page.locator("#builder-panel")).to_have_count(0)
    page.get_by_test_id("fit-view").click()
    page.wait_for_timeout(400)  # the fit-view animation
    canvas = _box(page.get_by_test_id("canvas"))
    assert canvas["width"] >= 1100 and canvas["height"] >= 700, canvas
    assert zoom(page) >= 0.75
    for node_id in ("trigger_1", "llm_1", "if_else_1", "output_1", "output_2"):
        expect(node(page, node_id)).to_be_in_viewport()
    title = _box(node(page, "llm_1").locator(".apf-title"))
    assert title["height"] >= 12, title  # 13 px text at >= 0.75 zoom: readable

    # The minimap is opt-in and small.
    page.get_by_test_id("minimap-toggle").click()
    minimap = _box(page.locator(".react-flow__minimap"))
    assert minimap["width"] <= 180 and minimap["height"] <= 120, minimap
    assert minimap["width"] * minimap["height"] <= 0.03 * canvas["width"] * canvas["height"]
    shot(page, "81-laptop-panels-collapsed")


def test_a_sub_agent_step_picks_a_published_agent(new_page, shot):
    org = build_org("subs")
    make_agent(org, "Writer", graph({"kind": "manual"}), publish=True)
    make_agent(org, "Sketch", graph({"kind": "manual"}), publish=False)
    agent_id = make_agent(org, "Triage", graph({"kind": "manual"}), publish=True)
    page = new_page(viewport=LAPTOP)
    sign_in(page, org["owner"])
    open_builder(page, agent_id)
    page.get_by_test_id("palette-sub_agent").click()
    expect(node(page, "sub_agent_1")).to_be_visible()
    expect(page.get_by_test_id("problems-sub_agent_1")).to_be_visible()
    picker = page.locator('#inspector [data-field="agent_id"]').get_by_role("combobox")
    expect(picker).to_contain_text("Choose an agent")
    page.get_by_role("tab", name="Problems").click()
    expect(page.locator("#problems")).to_contain_text("Choose the agent to run")
    page.get_by_role("tab", name="Inspector").click()
    picker.click()
    expect(page.get_by_role("option")).to_have_text(["Writer"])  # not Sketch, not Triage itself
    shot(page, "82-sub-agent-picker")
    page.get_by_role("option", name="Writer").click()
    expect(picker).to_contain_text("Writer")
    page.get_by_role("tab", name="Problems").click()
    expect(page.locator("#problems")).not_to_contain_text("Choose the agent to run")
    shot(page, "83-sub-agent-chosen")
