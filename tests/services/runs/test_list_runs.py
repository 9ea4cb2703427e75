"""Listing runs: server-side filters (agent, status, trigger, date range) and cursor paging."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from agent_platform.services.errors import InvalidInput
from tests.services.runs.conftest import graph

V1 = "/api/v1"
DAY = datetime(2026, 3, 10, tzinfo=UTC)


def _world(org, rows: list[tuple[int, str, str, float]]) -> list[tuple[str, ...]]:
    """Two agents and runs ``(agent index, status, trigger, days after DAY)``.

    Returns ``(run id, agent id, status, trigger, created_at iso)`` per run, in input order.
    """
    from agent_platform.db import session_scope
    from agent_platform.models import Run
    from agent_platform.services.agents import agents
    from agent_platform.services.runs import runs

    made = []
    with session_scope() as s:
        principal = org.principal(s)
        bots = [agents.create_agent(s, principal=principal, name=n) for n in ("Alpha", "Beta")]
        for bot in bots:
            agents.publish_agent(
                s, principal=principal, agent_id=bot.id, definition=graph({"kind": "api"})
            )
        for index, status, trigger, days in rows:
            bot = bots[index]
            run = runs.create_run(
                s, agent=bot, version_id=bot.published_version_id, definition={}, inputs={},
                trigger=trigger, enqueue=False,
            )  # fmt: skip
            run.status, run.created_at = status, DAY + timedelta(days=days)
            s.add(run)
            s.flush()
            made.append((str(run.id), str(bot.id), status, trigger, run.created_at.isoformat()))
        assert s.get(Run, uuid.UUID(made[0][0])) is not None
    return made


ROWS = [
    (0, "succeeded", "manual", 0),
    (0, "failed", "api", 1),
    (0, "succeeded", "webhook", 2),
    (1, "succeeded", "api", 2.5),
    (1, "cancelled", "schedule", 3),
    (0, "paused", "api", 4),
]


def _ids(client, headers, **params) -> list[str]:
    resp = client.get(f"{V1}/executions", params={"limit": 100, **params}, headers=headers)
    assert resp.status_code == 200, resp.text
    return [item["id"] for item in resp.json()["items"]]


def test_each_filter_runs_in_the_database(client, make_org):
    org = make_org("acme")
    made = _world(org, ROWS)
    h = org["viewer"].headers
    newest_first = [m[0] for m in reversed(made)]
    assert _ids(client, h) == newest_first

    def where(pred) -> list[str]:
        return [m[0] for m in reversed(made) if pred(m)]

    alpha = made[0][1]
    assert _ids(client, h, agent_id=alpha) == where(lambda m: m[1] == alpha)
    assert _ids(client, h, status="succeeded") == where(lambda m: m[2] == "succeeded")
    assert _ids(client, h, trigger="api") == where(lambda m: m[3] == "api")
    assert _ids(client, h, trigger="api", status="succeeded") == [made[3][0]]
    after, before = (DAY + timedelta(days=1)).isoformat(), (DAY + timedelta(days=3)).isoformat()
    # created_after is inclusive, created_before exclusive.
    in_range = where(lambda m: after <= m[4] < before)
    assert _ids(client, h, created_after=after, created_before=before) == in_range
    assert in_range == [made[3][0], made[2][0], made[1][0]]
    assert _ids(client, h, created_after=made[-1][4]) == [made[-1][0]]
    assert _ids(client, h, created_before=made[1][4]) == [made[0][0]]
    assert _ids(client, h, agent_id=alpha, trigger="api", created_after=after) == [
        made[5][0],
        made[1][0],
    ]
    # Another organization sees none of them, whatever the filters.
    other = make_org("other")["owner"].headers
    assert _ids(client, other) == [] and _ids(client, other, agent_id=alpha) == []


def test_paging_through_many_pages_has_no_duplicates_or_gaps(client, make_org):
    org = make_org("acme")
    # 47 runs, several sharing one created_at: the id breaks ties in the cursor.
    rows = [(i % 2, "succeeded" if i % 3 else "failed", "api", (i // 4) / 24) for i in range(47)]
    made = _world(org, rows)
    h = org["viewer"].headers
    for params, expected in [
        ({}, made),
        ({"status": "succeeded"}, [m for m in made if m[2] == "succeeded"]),
    ]:
        seen, cursor, pages = [], None, 0
        while True:
            query = {"limit": 10, **params, **({"cursor": cursor} if cursor else {})}
            body = client.get(f"{V1}/executions", params=query, headers=h).json()
            seen += [item["id"] for item in body["items"]]
            pages += 1
            cursor = body["next_cursor"]
            if cursor is None:
                break
        want = [m[0] for m in sorted(expected, key=lambda m: (m[4], m[0]), reverse=True)]
        assert seen == want and len(set(seen)) == len(seen)
        assert pages == -(-len(want) // 10)


def test_bad_filters_are_refused_and_the_schema_is_strict(client, make_org):
    org = make_org("acme")
    h = org["viewer"].headers
    for params in [
        {"status": "done"},
        {"trigger": "email"},
        {"created_after": "2026-03-10T00:00:00"},  # no timezone
        {"created_before": "yesterday"},
        {"limit": 0},
        {"limit": 101},
        {"cursor": "not-a-cursor"},
        {"created_after": "2026-03-11T00:00:00Z", "created_before": "2026-03-10T00:00:00Z"},
    ]:
        resp = client.get(f"{V1}/executions", params=params, headers=h)
        assert resp.status_code == 422, (params, resp.text)
    spec = client.get(f"{V1}/openapi.json").json()
    params = {
        p["name"]: p["schema"] for p in spec["paths"][f"{V1}/executions"]["get"]["parameters"]
    }
    schemas = spec["components"]["schemas"]

    def resolved(schema: dict) -> dict:
        options = schema.get("anyOf", [schema])
        found = next(o for o in options if o.get("type") != "null")
        return schemas[found["$ref"].rsplit("/", 1)[1]] if "$ref" in found else found

    assert set(resolved(params["status"])["enum"]) >= {"pending", "paused", "cancelled"}
    assert "sub_agent" in resolved(params["trigger"])["enum"]
    assert resolved(params["created_after"])["format"] == "date-time"
    assert resolved(params["created_before"])["format"] == "date-time"
    assert (params["limit"]["minimum"], params["limit"]["maximum"]) == (1, 100)


def test_the_service_refuses_naive_dates(session, make_org):
    from agent_platform.services.runs import runs

    org = make_org("acme")
    principal = org.principal(session)
    with pytest.raises(InvalidInput, match="timezone"):
        runs.list_runs(session, principal=principal, created_after=datetime(2026, 3, 10))
    with pytest.raises(InvalidInput, match="trigger"):
        runs.list_runs(session, principal=principal, trigger="email")
