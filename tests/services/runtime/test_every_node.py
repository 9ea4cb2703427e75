"""A scenario using every shipped node type runs from the API on real workers.

Each registered type (a new one included) also runs its own example graph, with fakes, in
``tests/engine/test_all_nodes.py``; this scenario is the real-services check of the shipped ones.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import wait_until
from tests.engine.nodes import SHIPPED_TYPES
from tests.services.runtime.conftest import V1, execute, load_graph, publish, steps, wait_status


def _knowledge_base(client: Any, h: dict[str, str]) -> str:
    """A knowledge base with one ingested document, through the API and the real worker."""
    kb = client.post(f"{V1}/knowledge-bases", json={"name": "Shipping"}, headers=h)
    assert kb.status_code == 201, kb.text
    kb_id = kb.json()["id"]
    text = b"Shipping policy. Orders ship in two days from our warehouse in Lyon."
    doc = client.post(
        f"{V1}/knowledge-bases/{kb_id}/documents",
        files={"file": ("shipping.txt", text, "text/plain")},
        headers=h,
    )
    assert doc.status_code == 202, doc.text

    def ready():
        got = client.get(f"{V1}/knowledge-bases/{kb_id}/documents/{doc.json()['id']}", headers=h)
        return got.json()["status"] in ("ready", "failed") and got.json()

    assert wait_until(ready, timeout=180)["status"] == "ready"
    return kb_id


def _run_every_node(client: Any, org: Any, target: Any, model: str) -> dict[str, Any]:
    h = org["editor"].headers
    writer = publish(client, h, load_graph("writer.json"), name="Writer")
    kb_id = _knowledge_base(client, h)
    graph = load_graph("every_node.json", TARGET=target.url, WRITER=writer, MODEL=model, KB=kb_id)
    types = {n["type"] for n in graph["nodes"]}
    assert types >= SHIPPED_TYPES
    agent_id = publish(client, h, graph, name="Everything")
    inputs = {"message": "Where is my order question?", "items": [1, 2, 3]}
    run_id = execute(client, h, agent_id, inputs)

    paused = wait_status(client, h, run_id, {"paused", "failed", "succeeded"})
    assert paused["status"] == "paused", paused["error"]
    before = steps(client, h, run_id)
    assert before["approval_1"]["status"] == "paused"
    approvals = client.get(f"{V1}/executions/{run_id}/logs", headers=h).json()
    assert "waiting_approval" in {e["type"] for e in approvals}

    approval_id = _approval_id(run_id)
    resp = client.post(
        f"{V1}/approvals/{approval_id}/decision", json={"decision": "approved"}, headers=h
    )
    assert resp.status_code == 200, resp.text
    done = wait_status(client, h, run_id, {"succeeded", "failed"})
    assert done["status"] == "succeeded", done["error"]
    after = steps(client, h, run_id)
    ran = {s["node_type"] for s in after.values() if s["status"] == "succeeded"}
    assert ran == types  # every node type of the scenario ran
    assert target.hits["/ok"] == 1  # http_1 ran once, not again on resume
    assert done["output"]["doubled"] == [2, 4, 6]
    assert done["output"]["sub"] == f"written: {done['output']['llm']}"
    assert done["output"]["approved_by"] == str(org["editor"].user_id)
    assert "[1]" in done["output"]["kb"] and "Lyon" in done["output"]["kb"]
    return done


def _approval_id(run_id: str) -> str:
    import uuid

    from sqlmodel import select

    from agent_platform.db import session_scope
    from agent_platform.models import Approval

    with session_scope() as s:
        return str(s.exec(select(Approval.id).where(Approval.run_id == uuid.UUID(run_id))).one())


def test_every_node_type_offline(client, org, worker, runtime_env, target):
    done = _run_every_node(client, org, target, "offline:extractive")
    assert "two days" in done["output"]["llm"]


@pytest.fixture
def openai_wire(runtime_env, monkeypatch):
    from agent_platform.settings import get_settings
    from tests.integrations.llm_wire_servers import wire_server

    with wire_server() as server:
        monkeypatch.setenv("RUNTIME__OPENAI_BASE_URL", server.openai_base_url)
        get_settings.cache_clear()
        yield server
    get_settings.cache_clear()


def test_every_node_type_through_the_openai_wire_protocol(client, org, worker, target, openai_wire):
    from agent_platform.db import session_scope
    from agent_platform.services.credentials import store as credentials

    with session_scope() as s:
        credentials.create_credential(
            s, principal=org.principal(s), name="OpenAI", kind="llm_provider",
            provider="openai", data={"api_key": "sk-test-runtime"},
        )  # fmt: skip
    reply = '{"category": "Question about an order"}'  # classifier, LLM and agent get it
    openai_wire.default.text = reply
    done = _run_every_node(client, org, target, "openai:gpt-4o-mini")
    assert done["output"]["llm"] == reply
    assert len(openai_wire.requests) >= 3
    assert all(
        r.headers.get("authorization") == "Bearer sk-test-runtime" for r in openai_wire.requests
    )
