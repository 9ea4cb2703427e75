"""Credential test fixtures: API client and orgs (from tests.api), vault key configuration."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Iterator

import pytest

from tests.api.conftest import client, make_org  # noqa: F401  (re-exported fixtures)
from tests.integrations.llm_wire_servers import WireServer, wire_server

SECRET_V1 = base64.b64encode(b"vault-master-secret-one-32-bytes").decode()
SECRET_V2 = base64.b64encode(b"vault-master-secret-two-32-bytes").decode()


@pytest.fixture
def vault_keys(platform_env) -> Iterator[Callable[[str | None], None]]:
    """``vault_keys("1:<b64>,2:<b64>")`` reconfigures the vault (``None``: dev default)."""
    from agent_platform.settings import get_settings

    before = os.environ.get("SECURITY__VAULT_KEYS")

    def configure(value: str | None) -> None:
        if value is None:
            os.environ.pop("SECURITY__VAULT_KEYS", None)
        else:
            os.environ["SECURITY__VAULT_KEYS"] = value
        get_settings.cache_clear()

    yield configure
    configure(before)


@pytest.fixture
def wire(platform_env) -> Iterator[WireServer]:
    """A local OpenAI/Anthropic wire server; ``runtime.openai_base_url`` points at it.

    Its address is on the egress allowlist (``runtime.egress_allow_hosts``): the SDKs connect
    only through the guard, which refuses loopback otherwise.
    """
    from agent_platform.settings import get_settings

    names = ("OPENAI_BASE_URL", "ANTHROPIC_BASE_URL", "EGRESS_ALLOW_HOSTS")
    with wire_server() as srv:
        os.environ["RUNTIME__OPENAI_BASE_URL"] = srv.openai_base_url
        os.environ["RUNTIME__ANTHROPIC_BASE_URL"] = srv.anthropic_base_url
        os.environ["RUNTIME__EGRESS_ALLOW_HOSTS"] = f'["{srv.host}"]'
        get_settings.cache_clear()
        try:
            yield srv
        finally:
            for name in names:
                os.environ.pop(f"RUNTIME__{name}", None)
            get_settings.cache_clear()
