"""Helpers for the egress attacks: credentials and graphs over the API, the network fakes.

``Listener`` and ``FakeDNS`` live with the integration tests (``tests/integrations/net_fakes``).
"""

from __future__ import annotations

from typing import Any

from tests.integrations.net_fakes import FakeDNS as FakeDNS
from tests.integrations.net_fakes import Listener as Listener
from tests.services.runtime.conftest import V1, publish, steps


def create_credential(client: Any, headers: dict[str, str], **body: Any) -> str:
    """``POST /credentials``; returns the new credential's id."""
    resp = client.post(f"{V1}/credentials", json=body, headers=headers)
    assert resp.status_code == 201, resp.text
    return resp.json()["id"]


def run_graph(client: Any, headers: dict[str, str], graph: dict[str, Any]) -> dict[str, Any]:
    """Publish ``graph``, execute it with ``wait`` and return the execution with its steps."""
    agent_id = publish(client, headers, graph, name="Innocent agent")
    resp = client.post(
        f"{V1}/agents/{agent_id}/execute",
        json={"inputs": {}, "wait": True, "timeout_s": 60},
        headers=headers,
    )
    assert resp.status_code == 200, resp.text
    execution = resp.json()
    execution["steps"] = steps(client, headers, execution["id"])
    return execution


def one_step_graph(node_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """trigger -> ``node_type`` (id ``step_1``) -> output (the step's output)."""
    return {
        "nodes": [
            {"id": "trigger_1", "type": "trigger", "data": {"kind": "api"}},
            {"id": "step_1", "type": node_type, "data": data},
            {"id": "output_1", "type": "output", "data": {"value": "{{step_1.output}}"}},
        ],
        "edges": [
            {"id": "e1", "source": "trigger_1", "target": "step_1"},
            {"id": "e2", "source": "step_1", "target": "output_1"},
        ],
    }


def llm_graph(credential_id: str, model: str = "compat:llama3") -> dict[str, Any]:
    """An llm step on ``credential_id`` with ``model`` (``provider:name``)."""
    data = {"model": model, "credential_id": credential_id, "prompt": "Say hi", "stream": False}
    return one_step_graph("llm", data)
