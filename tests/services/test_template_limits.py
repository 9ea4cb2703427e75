"""``settings.templates`` becomes the engine's ``TemplateLimits``, defaults and overrides alike."""

from __future__ import annotations

import dataclasses

from agent_platform.engine.template_limits import TemplateLimits
from agent_platform.services.template_limits import template_limits
from agent_platform.settings import TemplateSettings, get_settings


def test_settings_mirror_the_engine_defaults():
    assert TemplateSettings().model_dump() == dataclasses.asdict(TemplateLimits())


def test_environment_overrides_reach_the_limits(monkeypatch):
    monkeypatch.setenv("TEMPLATES__MAX_STRING_SIZE", "5000")
    monkeypatch.setenv("TEMPLATES__TIME_LIMIT_S", "0.5")
    get_settings.cache_clear()
    try:
        limits = template_limits()
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert (limits.max_string_size, limits.time_limit_s) == (5000, 0.5)
    assert limits.max_output_size == TemplateLimits().max_output_size
