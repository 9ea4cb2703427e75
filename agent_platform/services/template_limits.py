"""The platform's template limits, from ``settings.templates``, for the engine's callers.

The engine takes a ``TemplateLimits`` from whoever validates or runs a graph; the app (publish,
validation, draft checks) and the workers (runs) both take it from here, so a template is held
to the same bounds where it is checked and where it renders.
"""

from __future__ import annotations

from agent_platform.engine.template_limits import TemplateLimits
from agent_platform.settings import get_settings


def template_limits() -> TemplateLimits:
    """``TemplateLimits`` built from ``settings.templates`` (``TEMPLATES__TIME_LIMIT_S``, ...)."""
    return TemplateLimits(**get_settings().templates.model_dump())
