"""SSRF through LLM provider base URLs, as a tenant attempts it.

A fresh sign-up stores an OpenAI-compatible credential whose base URL points where the platform
must never connect (loopback, metadata, private ranges, IPv6 forms), or at an address the test
allowlists as the "public" server which then redirects, is reached through a proxy from the
environment, or is re-resolved to a private address (DNS rebinding). Runs execute on a real
Dramatiq worker in this process, so the egress guard's resolver can be replaced (never the
SDK's: the SDK must not resolve at all).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integrations.llm_wire_servers import WireServer, wire_server
from tests.security.network import Listener, create_credential, llm_graph, run_graph

pytestmark = pytest.mark.usefixtures("worker")


@pytest.fixture
def wire() -> Iterator[WireServer]:
    """The "public" OpenAI-compatible server on 127.0.0.1 (allowlisted by the tests using it)."""
    with wire_server() as srv:
        yield srv


@pytest.fixture
def listeners() -> Iterator[list[Listener]]:
    """Listeners the test opens; all closed afterwards."""
    opened: list[Listener] = []
    yield opened
    for listener in opened:
        listener.close()


def compat_credential(client, headers, base_url: str) -> str:
    return create_credential(
        client, headers, name="Local LLM", kind="llm_provider", provider="compat",
        data={"base_url": base_url, "api_key": "sk-tenant-key-0000000000"},
    )  # fmt: skip


def assert_egress_refusal(run: dict) -> None:
    assert run["status"] == "failed", run
    error = run["steps"]["step_1"]["error"] or ""
    assert "destination not allowed" in error, error
    for internal in ("127.0.0", "169.254", "10.0.0", "::1", "Traceback"):
        assert internal not in error, error


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "[::1]", "[::ffff:127.0.0.1]", "localhost", "2130706433", "0x7f.0.0.1"],
)
def test_base_url_on_a_loopback_literal_is_refused(client, tenant, listeners, host):
    family = "::1" if host == "[::1]" else "127.0.0.1"
    listeners.append(target := Listener(family))
    cid = compat_credential(client, tenant, f"http://{host}:{target.port}/v1")
    run = run_graph(client, tenant, llm_graph(cid))
    assert_egress_refusal(run)
    assert target.received == []


@pytest.mark.parametrize(
    ("answer", "listen_on"),
    [
        ("169.254.169.254", None),
        ("10.0.0.7", None),
        ("::1", "::1"),
        ("::ffff:127.0.0.1", "127.0.0.1"),
        ("127.0.0.2", "127.0.0.2"),
    ],
)
def test_base_url_whose_name_resolves_to_a_private_address_is_refused(
    client, tenant, fake_dns, listeners, answer, listen_on
):
    port = 0
    if listen_on:
        listeners.append(target := Listener(listen_on))
        port = target.port
    fake_dns({"llm.attacker.test": [[answer]]})
    cid = compat_credential(client, tenant, f"http://llm.attacker.test:{port or 8080}/v1")
    run = run_graph(client, tenant, llm_graph(cid))
    assert_egress_refusal(run)
    assert all(listener.received == [] for listener in listeners)


@pytest.mark.parametrize("status", [302, 307])
def test_redirect_from_an_allowed_base_url_to_loopback_is_refused(
    client, tenant, egress_allow, wire, listeners, status
):
    egress_allow("127.0.0.1")
    listeners.append(target := Listener("127.0.0.2"))
    location = f"{target.url}/v1/chat/completions"
    wire.add_route("POST", "/v1/chat/completions", status=status, headers={"location": location})
    cid = compat_credential(client, tenant, wire.openai_base_url)
    run = run_graph(client, tenant, llm_graph(cid))
    assert run["status"] == "failed", run
    assert "redirect" in (run["steps"]["step_1"]["error"] or "")
    assert [r.path for r in wire.requests] == ["/v1/chat/completions"]
    assert target.received == []


def test_proxy_variables_in_the_environment_are_not_used(
    client, tenant, egress_allow, wire, listeners, monkeypatch
):
    egress_allow("127.0.0.1")
    listeners.append(proxy := Listener("127.0.0.2"))
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(name, proxy.url)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    wire.reply_text("direct")
    cid = compat_credential(client, tenant, wire.openai_base_url)
    run = run_graph(client, tenant, llm_graph(cid))
    assert run["status"] == "succeeded", run["error"]
    assert run["output"]["text"] == "direct"
    assert proxy.received == []


def test_dns_rebinding_cannot_move_the_connection_to_a_private_address(
    client, tenant, egress_allow, fake_dns, wire, listeners
):
    egress_allow("127.0.0.1")
    listeners.append(private := Listener("127.0.0.2", wire.port))  # same port, private address
    dns = fake_dns({"llm.rebind.test": [["127.0.0.1"], ["127.0.0.2"]]})
    wire.reply_text("from the checked address")
    cid = compat_credential(client, tenant, f"http://llm.rebind.test:{wire.port}/v1")
    run = run_graph(client, tenant, llm_graph(cid))
    assert run["status"] == "succeeded", run["error"]
    assert run["output"]["text"] == "from the checked address"
    assert private.received == []
    assert "llm.rebind.test" in dns.calls
    assert wire.requests[0].headers["host"] == f"llm.rebind.test:{wire.port}"
