"""The "Run" dialog's handlers: form from the published trigger, run started, live page opened."""

from __future__ import annotations

import uuid

from reflex.istate.data import RouterData

from agent_platform.state.runs.manual import ManualRunState
from tests.services.runs.conftest import graph, make_org  # noqa: F401


def _state(token: str) -> ManualRunState:
    state = ManualRunState(_reflex_internal_init=True)
    state.router = RouterData.from_router_data(
        {"headers": {"cookie": f"ap_session={token}"}, "pathname": "/agents", "asPath": "/agents"}
    )
    return state


def test_run_dialog_starts_a_manual_run_and_opens_its_page(make_org):  # noqa: F811
    from agent_platform.db import session_scope
    from agent_platform.models.runs import Run
    from agent_platform.services.agents import agents

    org = make_org("acme")
    fields = [{"name": "topic", "type": "text", "required": True}]
    with session_scope() as s:
        agent = agents.create_agent(s, principal=org.principal(s), name="Digest")
        agents.publish_agent(
            s,
            principal=org.principal(s),
            agent_id=agent.id,
            definition=graph({"kind": "manual", "input_fields": fields}),
        )
        agent_id = str(agent.id)

    state = _state(org["editor"].token)
    ManualRunState.start.fn(state, agent_id)
    assert state.open and state.agent_name == "Digest"
    assert [(f.name, f.label, f.required) for f in state.fields] == [("topic", "Topic", True)]
    assert "Topic is required" in str(ManualRunState.submit.fn(state, {"topic": ""}))
    result = str(ManualRunState.submit.fn(state, {"topic": "refunds"}))
    assert "/runs/detail?id=" in result and not state.open
    run_id = result.split("id=")[1][:36]
    with session_scope() as s:
        run = s.get(Run, uuid.UUID(run_id))
        assert run.trigger == "manual" and run.inputs == {"topic": "refunds"}

    viewer = _state(org["viewer"].token)
    assert "not allowed" in str(ManualRunState.start.fn(viewer, agent_id)) and not viewer.open
