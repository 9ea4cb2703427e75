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
