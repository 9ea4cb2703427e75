"""Trigger test fixtures: API client and orgs (from tests.api), a published agent."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.api.conftest import client, make_org  # noqa: F401  (re-exported fixtures)


def graph(trigger: dict) -> dict:
    """A minimal valid graph: ``trigger_1`` (with ``trigger`` as its data) -> output."""
    return {
        "nodes": [
            {"id": "trigger_1", "type": "trigger", "data": trigger},
            {"id": "output_1", "type": "output", "data": {"value": "done"}},
        ],
        "edges": [{"id": "e1", "source": "trigger_1", "target": "output_1"}],
    }


@pytest.fixture
def publish(make_org) -> Callable[..., tuple]:  # noqa: F811  (the re-exported fixture)
    """``publish(trigger_data)`` -> ``(org, agent_id, [trigger rows])`` via the real services."""
    from agent_platform.db import session_scope
    from agent_platform.services.agents import agents, triggers

    def _publish(trigger: dict, org=None, now=None):
        org = org or make_org("acme")
        with session_scope() as s:
            principal = org.principal(s)
            agent = agents.create_agent(s, principal=principal, name="Hooked")
            version = agents.publish_agent(
                s, principal=principal, agent_id=agent.id, definition=graph(trigger)
            )
            if now is not None:
                # publish_agent already synced at the real clock; replay the sync as if the
                # version had been published at ``now`` (a schedule recomputes when unset).
                for row in triggers.list_triggers(s, principal=principal, agent_id=agent.id):
                    row.next_fire_at = None
                    s.add(row)
            rows = triggers.sync_triggers(
                s,
                org_id=org.id,
                agent_id=agent.id,
                version_id=version.id,
                definition=version.definition,
                now=now,
            )
        return org, agent.id, rows

    return _publish
