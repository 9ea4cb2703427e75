"""The sub-agent inspector picks one of the org's published agents, never a made-up id."""

from __future__ import annotations

import uuid

from agent_platform.state.builder.edit import BuilderEditState
from agent_platform.state.builder.inspector import InspectorState
from tests.state.builder.test_builder_state import _draft, _state, agent  # noqa: F401

SIMPLE = {
    "nodes": [
        {"id": "trigger_1", "type": "trigger", "data": {"kind": "manual"}},
        {"id": "output_1", "type": "output", "data": {"value": "{{inputs.message}}"}},
    ],
    "edges": [{"id": "e1", "source": "trigger_1", "target": "output_1"}],
}


def _agents(token: str, agent_id: str) -> tuple[str, str]:
    """Publish the open agent and a "Writer"; add an unpublished "Sketch". Their ids."""
    from agent_platform.db import session_scope
    from agent_platform.services.accounts import auth
    from agent_platform.services.agents import agents

    with session_scope() as s:
        owner = auth.resolve_session(s, token=token).principal
        agents.publish_agent(s, principal=owner, agent_id=uuid.UUID(agent_id), definition=SIMPLE)
        writer = agents.create_agent(s, principal=owner, name="Writer")
        agents.publish_agent(s, principal=owner, agent_id=writer.id, definition=SIMPLE)
        sketch = agents.create_agent(s, principal=owner, name="Sketch")
        return str(writer.id), str(sketch.id)


def _sub_agent(agent_id: str) -> dict:
    return next(n for n in _draft(agent_id)["nodes"] if n["type"] == "sub_agent")


def test_the_picker_offers_published_agents_but_not_this_one(agent):  # noqa: F811
    owner, _, agent_id = agent
    writer, sketch = _agents(owner, agent_id)
    edit = _state(BuilderEditState, owner, agent_id)
    BuilderEditState.load.fn(edit)
    BuilderEditState.add_node.fn(edit, {"type": "sub_agent", "x": 0, "y": 200})
    assert _sub_agent(agent_id)["data"]["agent_id"] == ""

    state = _state(InspectorState, owner, agent_id)
    InspectorState.load.fn(state)
    assert [(c.id, c.name) for c in state.agent_choices] == [(writer, "Writer")]
    InspectorState.focus.fn(state, _sub_agent(agent_id)["id"])
    (picker,) = [f for f in state.fields if f.key == "agent_id"]
    assert picker.kind == "agent" and picker.value == ""
    assert any("Choose the agent to run" in p.message for p in state.problems)

    for refused in (agent_id, sketch, "agent_123", str(uuid.uuid4())):
        result = InspectorState.set_field.fn(state, "agent_id", refused)
        assert "published agents" in str(result), refused
        assert _sub_agent(agent_id)["data"]["agent_id"] == ""
    InspectorState.set_field.fn(state, "agent_id", writer)
    assert _sub_agent(agent_id)["data"]["agent_id"] == writer
    left = {p.code for p in state.problems if p.node_id == _sub_agent(agent_id)["id"]}
    assert left == {"missing_input"}  # it is not connected yet; the agent is fine
