"""A new organization with no LLM key: a chat agent on the default model answers everywhere.

The agent's ``llm`` node keeps the default model (the organization's default, which is
``offline:extractive`` without a credential) and a prompt with its own instruction text. The
API (execute with wait), the widget and the OpenAI-compatible endpoint (through the official
SDK) all answer, quoting the user's message and never the prompt's instruction.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.services.delivery.conftest import SITE, V1, make_widget, publish, sse_events

PURPLE = "The code word is PURPLE. What is the code word?"
ANSWER = "The code word is PURPLE."
INSTRUCTION = "Answer from this message:"


def _graph() -> dict[str, Any]:
    """Chat trigger -> llm with no model chosen -> output."""
    return {
        "nodes": [
            {"id": "trigger_1", "type": "trigger", "data": {"kind": "chat"}},
            {
                "id": "llm_1",
                "type": "llm",
                "data": {"prompt": f"{INSTRUCTION} {{{{inputs.message}}}}"},
            },
            {"id": "output_1", "type": "output", "data": {"value": "{{llm_1.output.text}}"}},
        ],
        "edges": [
            {"id": "e1", "source": "trigger_1", "target": "llm_1"},
            {"id": "e2", "source": "llm_1", "target": "output_1"},
        ],
    }


@pytest.fixture
def agent(client: Any, org: Any) -> dict[str, Any]:
    return publish(client, org["owner"].headers, _graph(), "Code words")


def test_execute_with_wait_answers_offline(client, org, agent, worker):
    resp = client.post(
        f"{V1}/agents/{agent['id']}/execute",
        json={"inputs": {"message": PURPLE}, "wait": True},
        headers=org["owner"].headers,
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "succeeded" and resp.json()["output"] == ANSWER
    run_id = resp.json()["id"]
    steps = client.get(f"{V1}/executions/{run_id}/steps", headers=org["owner"].headers).json()
    assert [s["model"] for s in steps if s["node_id"] == "llm_1"] == ["offline:extractive"]


def test_openai_sdk_chats_without_any_key(client, org, agent, worker):
    from openai import OpenAI

    _key_id, key = org.api_key()
    sdk = OpenAI(api_key=key, base_url=f"{client.base_url}/v1", http_client=client, max_retries=0)
    completion = sdk.chat.completions.create(
        model=agent["slug"], messages=[{"role": "user", "content": PURPLE}]
    )
    assert completion.choices[0].message.content == ANSWER
    stream = sdk.chat.completions.create(
        model=agent["slug"], messages=[{"role": "user", "content": PURPLE}], stream=True
    )
    streamed = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert streamed.strip() == ANSWER


def test_the_widget_quotes_the_message_not_the_prompt(client, org, agent, worker):
    key, _secret = make_widget(org, agent["id"], [SITE])
    api = f"{V1}/widget/{key}"
    session = client.post(
        f"{api}/session", json={"anonymous_id": "v" * 24}, headers={"Origin": SITE}
    )
    assert session.status_code == 200, session.text
    headers = {"Authorization": f"Bearer {session.json()['session']}", "Origin": SITE}
    sent = client.post(f"{api}/messages", json={"content": PURPLE}, headers=headers)
    assert sent.status_code == 201, sent.text
    stream = client.get(f"{api}/messages/{sent.json()['answer']['id']}/stream", headers=headers)
    name, final = sse_events(stream.text)[-1]
    assert name == "message" and ANSWER in final["html"]
    assert INSTRUCTION not in final["html"]
    listed = client.get(f"{api}/messages", headers=headers).json()["messages"]
    assert [m["status"] for m in listed] == ["complete", "complete"]
