"""``sub_agent``: runs another agent through ``SubAgentRunner``."""

from __future__ import annotations

from agent_platform.engine.nodes.base import Services
from tests.engine.fakes import FakeSubAgents, run_node


def test_runs_the_child_with_rendered_inputs_under_its_step_key():
    subs = FakeSubAgents()
    data = {"agent_id": "agent_writer", "inputs": {"text": "{{inputs.message}}"}}
    result = run_node(
        "sub_agent", data, services=Services(sub_agents=subs), inputs={"message": "hi"}
    )
    assert subs.calls == [("agent_writer", {"text": "hi"}, "sub_agent_1")]
    assert result.output["agent"] == "agent_writer"


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
