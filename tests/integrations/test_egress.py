"""The egress guard: forbidden destinations, pinning, redirects, caps. Only loopback traffic."""

from __future__ import annotations

import ipaddress

import pytest

from agent_platform.engine.protocols import HttpRequest, PermanentError, TransientError
from agent_platform.integrations.egress import NOT_ALLOWED, EgressGuard, is_forbidden
from agent_platform.integrations.egress_http import EgressHttpClient

pytestmark = pytest.mark.anyio
PUBLIC_IP = "93.184.216.34"


def fake_resolver(table: dict[str, list[str]], calls: list[str] | None = None):
    async def resolve(host: str, port: int) -> list[str]:
        if calls is not None:
            calls.append(host)
        if host not in table:
            raise OSError("no such host")
        return table[host]

    return resolve


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://localhost/",
        "http://LOCALHOST./admin",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:169.254.169.254]/",
        "http://[::127.0.0.1]/",
        "http://[64:ff9b::a00:1]/",
        "http://10.1.2.3/",
        "http://172.16.0.1/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/",
        "http://[fe80::1]/",
        "http://0.0.0.0/",
        "http://[::]/",
        "http://224.0.0.1/",
        "http://2130706433/",
        "http://0x7f.1/",
        "http://0177.0.0.1/",
        "http://017700000001/",
        "http://user@127.0.0.1:80@evil/",
        "ftp://example.com/",
        "file:///etc/passwd",
        "gopher://example.com/",
        "http:///nohost",
        "http://[::1/",
    ],
)
async def test_forbidden_destinations_are_refused_with_a_generic_message(url):
    with pytest.raises(PermanentError) as info:
        await EgressGuard().check_url(url)
    assert info.value.message == NOT_ALLOWED


async def test_rejected_if_any_resolved_address_is_private():
    resolver = fake_resolver({"mixed.example": [PUBLIC_IP, "10.0.0.5"]})
    with pytest.raises(PermanentError, match=NOT_ALLOWED):
        await EgressGuard(resolver=resolver).check_url("https://mixed.example/")


async def test_public_name_is_resolved_once_and_pinned_without_connecting():
    calls: list[str] = []
    guard = EgressGuard(resolver=fake_resolver({"public.example": [PUBLIC_IP]}, calls))
    target = await guard.check_url("https://Public.Example/path?q=1")
    assert (target.host, target.ip, target.port) == ("public.example", PUBLIC_IP, 443)
    assert target.pinned_url() == f"https://{PUBLIC_IP}:443/path?q=1"
    assert target.host_header() == "public.example"
    assert calls == ["public.example"]


async def test_unresolvable_host_is_refused():
    with pytest.raises(PermanentError, match=NOT_ALLOWED):
        await EgressGuard(resolver=fake_resolver({})).check_url("http://nope.example/")


def test_is_forbidden_allows_public_v4_and_v6():
    assert not is_forbidden(ipaddress.ip_address(PUBLIC_IP))
    assert not is_forbidden(ipaddress.ip_address("2606:4700:4700::1111"))
    assert is_forbidden(ipaddress.ip_address("2002:7f00:1::"))  # 6to4 wrapping 127.0.0.1


async def test_metadata_stays_blocked_even_with_private_networks_allowed():
    guard = EgressGuard(allow_private_networks=True, allow_hosts=["169.254.0.0/16"])
    assert (await guard.check_url("http://10.0.0.1/")).ip == "10.0.0.1"
    with pytest.raises(PermanentError):
        await guard.check_url("http://169.254.169.254/")


async def test_allowed_local_request_is_pinned_to_the_checked_ip(wire):
    wire.add_route("GET", "/hello", body="hi there", headers={"content-type": "text/plain"})
    calls: list[str] = []
    # "service.test" does not exist in real DNS: success proves httpx connected to our IP.
    guard = EgressGuard(
        allow_hosts=["127.0.0.1"],
        resolver=fake_resolver({"service.test": ["127.0.0.1"]}, calls),
    )
    client = EgressHttpClient(guard)
    resp = await client.request(
        HttpRequest(
            "GET",
            f"http://service.test:{wire.port}/hello",
            headers={"Host": "evil.example", "X-Trace": "1"},
        )
    )
    assert (resp.status, resp.body, resp.truncated) == (200, "hi there", False)
    assert calls == ["service.test"]
    sent = wire.requests[0]
    assert sent.headers["host"] == f"service.test:{wire.port}"
    assert sent.headers["x-trace"] == "1"


async def test_local_server_blocked_by_default(wire):
    wire.add_route("GET", "/", body="secret")
    with pytest.raises(PermanentError, match=NOT_ALLOWED):
        await EgressHttpClient().request(HttpRequest("GET", f"http://127.0.0.1:{wire.port}/"))
    assert wire.requests == []


@pytest.mark.parametrize(
    "location",
    [
        "http://10.1.2.3/",
        "http://169.254.169.254/latest",
        "http://127.0.0.2:{port}/x",
        "file:///etc/passwd",
    ],
)
async def test_redirect_to_forbidden_address_is_refused(wire, location):
    wire.add_route("GET", "/go", status=302, headers={"location": location.format(port=wire.port)})
    client = EgressHttpClient(EgressGuard(allow_hosts=["127.0.0.1"]))
    with pytest.raises(PermanentError, match=NOT_ALLOWED):
        await client.request(HttpRequest("GET", f"http://127.0.0.1:{wire.port}/go"))
    assert [r.path for r in wire.requests] == ["/go"]


async def test_allowed_redirect_is_followed_and_post_becomes_get_on_303(wire):
    wire.add_route("POST", "/form", status=303, headers={"location": "/done"})
    wire.add_route("GET", "/done", body="ok")
    client = EgressHttpClient(EgressGuard(allow_hosts=["127.0.0.1"]))
    resp = await client.request(
        HttpRequest("POST", f"http://127.0.0.1:{wire.port}/form", body="a=1")
    )
    assert resp.body == "ok"
    assert [(r.method, r.path) for r in wire.requests] == [("POST", "/form"), ("GET", "/done")]


async def test_redirect_loop_stops(wire):
    wire.add_route("GET", "/loop", status=302, headers={"location": "/loop"})
    client = EgressHttpClient(EgressGuard(allow_hosts=["127.0.0.1"]), max_redirects=3)
    with pytest.raises(PermanentError, match="too many redirects"):
        await client.request(HttpRequest("GET", f"http://127.0.0.1:{wire.port}/loop"))
    assert len(wire.requests) == 4


async def test_response_is_capped_and_flagged(wire):
    wire.add_route("GET", "/big", body=b"x" * 100_000)
    client = EgressHttpClient(EgressGuard(allow_hosts=["127.0.0.1"]), max_response_bytes=1000)
    resp = await client.request(HttpRequest("GET", f"http://127.0.0.1:{wire.port}/big"))
    assert resp.truncated and len(resp.body) == 1000


async def test_slow_destination_times_out_as_transient(wire):
    wire.reply_text("late", delay_s=2)
    client = EgressHttpClient(EgressGuard(allow_hosts=["127.0.0.1"]))
    with pytest.raises(TransientError, match="timed out"):
        await client.request(
            HttpRequest(
                "POST",
                f"http://127.0.0.1:{wire.port}/v1/chat/completions",
                body="{}",
                timeout_s=0.3,
            )
        )
