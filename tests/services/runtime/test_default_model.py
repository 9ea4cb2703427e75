"""A graph left on the organization's default model runs on real workers, with or without keys.

Without any LLM credential the default is ``offline:extractive``; with an OpenAI-compatible
credential it is that server's model. The step (row, output and run events) names the model
that answered.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.services.runtime.conftest import V1, execute, publish, steps, wait_status


def _default_model_graph() -> dict[str, Any]:
    """trigger -> llm (no model: the org default) -> classifier (no model) -> output."""
    categories = [{"id": "order", "name": "Order"}, {"id": "other", "name": "Other"}]
    return {
        "nodes": [
            {"id": "trigger_1", "type": "trigger", "data": {"kind": "manual"}},
            {"id": "llm_1", "type": "llm", "data": {"prompt": "Reply to: {{inputs.message}}"}},
            {"id": "classifier_1", "type": "classifier", "data": {"categories": categories}},
            {"id": "output_1", "type": "output", "data": {"value": "{{llm_1.output}}"}},
        ],
        "edges": [
            {"id": "e1", "source": "trigger_1", "target": "llm_1"},
            {"id": "e2", "source": "llm_1", "target": "classifier_1"},
            {"id": "e3", "source": "classifier_1", "sourceHandle": "order", "target": "output_1"},
            {"id": "e4", "source": "classifier_1", "sourceHandle": "other", "target": "output_1"},
        ],
    }


def _run(client: Any, org: Any) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    h = org["editor"].headers
    agent_id = publish(client, h, _default_model_graph(), name="Defaults")
    message = "Your order ships Monday. When does my order ship?"
    run_id = execute(client, h, agent_id, {"message": message})
    done = wait_status(client, h, run_id, {"succeeded", "failed"})
    events = client.get(f"{V1}/executions/{run_id}/logs", headers=h).json()
    return done, steps(client, h, run_id), events


def _completed_models(events: list[dict[str, Any]]) -> dict[str, str | None]:
    return {
        e["node_id"]: (e.get("data") or {}).get("model")
        for e in events
        if e["type"] == "step_completed"
    }


def test_without_a_credential_the_default_model_is_offline(client, org, worker, runtime_env):
    done, by_key, events = _run(client, org)
    assert done["status"] == "succeeded", done["error"]
    assert done["output"]["model"] == "offline:extractive"
    assert done["output"]["text"] == "Your order ships Monday."
    for key in ("llm_1", "classifier_1"):
        assert by_key[key]["model"] == "offline:extractive"
    assert _completed_models(events)["llm_1"] == "offline:extractive"


@pytest.fixture
def compat_server(runtime_env):
    from tests.integrations.llm_wire_servers import wire_server

    with wire_server() as server:
        listed = {"object": "list", "data": [{"id": "qwen2.5:7b", "object": "model"}]}
        server.add_route("GET", "/v1/models", body=json.dumps(listed))
        server.default.text = '{"category": "Order"}'
        yield server


def _compat_credential(org: Any, base_url: str, **data: str) -> None:
    from agent_platform.db import session_scope
    from agent_platform.services.credentials import store as credentials

    with session_scope() as s:
        credentials.create_credential(
            s, principal=org.principal(s), name="Local LLM", kind="llm_provider",
            provider="compat", data={"base_url": base_url, **data},
        )  # fmt: skip


def test_with_a_compat_credential_the_default_is_its_servers_model(
    client, org, worker, compat_server
):
    _compat_credential(org, compat_server.openai_base_url)
    done, by_key, events = _run(client, org)
    assert done["status"] == "succeeded", done["error"]
    assert done["output"] == {
        "text": '{"category": "Order"}', "model": "compat:qwen2.5:7b", "finish_reason": "stop",
    }  # fmt: skip
    assert by_key["llm_1"]["model"] == by_key["classifier_1"]["model"] == "compat:qwen2.5:7b"
    assert _completed_models(events)["classifier_1"] == "compat:qwen2.5:7b"
    sent = [r.json["model"] for r in compat_server.requests if r.method == "POST"]
    assert sent == ["qwen2.5:7b", "qwen2.5:7b"]


def test_a_model_saved_on_the_credential_is_the_default(client, org, worker, compat_server):
    _compat_credential(org, compat_server.openai_base_url, model="llama3:8b")
    done, by_key, _ = _run(client, org)
    assert done["status"] == "succeeded", done["error"]
    assert by_key["llm_1"]["model"] == "compat:llama3:8b"
    assert all(r.method == "POST" for r in compat_server.requests)  # no need to list models
