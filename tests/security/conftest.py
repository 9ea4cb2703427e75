"""Adversarial test fixtures. Security tests act as an attacker would: over HTTP, from a fresh
account, on real workers: a tenant signed up over the API, running attacks through a code node,
the async backend, host-side process inspection, and the runtime tests' ``org`` and
``runtime_env`` (template bombs run on a real worker)."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import (  # noqa: F401  (browser fixtures and hook for the XSS tests)
    browser,
    new_page,
    pytest_runtest_makereport,
    running_app,
    shot,
)
from tests.security.widget_fixtures import settings_env, widget  # noqa: F401  (fixtures)
from tests.services.runtime.conftest import (  # noqa: F401 (fixtures)
    V1,
    org,
    publish,
    runtime_env,
    steps,
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def descendants(root: int) -> dict[int, dict[str, str]]:
    """Every live process below ``root`` on the host, with its ``/proc/<pid>/status`` fields."""
    parents: dict[int, int] = {}
    status: dict[int, dict[str, str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = dict(
                line.split(":", 1) for line in (entry / "status").read_text().splitlines()
            )
        except (OSError, ValueError):
            continue
        pid = int(entry.name)
        parents[pid] = int(fields.get("PPid", "0"))
        status[pid] = {k: v.strip() for k, v in fields.items()}
    found = {}
    for pid in status:
        ancestor = parents.get(pid, 0)
        while ancestor and ancestor != root:
            ancestor = parents.get(ancestor, 0)
        if ancestor == root and status[pid].get("State", "").split()[:1] != ["Z"]:
            found[pid] = status[pid]
    return found


@pytest.fixture
def my_descendants():
    """``my_descendants()``: the live processes this test process has below it."""
    return lambda: descendants(os.getpid())


def code_graph(code: str, inputs: dict[str, Any] | None = None) -> dict[str, Any]:
    """trigger -> code (the attack) -> output (whatever the attack returned)."""
    return {
        "nodes": [
            {"id": "trigger_1", "type": "trigger", "data": {"kind": "api"}},
            {
                "id": "code_1",
                "type": "code",
                "data": {"code": code, "inputs": inputs or {}, "timeout_s": 20},
            },
            {"id": "output_1", "type": "output", "data": {"value": "{{code_1.output}}"}},
        ],
        "edges": [
            {"id": "e1", "source": "trigger_1", "target": "code_1"},
            {"id": "e2", "source": "code_1", "target": "output_1"},
        ],
    }


@pytest.fixture
def client(db: None) -> Iterator[Any]:
    """A ``TestClient`` on a fresh ``create_api()`` (as in ``tests/api/conftest.py``)."""
    from fastapi.testclient import TestClient

    from agent_platform.api.app import create_api

    with TestClient(create_api()) as test_client:
        yield test_client


@pytest.fixture
def tenant(client) -> dict[str, str]:
    """A fresh organisation signed up over the API; returns its owner's auth headers."""
    email = f"mallory-{uuid.uuid4().hex[:8]}@example.com"
    password = "a long enough password"
    body = {"email": email, "password": password, "name": "Mallory", "org_name": "Mallory Inc"}
    assert client.post(f"{V1}/auth/signup", json=body).status_code == 201
    login = client.post(f"{V1}/auth/login", json={"email": email, "password": password})
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['token']}"}


def attack(client, headers, code: str, inputs: dict[str, Any] | None = None) -> dict[str, Any]:
    """Publish ``code`` as a code node, execute it and wait; returns execution plus steps."""
    agent_id = publish(client, headers, code_graph(code, inputs), name="Innocent agent")
    resp = client.post(
        f"{V1}/agents/{agent_id}/execute",
        json={"inputs": {}, "wait": True, "timeout_s": 90},
        headers=headers,
    )
    assert resp.status_code == 200, resp.text  # finished within the wait
    execution = resp.json()
    execution["steps"] = steps(client, headers, execution["id"])
    return execution


@pytest.fixture
def egress_allow(db: None, monkeypatch: pytest.MonkeyPatch):
    """``egress_allow("127.0.0.1")``: the only loopback address the egress guard lets through.

    The setting the platform reads (``RUNTIME__EGRESS_ALLOW_HOSTS``); without calling it the
    guard keeps its strict defaults and every loopback address is refused.
    """
    from agent_platform.settings import get_settings

    def allow(*hosts: str) -> None:
        monkeypatch.setenv("RUNTIME__EGRESS_ALLOW_HOSTS", json.dumps(list(hosts)))
        get_settings.cache_clear()

    yield allow
    monkeypatch.delenv("RUNTIME__EGRESS_ALLOW_HOSTS", raising=False)
    get_settings.cache_clear()


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch):
    """``fake_dns({"host": [[ip, ...], ...]})``: answers to the egress guard's lookups only."""
    from agent_platform.integrations import egress
    from tests.integrations.net_fakes import FakeDNS

    def install(answers: dict[str, list[list[str]]]) -> FakeDNS:
        dns = FakeDNS(answers)
        monkeypatch.setattr(egress, "system_resolver", dns)
        return dns

    return install


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


# The Reflex app as ``make run`` starts it, once for this package, without a worker (so no
# subprocess consumes the messages other tests here inspect). 127.0.0.2 stands for a reverse
# proxy: the websocket tests connect from it to have their X-Forwarded-For believed.
TRUSTED_PROXY = "127.0.0.2"


@pytest.fixture(scope="package")
def proxied_app_server(platform_env: dict[str, str]) -> Iterator[str]:
    """The running app (no worker) trusting ``TRUSTED_PROXY``; its base URL."""
    extra = {"SECURITY__TRUSTED_PROXIES": f'["{TRUSTED_PROXY}/32"]'}
    with running_app(platform_env, worker=False, extra_env=extra) as base_url:
        yield base_url


# Module scope (not the e2e package scope): the app's worker stops with the browser module that
# needed it, so it never consumes the queued messages later tests here inspect.
@pytest.fixture(scope="module")
def app_server(platform_env: dict[str, str]) -> Iterator[str]:
    """The app and one worker for one test module; yields the base URL."""
    with running_app(platform_env) as base_url:
        yield base_url
