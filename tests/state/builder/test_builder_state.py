"""Builder handlers against the real database: autosave, undo, inspector, refusals, test runs."""

from __future__ import annotations

import uuid

import pytest
from reflex.istate.data import RouterData

from agent_platform.state.builder.edit import BuilderEditState
from agent_platform.state.builder.inspector import InspectorState
from agent_platform.state.builder.run import BuilderRunState
from agent_platform.state.builder.versions import VersionsState


@pytest.fixture
def agent(db):
    """An owner's session token, a viewer's, and a draft agent id."""
    from agent_platform.db import session_scope
    from agent_platform.models.orgs import Membership, Role
    from agent_platform.services.accounts import auth
    from agent_platform.services.agents import agents

    with session_scope() as s:
        _, org, owner = auth.signup(s, email="owner@example.com", password="password123")
        principal = auth.resolve_session(s, token=owner).principal
        agent_id = str(agents.create_agent(s, principal=principal, name="Triage").id)
    with session_scope() as s:
        user, _, viewer = auth.signup(s, email="viewer@example.com", password="password123")
        s.add(Membership(org_id=org.id, user_id=user.id, role=Role.VIEWER))
        s.flush()
        auth.switch_org(s, token=viewer, org_id=org.id)
    return owner, viewer, agent_id


def _state(cls, token: str, agent_id: str):
    state = cls(_reflex_internal_init=True)
    path = f"/agents/edit?id={agent_id}"
    state.router = RouterData.from_router_data(
        {"headers": {"cookie": f"ap_session={token}"}, "pathname": "/agents/edit", "asPath": path}
    )
    return state


def _draft(agent_id: str) -> dict:
    from agent_platform.db import session_scope
    from agent_platform.models.agents import Agent

    with session_scope() as s:
        return s.get(Agent, uuid.UUID(agent_id)).draft_definition


def _build(state) -> None:
    for kind, x in [("trigger", 0), ("llm", 300), ("output", 600)]:
        BuilderEditState.add_node.fn(state, {"type": kind, "x": x, "y": 0})
    BuilderEditState.connect.fn(
        state, {"source": "trigger_1", "sourceHandle": "out", "target": "llm_1"}
    )
    BuilderEditState.connect.fn(
        state, {"source": "llm_1", "sourceHandle": "out", "target": "output_1"}
    )


def test_edits_autosave_and_undo(agent):
    owner, _, agent_id = agent
    state = _state(BuilderEditState, owner, agent_id)
    BuilderEditState.load.fn(state)
    _build(state)
    assert [n["id"] for n in _draft(agent_id)["nodes"]] == ["trigger_1", "llm_1", "output_1"]
    assert len(state.edges) == 2 and state.problems == []
    BuilderEditState.move_nodes.fn(state, [{"id": "llm_1", "x": 320.0, "y": 48.0}])
    assert _draft(agent_id)["nodes"][1]["position"] == {"x": 320.0, "y": 48.0}
    BuilderEditState.delete_items.fn(state, {"nodes": ["output_1"], "edges": []})
    assert len(_draft(agent_id)["nodes"]) == 2 and len(state.edges) == 1
    BuilderEditState.undo.fn(state)
    assert len(_draft(agent_id)["nodes"]) == 3 and len(state.edges) == 2
    BuilderEditState.redo.fn(state)
    assert len(_draft(agent_id)["nodes"]) == 2


def test_refused_connection_is_a_toast_and_changes_nothing(agent):
    owner, _, agent_id = agent
    state = _state(BuilderEditState, owner, agent_id)
    BuilderEditState.load.fn(state)
    _build(state)
    result = BuilderEditState.connect.fn(state, {"source": "output_1", "target": "trigger_1"})
    assert "nothing can connect into it" in str(result)
    assert len(_draft(agent_id)["edges"]) == 2


