"""Helpers of the "as a new user meets it" browser tests: seeded orgs and agents, sign-in."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.e2e.test_onboarding import _at, _login

LAPTOP = {"width": 1280, "height": 860}


def graph(trigger: dict[str, Any], value: str = "done") -> dict[str, Any]:
    """``trigger_1`` (with ``trigger`` as its data) -> ``output_1`` (``value``)."""
    return {
        "nodes": [
            {"id": "trigger_1", "type": "trigger", "data": trigger, "position": {"x": 0, "y": 0}},
            {
                "id": "output_1",
                "type": "output",
                "data": {"value": value},
                "position": {"x": 320, "y": 0},
            },
        ],
        "edges": [{"id": "e1", "source": "trigger_1", "target": "output_1"}],
    }


def make_agent(org, name: str, definition: dict[str, Any], *, publish: bool) -> str:
    """Create (and publish) an agent as the org's owner; its id."""
    from agent_platform.db import session_scope
    from agent_platform.services.agents import agents

    with session_scope() as s:
        owner = org.principal(s)
        agent = agents.create_agent(s, principal=owner, name=name, draft_definition=definition)
        if publish:
            agents.publish_agent(s, principal=owner, agent_id=agent.id)
        return str(agent.id)


def sign_in(page, member) -> None:
    """Log ``member`` in and wait for the agents list."""
    page.goto("/login")
    # A busy machine can take a while to hydrate the first page: wait for the live form.
    expect(page.get_by_role("button", name="Log in", exact=True)).to_be_enabled(timeout=60_000)
    _login(page, member.email)
    _at(page, "/agents")


def open_builder(page, agent_id: str) -> None:
    """Open the builder of ``agent_id`` and wait for its canvas."""
    page.goto(f"/agents/edit?id={agent_id}")
    _at(page, "/agents/edit", "id=")
    expect(page.get_by_test_id("canvas")).to_be_visible()


def node(page, node_id: str):
    """A node card on the canvas."""
    return page.get_by_test_id(f"node-{node_id}")


def zoom(page) -> float:
    """The canvas's rendered zoom (the scale of React Flow's viewport transform)."""
    transform = page.locator(".react-flow__viewport").evaluate("e => getComputedStyle(e).transform")
    found = re.match(r"matrix\(([-\d.e]+)", transform)
    assert found, transform
    return float(found.group(1))
