"""A fresh tenant's published chat widget, reached from several client addresses."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.services.delivery.conftest import SITE, chat_graph
from tests.services.runtime.conftest import V1, publish


@dataclass
class Widget:
    """The widget's public key, its agent, and a way to speak from an address."""

    public_key: str
    agent_id: str
    at: Callable[[str], Any]  # address -> TestClient whose requests come from it

    @property
    def api(self) -> str:
        return f"{V1}/widget/{self.public_key}"

    def session(self, client: Any, anonymous_id: str | None = None) -> dict[str, str]:
        """Headers of a fresh widget session (a new anonymous visitor by default)."""
        body = {"anonymous_id": anonymous_id or secrets.token_urlsafe(18)}
        resp = client.post(f"{self.api}/session", json=body, headers={"Origin": SITE})
        assert resp.status_code == 200, resp.text
        return {"Authorization": f"Bearer {resp.json()['session']}", "Origin": SITE}

    def send(self, client: Any, headers: dict[str, str], text: str = "hours?") -> Any:
        return client.post(f"{self.api}/messages", json={"content": text}, headers=headers)


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """``settings_env(WIDGET__X="1", ...)``: environment settings for this test."""
    from agent_platform.settings import get_settings

    def set_env(**values: Any) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, str(value))
        get_settings.cache_clear()

    yield set_env
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture
def widget(client, tenant, settings_env) -> Iterator[Widget]:
    """The tenant's chat agent with its widget enabled for ``SITE`` (run limits lifted)."""
    from fastapi.testclient import TestClient

    settings_env(LIMITS__CONCURRENT_RUNS_PER_ORG=10_000, LIMITS__RUNS_PER_MINUTE_PER_ORG=10_000)
    agent_id = publish(client, tenant, chat_graph(), name="Help desk")
    resp = client.put(
        f"{V1}/agents/{agent_id}/widget",
        json={"enabled": True, "allowed_origins": [SITE]},
        headers=tenant,
    )
    assert resp.status_code == 200, resp.text
    clients: dict[str, Any] = {}

    def at(address: str) -> Any:
        if address not in clients:
            clients[address] = TestClient(client.app, client=(address, 50000))
        return clients[address]

    yield Widget(resp.json()["public_key"], agent_id, at)
    for c in clients.values():
        c.close()