def test_inspector_sets_fields_and_variables(agent):
    owner, _, agent_id = agent
    state = _state(InspectorState, owner, agent_id)
    InspectorState.load.fn(state)
    _build(state)
    InspectorState.focus.fn(state, "llm_1")
    InspectorState.set_field.fn(state, "model", "offline:extractive")
    InspectorState.set_field.fn(state, "prompt", "Summarise:")
    InspectorState.insert_variable.fn(state, "prompt", "{{trigger_1.output.message}}")
    data = _draft(agent_id)["nodes"][1]["data"]
    assert data["model"] == "offline:extractive"
    assert data["prompt"] == "Summarise: {{trigger_1.output.message}}"
    result = InspectorState.insert_variable.fn(state, "prompt", "{{''.__class__}}")
    assert "toast" in str(result).lower()
    result = InspectorState.set_field.fn(state, "temperature", "hot")
    assert "toast" in str(result).lower()


def test_viewer_cannot_edit_or_run(agent):
    owner, viewer, agent_id = agent
    state = _state(BuilderRunState, viewer, agent_id)
    BuilderRunState.load.fn(state)
    assert state.can_edit is False
    edit = _state(BuilderEditState, viewer, agent_id)
    BuilderEditState.load.fn(edit)
    result = BuilderEditState.add_node.fn(edit, {"type": "llm", "x": 0, "y": 0})
    assert "not allowed" in str(result) and _draft(agent_id)["nodes"] == []
    result = BuilderRunState.run_test.fn(state, {"inputs": "{}"})
    assert "not allowed" in str(result)


def test_publish_and_dry_run_the_draft(agent):
    from agent_platform.db import session_scope
    from agent_platform.models.runs import Run

    owner, _, agent_id = agent
    edit = _state(InspectorState, owner, agent_id)
    InspectorState.load.fn(edit)
    _build(edit)
    InspectorState.focus.fn(edit, "llm_1")
    InspectorState.set_field.fn(edit, "model", "offline:extractive")
    versions = _state(VersionsState, owner, agent_id)
    VersionsState.load.fn(versions)
    assert "Published version 1" in str(VersionsState.publish.fn(versions, {"message": "v1"}))
    VersionsState.set_history_open.fn(versions, True)
    assert versions.versions[0].changes.startswith("+ llm_1")
    run = _state(BuilderRunState, owner, agent_id)
    BuilderRunState.load.fn(run)
    assert "JSON object" in str(BuilderRunState.run_test.fn(run, {"inputs": "[1]"}))
    BuilderRunState.run_test.fn(run, {"inputs": '{"message": "hi"}'})
    with session_scope() as s:
        stored = s.get(Run, uuid.UUID(run.run_id))
        assert stored.trigger == "test" and stored.version_id is None
    assert set(run.node_status.values()) == {"queued"}


def test_the_builder_offers_the_organizations_models(agent):
    from agent_platform.db import session_scope
    from agent_platform.services.accounts import auth
    from agent_platform.services.credentials import store as credentials

    owner, _, agent_id = agent
    state = _state(InspectorState, owner, agent_id)
    InspectorState.load.fn(state)
    _build(state)
    InspectorState.focus.fn(state, "llm_1")
    model = next(f for f in state.fields if f.key == "model")
    assert model.value == "default"
    assert [(c.value, c.label) for c in model.choices] == [
        ("default", "Organization default (offline:extractive)"),
        ("offline:extractive", "offline:extractive"),
    ]
    card = next(n for n in state.nodes if n["id"] == "llm_1")
    assert card["data"]["summary"].startswith("Organization default (offline:extractive) · ")
    with session_scope() as s:
        principal = auth.resolve_session(s, token=owner).principal
        credentials.create_credential(
            s, principal=principal, name="OpenAI", kind="llm_provider", provider="openai",
            data={"api_key": "sk-test-0000000000000000"},
        )  # fmt: skip
    InspectorState.load.fn(state)  # the builder reopens
    InspectorState.focus.fn(state, "llm_1")
    model = next(f for f in state.fields if f.key == "model")
    assert model.choices[0].label == "Organization default (openai:gpt-4o-mini)"
    assert {"openai:gpt-4o", "openai:gpt-4.1-mini", "offline:extractive"} <= set(model.options)
    assert not any(o.startswith("anthropic:") for o in model.options)  # not configured
    InspectorState.set_field.fn(state, "model", "openai:gpt-4o")
    assert _draft(agent_id)["nodes"][1]["data"]["model"] == "openai:gpt-4o"
