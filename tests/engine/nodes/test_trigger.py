"""``trigger``: passes the run inputs on; schedules need a valid cron and time zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from agent_platform.engine.nodes.trigger import TriggerConfig, TriggerNode
from agent_platform.engine.protocols import PermanentError
from tests.engine.fakes import run_node

FIELDS = {"input_fields": [{"name": "message", "required": True}, {"name": "lang"}]}


def test_outputs_the_inputs_and_checks_required_fields():
    assert run_node("trigger", FIELDS, inputs={"message": "hi"}).output == {"message": "hi"}
    with pytest.raises(PermanentError, match="Missing required run input"):
        run_node("trigger", FIELDS, inputs={"lang": "fr"})


def test_schedule_config_is_checked_and_computes_the_next_time():
    with pytest.raises(ValidationError, match="needs a cron"):
        TriggerConfig(kind="schedule")
    with pytest.raises(ValidationError, match="cron"):
        TriggerConfig(kind="schedule", cron="every day")
    with pytest.raises(ValidationError, match="time zone"):
        TriggerConfig(kind="schedule", cron="0 9 * * *", timezone="Mars/Olympus")
    config = TriggerConfig(kind="schedule", cron="0 9 * * *", timezone="Europe/Paris")
    after = datetime(2025, 1, 6, 12, 0, tzinfo=UTC)
    assert config.next_fire_time(after).isoformat() == "2025-01-07T09:00:00+01:00"
    assert TriggerConfig(kind="manual").next_fire_time(after) is None


def test_starts_runs_and_offers_its_input_fields_to_the_picker():
    assert not TriggerNode.has_input
    assert TriggerNode.summary({"kind": "chat", **FIELDS}) == "chat · message, lang"
    assert TriggerNode.summary({}) == "manual"
    assert TriggerNode.variable_paths(FIELDS) == ["output.message", "output.lang"]
    assert TriggerNode.variable_paths({}) == ["output.message"]
