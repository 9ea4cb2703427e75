"""The models the platform knows per provider: each provider's default and the ones to offer.

"Organization default" (``DEFAULT_MODEL``) resolves to the default model of the first
provider the organization configured: the model saved on its credential, else the provider's
entry in ``PROVIDER_DEFAULTS``. An OpenAI-compatible server has no platform default; without a
model on its credential the router asks the server for its first listed model.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from agent_platform.engine.protocols import OFFLINE_MODEL

PROVIDER_DEFAULTS = {"openai": "gpt-4o-mini", "anthropic": "claude-haiku-4-5"}
"""The model a provider's credential stands for when it names none (cheap and capable)."""


def default_model(provider: str, model: str | None = None) -> str | None:
    """The ``provider:model`` a configured provider's credential means by default.

    Args:
        model: the model saved on the credential, if any.

    Returns:
        ``None`` for an OpenAI-compatible server without a saved model (ask the server).
    """
    name = model or PROVIDER_DEFAULTS.get(provider)
    return f"{provider}:{name}" if name else None


@cache
def _priced() -> tuple[str, ...]:
    raw = json.loads(resources.files(__package__).joinpath("prices.json").read_text())
    return tuple(key for key in raw if not key.startswith("_"))


def known_models(provider: str) -> list[str]:
    """``provider:model`` references of the bundled price table for ``provider``."""
    if provider == "offline":
        return [OFFLINE_MODEL]
    return [ref for ref in _priced() if ref.startswith(f"{provider}:")]
