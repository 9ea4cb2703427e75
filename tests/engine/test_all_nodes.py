"""Every node type end to end with fakes.

Each registered type runs its own ``example_graph`` (so a new type is covered by its module
alone), and one hand-built scenario chains every shipped type across a pause and a resume.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from agent_platform.engine.events import RecordingEventSink
from agent_platform.engine.memory import InMemoryStepStore
from agent_platform.engine.nodes.base import Services
from agent_platform.engine.protocols import LLMRequest, LLMResponse
from agent_platform.engine.registry import all_node_types
from agent_platform.engine.runner import Runner
from agent_platform.engine.validation import validate_graph
from tests.engine.fakes import (
    FakeApprovals,
    FakeCode,
    FakeHttp,
    FakeLLM,
    FakeRetriever,
    FakeSecrets,
    FakeSubAgents,
    fake_services,
    load_fixture,
    tool_reply,
)
from tests.engine.nodes import SHIPPED_TYPES


def _reply(request: LLMRequest) -> object:
    if request.response_schema is not None:
        return '{"ok": true}'
    if any(m.role == "tool" for m in request.messages):
        return LLMResponse("Your order shipped.", "fake:model", "fake", 20, 6, 0.003)
    return tool_reply(
        ("lookup", {"order": "42"}),
        ("ask_sub", {"message": "hi"}),
        ("search_knowledge", {"query": "hours"}),
    )


@pytest.mark.parametrize("cls", all_node_types(), ids=lambda cls: cls.type)
def test_each_node_type_runs_its_example_graph(cls):
    graph = cls.example_graph()
    assert [p.message for p in validate_graph(graph)] == []
    approvals, store = FakeApprovals(), InMemoryStepStore()
    runner = Runner(graph, services=fake_services(approvals=approvals), step_store=store)
    outcome = asyncio.run(runner.run(cls.example_inputs))
    if outcome.status == "paused":  # a human step: decide, then resume
        for key in outcome.waiting_step_keys:
            approvals.decide(key)
        outcome = asyncio.run(runner.run(cls.example_inputs))
    assert outcome.status == "succeeded", outcome.error
    assert f"{cls.type}_1" in store.keys("succeeded")


def test_the_scenario_runs_every_shipped_type_end_to_end():
    doc = load_fixture("all_nodes.json")
    assert {n["type"] for n in doc["nodes"]} >= SHIPPED_TYPES
    http, approvals, code, subs = FakeHttp(), FakeApprovals(), FakeCode(), FakeSubAgents()
    services = Services(
        llm=FakeLLM(responder=_reply),
        http=http,
        code=code,
        secrets=FakeSecrets(),
        approvals=approvals,
        sub_agents=subs,
        retriever=FakeRetriever(),
    )
    store, sink = InMemoryStepStore(), RecordingEventSink()
    runner = Runner(doc, services=services, step_store=store, events=sink)
    inputs = {"message": "Where is my order?", "items": [1, 2, 3]}

    paused = asyncio.run(runner.run(inputs))
    assert paused.status == "paused", paused.error
    assert paused.waiting_step_keys == ("approval_1",)
    calls_before = (http.calls, len(code.calls), len(subs.calls))

    approvals.decide("approval_1", "approved")
    done = asyncio.run(runner.run(inputs))
    assert done.status == "succeeded", done.error
    assert done.output == {
        "answer": "Your order shipped.",
        "doubled": [{"inputs": {"item": i, "index": i - 1}, "code_chars": 43} for i in (1, 2, 3)],
        "sub": "agent_writer",
        "approved_by": "user_1",
        "kb": done.output["kb"],
    }
    assert done.output["kb"].startswith("[1] Opening hours: 9-5")
    # Nothing before the approval ran twice; only the sub-agent node ran after it.
    assert (http.calls, len(code.calls)) == calls_before[:2]
    assert len(subs.calls) == calls_before[2] + 1

    succeeded = store.keys("succeeded")
    for key in (
        "agent_1/llm[0]",
        "agent_1/tool[0]:lookup",
        "agent_1/tool[1]:ask_sub",
        "agent_1/tool[2]:search_knowledge",
        "agent_1/llm[1]",
        "loop_1[2]/code_1",
    ):
        assert key in succeeded
    assert {"tpl_other", "output_other"} <= set(store.keys("skipped"))
    # Credentials reach the request only, never outputs.
    lookup = next(r for r in http.requests if "orders" in r.url)
    assert lookup.headers["Authorization"] == "Bearer s3cret"
    status = next(r for r in http.requests if "status" in r.url)
    assert status.headers["X-Api-Key"] == "s3cret"
    assert "s3cret" not in json.dumps([r.output for r in store.completed_steps.values()])
    # The agent's usage is its turns' usage; totals count top-level steps once.
    agent = store.completed_steps["agent_1"]
    assert (agent.input_tokens, agent.output_tokens) == (27, 9)
    assert done.input_tokens == 10 + 27 + 3  # llm_1 + agent_1 + classifier_1
