"""Log-in throttling over HTTP: an attacker on one account never locks out the others.

Each ``TestClient`` below speaks from its own peer address, as browsers on different networks
would; ``X-Forwarded-For`` is never trusted (``deps.client_ip``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from agent_platform.settings import SecuritySettings, get_settings

V1 = "/api/v1"
PASSWORD = "correct horse battery"
ATTACKER, OFFICE, HOME = "198.51.100.7", "203.0.113.20", "192.0.2.33"


@pytest.fixture
def from_ip(db: None) -> Iterator[Callable[[str], TestClient]]:
    """``from_ip("198.51.100.7")``: a client of one ``create_api()`` at that peer address."""
    from agent_platform.api.app import create_api

    api = create_api()
    yield lambda ip: TestClient(api, client=(ip, 50000))


@pytest.fixture
def accounts(db: None) -> list[str]:
    """``alice@…`` and ``bob@…``, both with ``PASSWORD``."""
    from agent_platform.db import session_scope
    from agent_platform.services.accounts import auth

    emails = ["alice@example.com", "bob@example.com"]
    for email in emails:
        with session_scope() as s:
            auth.signup(s, email=email, password=PASSWORD)
    return emails


@pytest.fixture
def address_ceiling(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """A per-address ceiling of 25 failures, below the route's 60/minute request ceiling."""
    monkeypatch.setenv("SECURITY__LOGIN_ATTEMPTS_PER_ADDRESS_15_MIN", "25")
    get_settings.cache_clear()
    yield 25
    monkeypatch.undo()
    get_settings.cache_clear()


def _login(client: TestClient, email: str, password: str = PASSWORD):
    return client.post(f"{V1}/auth/login", json={"email": email, "password": password})


def _fail(client: TestClient, email: str, times: int) -> None:
    statuses = {_login(client, email, "wrong password").status_code for _ in range(times)}
    assert statuses == {401}


def test_failures_on_one_account_throttle_only_that_account_at_that_address(from_ip, accounts):
    alice, bob = accounts
    attacker = from_ip(ATTACKER)
    _fail(attacker, alice, get_settings().security.login_attempts_per_15_min)
    refused = _login(attacker, alice)  # even the right password, once the window is full
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.json()["error"]["code"] == "rate_limited"
    assert refused.json()["error"]["details"]["retry_after"] > 0
    # Another account from the same address was never attacked: it logs in.
    assert _login(attacker, bob).status_code == 200
    # Alice herself, from another network, is still within her account's ceiling.
    assert _login(from_ip(HOME), alice).status_code == 200


def test_the_account_ceiling_holds_across_addresses(from_ip, accounts):
    alice, bob = accounts
    security = get_settings().security
    pair, ceiling = security.login_attempts_per_15_min, security.login_attempts_per_account_15_min
    for n in range(ceiling // pair):  # a distributed guess, each address under its own window
        _fail(from_ip(f"198.51.100.{100 + n}"), alice, pair)
    office = from_ip(OFFICE)
    refused = _login(office, alice)
    assert refused.status_code == 429 and "this account" in refused.json()["error"]["message"]
    assert _login(office, bob).status_code == 200


def test_the_address_ceiling_stops_a_spray_over_many_accounts(from_ip, accounts, address_ceiling):
    alice, bob = accounts
    defaults = SecuritySettings()
    assert defaults.login_attempts_per_address_15_min >= 10 * defaults.login_attempts_per_15_min
    sprayer = from_ip(ATTACKER)
    for n in range(address_ceiling):  # one guess per account: no account window fills
        _fail(sprayer, f"user{n}@example.com", 1)
    refused = _login(sprayer, f"user{address_ceiling}@example.com", "wrong password")
    assert refused.status_code == 429
    assert "your network" in refused.json()["error"]["message"]
    assert int(refused.headers["Retry-After"]) > 0
    # The sprayed accounts and everyone else log in from elsewhere.
    assert _login(from_ip(OFFICE), alice).status_code == 200
    assert _login(from_ip(OFFICE), bob).status_code == 200
