"""Client address: a spoofed X-Forwarded-For changes nothing unless a trusted proxy sent it.

Log-in throttling, rate limits and the audit trail key on the client's address. If anyone
could name their own address in ``X-Forwarded-For``, a password guesser would rotate it and
never be throttled (and could frame another address); if the header were never believed,
everyone behind the platform's own reverse proxy would share one address. The rule is the
same on the REST API and on the Reflex websocket: only ``security.trusted_proxies`` are
believed.
"""

from __future__ import annotations

import asyncio
import secrets

import pytest

from tests.security.conftest import PASSWORD, TRUSTED_PROXY, V1, sign_up
from tests.security.reflex_socket import ReflexSocket

WRONG = "not the password"
PAIR_LIMIT = 10  # SecuritySettings.login_attempts_per_15_min


def _login(client, email: str, password: str, forwarded_for: str | None = None):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    body = {"email": email, "password": password}
    return client.post(f"{V1}/auth/login", json=body, headers=headers)


def _login_ips(client, account) -> list[str]:
    page = client.get(f"{V1}/org/audit-logs", headers=account.headers).json()
    return [entry["ip"] for entry in page["items"] if entry["action"] == "auth.login"]


def test_rest_ignores_a_spoofed_forwarded_for_without_trusted_proxies(client):
    victim = sign_up(client, "victim@example.com")
    for i in range(PAIR_LIMIT):
        assert _login(client, victim.email, WRONG, f"198.51.100.{i}").status_code == 401
    # A fresh "address" in the header buys the guesser nothing: the peer is the address.
    assert _login(client, victim.email, WRONG, "198.51.100.200").status_code == 429


@pytest.fixture
def behind_proxy(db, monkeypatch):
    """A client whose peer is the platform's reverse proxy (10.0.0.7, configured trusted)."""
    from fastapi.testclient import TestClient

    from agent_platform.api.app import create_api
    from agent_platform.settings import get_settings

    monkeypatch.setenv("SECURITY__TRUSTED_PROXIES", '["10.0.0.0/8"]')
    get_settings.cache_clear()
    with TestClient(create_api(), client=("10.0.0.7", 50000)) as proxied:
        yield proxied
    monkeypatch.undo()
    get_settings.cache_clear()


def test_rest_uses_the_address_a_trusted_proxy_forwarded(behind_proxy):
    victim = sign_up(behind_proxy, "victim@example.com")
    for _ in range(PAIR_LIMIT):
        assert _login(behind_proxy, victim.email, WRONG, "203.0.113.1").status_code == 401
    assert _login(behind_proxy, victim.email, WRONG, "203.0.113.1").status_code == 429
    # The proxy appends the real peer: a value the client prepended is not believed either.
    spoofed_chain = "192.0.2.55, 203.0.113.1"
    assert _login(behind_proxy, victim.email, WRONG, spoofed_chain).status_code == 429
    # Someone else behind the same proxy is another address, not throttled with the guesser.
    assert _login(behind_proxy, victim.email, PASSWORD, "203.0.113.2").status_code == 200
    assert _login(behind_proxy, victim.email, PASSWORD, "10.0.0.3, 203.0.113.3").status_code == 200
    assert sorted(_login_ips(behind_proxy, victim)) == ["203.0.113.2", "203.0.113.3"]


async def _socket_login(base_url: str, email: str, *, local_host: str, forwarded: str) -> str:
    from agent_platform.state.auth import AuthState

    socket = ReflexSocket()
    headers = {"X-Forwarded-For": forwarded, "Cookie": f"ap_login_nonce={secrets.token_hex(16)}"}
    await socket.connect(base_url, headers=headers, local_host=local_host)
    try:
        return await socket.call(
            f"{AuthState.get_full_name()}.login",
            {"form": {"email": email, "password": PASSWORD}},
            path="/login",
            until=lambda updates: "auth/web/session" in updates or "toast" in updates,
        )
    finally:
        await socket.close()


def test_the_websocket_applies_the_same_rule(client, proxied_app_server):
    base_url = proxied_app_server.replace("localhost", "127.0.0.1")  # the peer: IPv4 loopback
    attacker = sign_up(client, "mallory@example.com")
    for local_host in ("127.0.0.1", TRUSTED_PROXY):
        updates = asyncio.run(
            _socket_login(base_url, attacker.email, local_host=local_host, forwarded="203.0.113.77")
        )
        assert "auth/web/session" in updates, updates
    # From an untrusted peer the header is ignored; through the trusted proxy it is the client.
    assert sorted(_login_ips(client, attacker)) == ["127.0.0.1", "203.0.113.77"]
