"""``agent``: tool calls are replayable sub-steps; the loop is bounded."""

from __future__ import annotations

import asyncio

from agent_platform.engine.memory import InMemoryStepStore
from agent_platform.engine.nodes.base import Services
from agent_platform.engine.runner import Runner
from tests.engine.fakes import FakeHttp, FakeLLM, load_fixture, tool_reply


def _agent_graph() -> dict:
    doc = load_fixture("linear.json")
    doc["nodes"][1] = {
        "id": "agent_1",
        "type": "agent",
        "data": {
            "prompt": "{{inputs.name}}",
            "max_iterations": 2,
            "http_tools": [
                {
                    "name": "create",
                    "description": "Create",
                    "method": "POST",
                    "url": "https://api.example.com/create",
                }
            ],
        },
    }
    doc["edges"] = [
        {"id": "e1", "source": "trigger_1", "target": "agent_1"},
        {"id": "e2", "source": "agent_1", "target": "output_1"},
    ]
    doc["nodes"][2]["data"]["value"] = "{{agent_1.output.text}}"
    return doc


def test_agent_tool_calls_are_steps_and_are_not_repeated_on_redelivery():
    http, store = FakeHttp(), InMemoryStepStore()
    llm = FakeLLM([tool_reply(("create", {"title": "x"})), "Created."])
    runner = Runner(_agent_graph(), services=Services(llm=llm, http=http), step_store=store)
    assert asyncio.run(runner.run({"name": "make one"})).output == "Created."
    assert http.requests[0].body == '{"title": "x"}'
    assert "agent_1/tool[0]:create" in store.keys("succeeded")
    # Redelivery after a crash inside the agent step: its sub-steps are replayed.
    del store.completed_steps["agent_1"], store.completed_steps["output_1"]
    again = asyncio.run(runner.run({"name": "make one"}))
    assert again.output == "Created."
    assert http.calls == 1 and len(llm.requests) == 2


def test_agent_gives_up_after_max_iterations():
    llm = FakeLLM([tool_reply(("create", {}))] * 4)
    runner = Runner(_agent_graph(), services=Services(llm=llm, http=FakeHttp()))
    outcome = asyncio.run(runner.run({"name": "loop forever"}))
    assert outcome.status == "failed" and "2 tool-using turns" in outcome.error
    assert llm.requests[-1].tools == ()  # the last turn offers no tools


def test_agent_prompts_carry_their_substituted_values():
    llm = FakeLLM(["Done."])
    outcome = asyncio.run(Runner(_agent_graph(), services=Services(llm=llm)).run({"name": "Ada"}))
    assert outcome.status == "succeeded"
    system, user = llm.requests[0].messages
    assert user.content == "Ada" and user.substituted == ("Ada",)
    assert system.content == "You are a helpful assistant." and system.substituted is None
