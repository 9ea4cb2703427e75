"""``sub_agent``: runs another agent through ``SubAgentRunner``."""

from __future__ import annotations

import asyncio

from agent_platform.engine.events import RecordingEventSink
from agent_platform.engine.memory import InMemoryStepStore
from agent_platform.engine.nodes.base import Services
from agent_platform.engine.nodes.sub_agent import SubAgentWaiting
from agent_platform.engine.runner import Runner
from tests.engine.fakes import FakeSubAgents, run_node


def test_runs_the_child_with_rendered_inputs_under_its_step_key():
    subs = FakeSubAgents()
    data = {"agent_id": "agent_writer", "inputs": {"text": "{{inputs.message}}"}}
    result = run_node(
        "sub_agent", data, services=Services(sub_agents=subs), inputs={"message": "hi"}
    )
    assert subs.calls == [("agent_writer", {"text": "hi"}, "sub_agent_1")]
    assert result.output["agent"] == "agent_writer"


class WaitingSubAgents:
    """A child that waits for an approval until ``decided``, then answers."""

    def __init__(self) -> None:
        self.decided = False
        self.calls = 0

    async def run(self, *, agent_id: str, inputs: dict, step_key: str) -> dict:
        self.calls += 1
        if not self.decided:
            raise SubAgentWaiting("child-run-1")
        return {"reply": "approved child"}


def test_a_waiting_child_pauses_the_step_and_the_resumed_step_gets_its_output():
    subs = WaitingSubAgents()
    graph = {
        "nodes": [
            {"id": "trigger_1", "type": "trigger", "data": {"kind": "api"}},
            {"id": "sub_agent_1", "type": "sub_agent", "data": {"agent_id": "agent_writer"}},
            {"id": "output_1", "type": "output", "data": {"value": "{{sub_agent_1.output.reply}}"}},
        ],
        "edges": [
            {"id": "e1", "source": "trigger_1", "target": "sub_agent_1"},
            {"id": "e2", "source": "sub_agent_1", "target": "output_1"},
        ],
    }
    store, sink = InMemoryStepStore(), RecordingEventSink()
    runner = Runner(graph, services=Services(sub_agents=subs), step_store=store, events=sink)
    first = asyncio.run(runner.run({}))
    assert (first.status, first.waiting_step_keys) == ("paused", ("sub_agent_1",))
    assert ("paused", "sub_agent_1") in store.log and "waiting_approval" in sink.types()
    subs.decided = True
    resumed = asyncio.run(runner.run({}))
    assert (resumed.status, resumed.output) == ("succeeded", "approved child")
    assert subs.calls == 2  # the step re-entered once to rejoin the same child


def test_a_new_sub_agent_asks_for_an_agent_instead_of_naming_a_made_up_one():
    from agent_platform.engine.nodes.sub_agent import SubAgentNode
    from agent_platform.engine.registry import describe
    from agent_platform.engine.validation import validate_graph

    start = describe(SubAgentNode)["default_config"]
    assert start["agent_id"] == ""
    assert SubAgentNode.field_widgets == {"agent_id": "agent"}
    graph = {
        "nodes": [
            {"id": "trigger_1", "type": "trigger", "data": {"kind": "manual"}},
            {"id": "sub_agent_1", "type": "sub_agent", "data": start},
            {"id": "output_1", "type": "output", "data": {"value": "{{sub_agent_1.output}}"}},
        ],
        "edges": [
            {"id": "e1", "source": "trigger_1", "target": "sub_agent_1"},
            {"id": "e2", "source": "sub_agent_1", "target": "output_1"},
        ],
    }
    problems = validate_graph(graph)
    message = "Sub-agent 'sub_agent_1' (field 'agent_id'): Choose the agent to run."
    assert [(p.node_id, p.field, p.message) for p in problems] == [
        ("sub_agent_1", "agent_id", message)
    ]
