"""The scheduler: due triggers fire once (also with concurrent ticks), time zones and DST."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy import text

from agent_platform.db import session_scope
from agent_platform.models import AgentTrigger
from agent_platform.services.agents import triggers
from workers import scheduler

PUBLISHED = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)
DAILY_9_BERLIN = {"kind": "schedule", "cron": "0 9 * * *", "timezone": "Europe/Berlin"}


def _runs(agent_id):
    with session_scope() as s:
        return s.execute(
            text("SELECT trigger, idempotency_key FROM runs WHERE agent_id = :a"), {"a": agent_id}
        ).all()


def _trigger(trigger_id) -> AgentTrigger:
    with session_scope() as s:
        return s.get(AgentTrigger, trigger_id)


def test_next_fire_time_honours_dst_in_berlin():
    before = triggers.next_fire_time("0 9 * * *", "Europe/Berlin", PUBLISHED)
    assert before == datetime(2026, 3, 28, 8, 0, tzinfo=UTC)  # 09:00 CET
    after = triggers.next_fire_time("0 9 * * *", "Europe/Berlin", before)
    assert after == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)  # 09:00 CEST
    skipped = triggers.next_fire_time("30 2 * * *", "Europe/Berlin", before)
    assert skipped == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 02:30 does not exist: 03:00


def test_due_trigger_fires_once_and_advances_across_dst(publish):
    _, agent_id, rows = publish(DAILY_9_BERLIN, now=PUBLISHED)
    trigger_id = rows[0].id
    assert _trigger(trigger_id).next_fire_at == datetime(2026, 3, 28, 8, 0, tzinfo=UTC)
    assert scheduler.fire_schedules(datetime(2026, 3, 28, 7, 59, tzinfo=UTC)) == []
    now = datetime(2026, 3, 28, 8, 0, 3, tzinfo=UTC)
    fired = scheduler.fire_schedules(now)
    assert [f.trigger_id for f in fired] == [trigger_id] and fired[0].run_id is not None
    assert scheduler.fire_schedules(now) == []
    assert _runs(agent_id) == [("schedule", f"schedule:{trigger_id}:2026-03-28T08:00:00+00:00")]
    assert _trigger(trigger_id).next_fire_at == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)


def test_two_concurrent_ticks_fire_once_in_total(publish):
    _, agent_id, rows = publish(DAILY_9_BERLIN, now=PUBLISHED)
    now = datetime(2026, 3, 28, 8, 0, 1, tzinfo=UTC)
    barrier, results = threading.Barrier(4), []

    def tick() -> None:
        barrier.wait()
        results.append(scheduler.fire_schedules(now))

    threads = [threading.Thread(target=tick) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sum(len(r) for r in results) == 1
    assert len(_runs(agent_id)) == 1


def test_refiring_the_same_occurrence_reuses_the_run(publish):
    """A crash after the run committed but before next_fire_at moved cannot double-fire."""
    _, agent_id, rows = publish(DAILY_9_BERLIN, now=PUBLISHED)
    due = datetime(2026, 3, 28, 8, 0, tzinfo=UTC)
    scheduler.fire_schedules(due)
    with session_scope() as s:  # simulate the lost advance
        s.get(AgentTrigger, rows[0].id).next_fire_at = due
    again = scheduler.fire_schedules(due)
    assert len(again) == 1 and len(_runs(agent_id)) == 1


def test_missed_occurrences_collapse_into_one_run(publish):
    _, agent_id, rows = publish(DAILY_9_BERLIN, now=PUBLISHED)
    late = datetime(2026, 4, 2, 12, 0, tzinfo=UTC)
    assert len(scheduler.fire_schedules(late)) == 1
    assert len(_runs(agent_id)) == 1
    assert _trigger(rows[0].id).next_fire_at == datetime(2026, 4, 3, 7, 0, tzinfo=UTC)


def test_disabled_triggers_do_not_fire(publish):
    org, agent_id, rows = publish(DAILY_9_BERLIN, now=PUBLISHED)
    with session_scope() as s:
        assert triggers.disable_triggers(s, org_id=org.id, agent_id=agent_id) == 1
    assert scheduler.fire_schedules(datetime(2026, 3, 28, 9, 0, tzinfo=UTC)) == []
