"""Organization B (owner session and all-scopes API key) cannot see or touch A's runtime objects.

Covers agents, versions, executions (steps, logs, cancel), approvals and listings.
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from agent_platform.db import session_scope
from agent_platform.models import Agent, Approval, Run
from agent_platform.services.agents import agents
from agent_platform.services.runs import runs
from tests.api.conftest import build_org, key_headers
from tests.services.runtime.conftest import V1, load_graph

# (method, path, json body, status for B's owner session, status for B's API key)
ROWS = [
    ("GET", "/agents/{agent}", None, 404, 404),
    ("PUT", "/agents/{agent}", {"name": "owned by B"}, 404, 404),
    ("DELETE", "/agents/{agent}", None, 404, 403),
    ("POST", "/agents/{agent}/publish", {}, 404, 404),
    ("GET", "/agents/{agent}/versions", None, 404, 404),
    ("POST", "/agents/{agent}/test", {"inputs": {}}, 404, 404),
    ("POST", "/agents/{agent}/execute", {"inputs": {}}, 404, 404),
    ("GET", "/executions/{run}", None, 404, 404),
    ("GET", "/executions/{run}/steps", None, 404, 404),
    ("GET", "/executions/{run}/logs", None, 404, 404),
    ("POST", "/executions/{run}/cancel", None, 404, 404),
    ("POST", "/approvals/{approval}/decision", {"decision": "approved"}, 404, 403),
    ("POST", "/agents", {"name": "x", "org_id": "{org}"}, 422, 422),
    ("PUT", "/agents/{b_agent}", {"status": "published"}, 422, 422),
]


@pytest.fixture
def world(db):
    a, b = build_org("alpha"), build_org("beta")
    with session_scope() as s:
        principal = a.principal(s, "editor")
        agent = agents.create_agent(s, principal=principal, name="Secret")
        agents.publish_agent(
            s, principal=principal, agent_id=agent.id, definition=load_graph("five_nodes.json")
        )
        run = runs.start_run(s, principal=principal, agent_id=agent.id, inputs={"n": 1})
        s.flush()
        approval = Approval(
            org_id=a.id,
            run_id=run.id,
            step_key="ap",
            node_id="ap",
            payload={"approvers": {"role": "editor"}},
        )
        s.add(approval)
        run.status = "paused"
        b_agent = agents.create_agent(s, principal=b.principal(s), name="Mine")
    ids = {
        "agent": agent.id,
        "run": run.id,
        "approval": approval.id,
        "org": a.id,
        "b_agent": b_agent.id,
    }
    return a, b, {k: str(v) for k, v in ids.items()}


def _snapshot():
    with session_scope() as s:
        return [
            [r.model_dump() for r in s.exec(select(model)).all()]
            for model in (Agent, Run, Approval)
        ]


@pytest.mark.parametrize("surface", ["session", "api_key"])
def test_org_b_cannot_reach_org_a(client, world, surface):
    a, b, ids = world
    headers = b["owner"].headers if surface == "session" else key_headers(b.api_key()[1])
    before = _snapshot()
    for method, path, body, session_status, key_status in ROWS:
        expected = session_status if surface == "session" else key_status
        if body is not None:
            body = {k: (v.format(**ids) if isinstance(v, str) else v) for k, v in body.items()}
        url = V1 + path.format(**ids)
        resp = client.request(method, url, json=body, headers=headers)
        assert resp.status_code == expected, (method, path, resp.text)
        for value in ids.values():
            if value != ids["b_agent"]:
                assert value not in resp.text, (method, path, resp.text)
    assert _snapshot() == before


@pytest.mark.parametrize("surface", ["session", "api_key"])
def test_listings_show_only_own_objects(client, world, surface):
    a, b, ids = world
    headers = b["owner"].headers if surface == "session" else key_headers(b.api_key()[1])
    for path in ("/agents", "/executions", f"/executions?agent_id={ids['agent']}"):
        resp = client.get(V1 + path, headers=headers)
        assert resp.status_code == 200
        assert ids["agent"] not in resp.text and ids["run"] not in resp.text
    own = client.get(f"{V1}/agents", headers=a["viewer"].headers).json()["items"]
    assert [x["id"] for x in own] == [ids["agent"]]
