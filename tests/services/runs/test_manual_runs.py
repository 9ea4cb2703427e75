"""Running a published agent by hand: a form from its trigger's input fields, a ``manual`` run."""

from __future__ import annotations

import pytest

from tests.services.runs.conftest import graph, publish  # noqa: F401

FIELDS = [
    {"name": "topic", "label": "Topic", "type": "text", "required": True},
    {"name": "count", "type": "number"},
    {"name": "urgent", "label": "Urgent", "type": "boolean"},
    {"name": "extra", "type": "json"},
]


def test_the_form_follows_the_manual_trigger_and_starts_a_manual_run(publish):  # noqa: F811
    from agent_platform.db import session_scope
    from agent_platform.services.runs import manual

    org, agent_id, _ = publish({"kind": "manual", "input_fields": FIELDS})
    with session_scope() as s:
        form = manual.run_form(s, principal=org.principal(s, "editor"), agent_id=agent_id)
        assert form.agent_name == "Hooked"
        assert [(f.name, f.label, f.type, f.required) for f in form.fields] == [
            ("topic", "Topic", "text", True),
            ("count", "Count", "number", False),
            ("urgent", "Urgent", "boolean", False),
            ("extra", "Extra", "json", False),
        ]
        run = manual.start_manual_run(
            s,
            principal=org.principal(s, "editor"),
            agent_id=agent_id,
            values={"topic": " Refunds ", "count": "3", "urgent": "on", "extra": '{"a": 1}'},
        )
        assert run.trigger == "manual" and run.status == "pending"
        assert run.inputs == {"topic": "Refunds", "count": 3, "urgent": True, "extra": {"a": 1}}
        assert run.created_by == org["editor"].user_id


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"count": "3"}, "Topic is required."),
        ({"topic": "x", "count": "three"}, "Count must be a number."),
        ({"topic": "x", "extra": "{nope"}, "Extra must be valid JSON."),
        ({"topic": "x", "nobody": "asked"}, "Unknown input 'nobody'."),
        ({"topic": ["x"]}, "Topic must be text."),
    ],
)
def test_bad_values_are_refused_before_a_run_exists(publish, values, message):  # noqa: F811
    from sqlmodel import select

    from agent_platform.db import session_scope
    from agent_platform.models.runs import Run
    from agent_platform.services.errors import InvalidInput
    from agent_platform.services.runs import manual

    org, agent_id, _ = publish({"kind": "manual", "input_fields": FIELDS})
    with session_scope() as s, pytest.raises(InvalidInput, match=message):
        manual.start_manual_run(s, principal=org.principal(s), agent_id=agent_id, values=values)
    with session_scope() as s:
        assert s.exec(select(Run)).all() == []


def test_without_declared_fields_the_form_asks_for_a_message(publish):  # noqa: F811
    from agent_platform.db import session_scope
    from agent_platform.services.runs import manual

    org, agent_id, _ = publish({"kind": "manual"})
    with session_scope() as s:
        form = manual.run_form(s, principal=org.principal(s), agent_id=agent_id)
        assert [(f.name, f.type) for f in form.fields] == [("message", "text")]
        run = manual.start_manual_run(
            s, principal=org.principal(s), agent_id=agent_id, values={"message": "hi"}
        )
        assert run.inputs == {"message": "hi"}


def test_viewers_and_unpublished_agents_cannot_run(publish):  # noqa: F811
    from agent_platform.db import session_scope
    from agent_platform.services.agents import agents
    from agent_platform.services.errors import Conflict, Forbidden
    from agent_platform.services.runs import manual

    org, agent_id, _ = publish({"kind": "manual"})
    with session_scope() as s, pytest.raises(Forbidden):
        manual.run_form(s, principal=org.principal(s, "viewer"), agent_id=agent_id)
    with session_scope() as s, pytest.raises(Forbidden):
        manual.start_manual_run(
            s, principal=org.principal(s, "viewer"), agent_id=agent_id, values={}
        )
    with session_scope() as s:
        draft_id = agents.create_agent(s, principal=org.principal(s), name="Draft").id
    with session_scope() as s, pytest.raises(Conflict, match="publish it first"):
        manual.run_form(s, principal=org.principal(s), agent_id=draft_id)
