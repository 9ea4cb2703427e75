"""Attacker-style fixtures: a real API client and fresh sign-ups through the public API.

Every test in this package acts as an outsider would: it signs up over ``POST
/api/v1/auth/signup``, then uses only the public HTTP API, the webhook URL, the Reflex
websocket or a browser. Nothing here calls a service to set things up behind the API's back.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

# Browser fixtures as the e2e tests have them (module-scoped Chromium, one context per page),
# running against this package's app_server below.
from tests.e2e.conftest import browser, new_page, running_app  # noqa: F401  (re-exported fixtures)

V1 = "/api/v1"
PASSWORD = "correct horse battery"


@dataclass
class Account:
    """A freshly signed-up user, owner of their own organization."""

    email: str
    token: str
    user_id: str
    org_id: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def sign_up(client: Any, email: str, password: str = PASSWORD) -> Account:
    """Sign up over the public API; the new account owns a new organization."""
    response = client.post(f"{V1}/auth/signup", json={"email": email, "password": password})
    assert response.status_code == 201, response.text
    body = response.json()
    return Account(email, body["token"], body["user"]["id"], body["org"]["id"])


@pytest.fixture
def client(db: None) -> Iterator[Any]:
    """A ``TestClient`` on a fresh ``create_api()``."""
    from fastapi.testclient import TestClient

    from agent_platform.api.app import create_api

    with TestClient(create_api()) as test_client:
        yield test_client


# The Reflex app as ``make run`` starts it, once for this package, without a worker (so no
# subprocess consumes the messages other tests here inspect). 127.0.0.2 stands for a reverse
# proxy: the websocket tests connect from it to have their X-Forwarded-For believed.
TRUSTED_PROXY = "127.0.0.2"


@pytest.fixture(scope="package")
def app_server(platform_env: dict[str, str]) -> Iterator[str]:
    """The running app's base URL, e.g. ``http://localhost:41234``."""
    extra = {"SECURITY__TRUSTED_PROXIES": f'["{TRUSTED_PROXY}/32"]'}
    with running_app(platform_env, worker=False, extra_env=extra) as base_url:
        yield base_url
