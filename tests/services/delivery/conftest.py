"""Delivery test fixtures: a published chat agent, its widget, and HTTP helpers.

Runs execute on a real Dramatiq worker (threads in this process, the ``worker`` fixture) with
the offline extractive LLM, against the suite's real Postgres and Redis.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.api.conftest import build_org

V1 = "/api/v1"
FACTS = (
    "The Lisbon store opens at 9am on weekdays. Refunds are paid back within 5 business days. "
    "Shipping to Portugal is free for orders over 50 euros."
)
SITE = "http://127.0.0.1:9999"


def chat_graph(system_prompt: str = FACTS, kind: str = "chat") -> dict[str, Any]:
    """Chat trigger -> offline LLM answering from ``system_prompt`` -> output."""
    return {
        "nodes": [
            {"id": "trigger_1", "type": "trigger", "data": {"kind": kind}},
            {
                "id": "llm_1",
                "type": "llm",
                "data": {
                    "model": "offline:extractive",
                    "system_prompt": system_prompt,
                    "prompt": "{{inputs.message}}",
                },
            },
            {"id": "output_1", "type": "output", "data": {"value": "{{llm_1.output.text}}"}},
        ],
        "edges": [
            {"id": "e1", "source": "trigger_1", "target": "llm_1"},
            {"id": "e2", "source": "llm_1", "target": "output_1"},
        ],
    }


@dataclass
class Published:
    """A published chat agent with its widget."""

    org: Any
    agent_id: str
    slug: str
    public_key: str
    secret: str


def publish(client: Any, headers: dict[str, str], graph: dict[str, Any], name: str) -> dict:
    resp = client.post(f"{V1}/agents", json={"name": name}, headers=headers)
    assert resp.status_code == 201, resp.text
    agent = resp.json()
    resp = client.post(
        f"{V1}/agents/{agent['id']}/publish", json={"definition": graph}, headers=headers
    )
    assert resp.status_code == 201, resp.text
    return agent


def make_widget(org: Any, agent_id: str, origins: list[str]) -> tuple[str, str]:
    """Configure the agent's widget as its owner; returns ``(public_key, secret)``."""
    import uuid

    from agent_platform.db import session_scope
    from agent_platform.services.delivery import widgets

    with session_scope() as s:
        widget = widgets.update_widget(
            s, principal=org.principal(s), agent_id=uuid.UUID(agent_id),
            allowed_origins=origins, theme={"title": "Help desk", "starters": ["Opening hours?"]},
        )  # fmt: skip
        return widget.public_key, widgets.widget_secret(widget)


@pytest.fixture
def org(db: None) -> Any:
    return build_org("acme")


@pytest.fixture
def client(db: None) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from agent_platform.api.app import create_api

    with TestClient(create_api()) as test_client:
        yield test_client


@pytest.fixture
def published(client: Any, org: Any) -> Published:
    agent = publish(client, org["owner"].headers, chat_graph(), "Help Desk")
    key, secret = make_widget(org, agent["id"], [SITE])
    return Published(org, agent["id"], agent["slug"], key, secret)


def sse_events(text: str) -> list[tuple[str, Any]]:
    """``(event, data)`` pairs of an SSE body (comments skipped)."""
    out = []
    for frame in text.split("\n\n"):
        name, data = "message", ""
        for line in frame.splitlines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                data += line[6:]
        if data:
            out.append((name, data if data == "[DONE]" else json.loads(data)))
    return out
