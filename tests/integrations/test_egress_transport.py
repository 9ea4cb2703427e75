"""The guarded ``httpx2`` clients SDKs get: checked and pinned per connection, no proxy, no
redirects, no cookies, TLS to the name. Only loopback traffic; names resolve through fakes."""

from __future__ import annotations

import datetime
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from agent_platform.integrations.egress import (
    NOT_ALLOWED,
    REDIRECT_REFUSED,
    EgressGuard,
    EgressRefused,
    egress_http_client,
    egress_sync_http_client,
)
from tests.integrations.net_fakes import FakeDNS, Listener
from tests.integrations.test_egress import fake_resolver

pytestmark = pytest.mark.anyio
LOOPBACK = EgressGuard(allow_hosts=["127.0.0.1"])


@pytest.fixture
def private() -> Iterator[list[Listener]]:
    opened: list[Listener] = []
    yield opened
    for listener in opened:
        listener.close()


async def test_connection_goes_to_the_checked_address_with_the_name_kept(wire):
    wire.add_route("GET", "/hello", body="hi")
    calls: list[str] = []
    guard = EgressGuard(
        allow_hosts=["127.0.0.1"], resolver=fake_resolver({"svc.test": ["127.0.0.1"]}, calls)
    )
    async with egress_http_client(guard) as client:
        first = await client.get(f"http://svc.test:{wire.port}/hello")
        second = await client.get(f"http://svc.test:{wire.port}/hello")
    assert (first.status_code, first.text, second.text) == (200, "hi", "hi")
    assert calls == ["svc.test"]  # one connection, resolved once, reused
    assert wire.requests[0].headers["host"] == f"svc.test:{wire.port}"


@pytest.mark.parametrize(
    "answer", ["127.0.0.2", "::1", "::ffff:127.0.0.1", "169.254.169.254", "10.0.0.7"]
)
async def test_names_resolving_to_refused_addresses_never_connect(private, answer):
    listen = {"127.0.0.2": "127.0.0.2", "::1": "::1", "::ffff:127.0.0.1": "127.0.0.1"}
    port = 8080
    if answer in listen:
        private.append(target := Listener(listen[answer]))
        port = target.port
    guard = EgressGuard(allow_hosts=["127.0.0.1"], resolver=fake_resolver({"x.test": [answer]}))
    async with egress_http_client(guard) as client:
        with pytest.raises(EgressRefused, match=NOT_ALLOWED):
            await client.get(f"http://x.test:{port}/")
    assert all(listener.received == [] for listener in private)


async def test_strict_guard_refuses_loopback_literals(wire):
    async with egress_http_client() as client:
        for url in (wire.base_url, f"http://[::ffff:127.0.0.1]:{wire.port}/", "http://0x7f.1/"):
            with pytest.raises(EgressRefused, match=NOT_ALLOWED):
                await client.get(url)
    assert wire.requests == []


async def test_dns_rebinding_keeps_the_checked_address(wire, private):
    private.append(rebound := Listener("127.0.0.2", wire.port))
    dns = FakeDNS({"rebind.test": [["127.0.0.1"], ["127.0.0.2"]]})
    wire.add_route("GET", "/", body="checked")
    guard = EgressGuard(allow_hosts=["127.0.0.1"], resolver=dns)
    async with egress_http_client(guard) as client:
        assert (await client.get(f"http://rebind.test:{wire.port}/")).text == "checked"
        assert (await client.get(f"http://rebind.test:{wire.port}/")).text == "checked"
    assert rebound.received == [] and dns.calls == ["rebind.test"]


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_redirects_are_refused_not_followed(wire, private, status):
    private.append(target := Listener("127.0.0.2"))
    wire.add_route("POST", "/v1/x", status=status, headers={"location": f"{target.url}/"})
    async with egress_http_client(LOOPBACK) as client:
        with pytest.raises(EgressRefused, match="redirects are not followed"):
            await client.post(f"{wire.base_url}/v1/x", json={})
    assert target.received == []


async def test_proxy_environment_is_ignored(wire, private, monkeypatch):
    private.append(proxy := Listener("127.0.0.2"))
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, proxy.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    wire.add_route("GET", "/", body="direct")
    async with egress_http_client(LOOPBACK) as client:
        assert (await client.get(f"{wire.base_url}/")).text == "direct"
    with egress_sync_http_client(LOOPBACK) as client:
        assert client.get(f"{wire.base_url}/").text == "direct"
    assert proxy.received == []


async def test_cookies_are_never_kept(wire):
    wire.add_route("GET", "/login", headers={"set-cookie": "sid=abc; Path=/"})
    wire.add_route("GET", "/next")
    async with egress_http_client(LOOPBACK) as client:
        await client.get(f"{wire.base_url}/login")
        await client.get(f"{wire.base_url}/next")
    assert "cookie" not in wire.requests[1].headers


async def test_sync_client_is_guarded_too_even_inside_an_event_loop(wire):
    wire.add_route("GET", "/", body="sync")
    with egress_sync_http_client(LOOPBACK) as client:
        assert client.get(f"{wire.base_url}/").text == "sync"  # a loop is running here
        with pytest.raises(EgressRefused, match=NOT_ALLOWED):
            client.get("http://169.254.169.254/latest/meta-data/")
        wire.add_route("GET", "/go", status=302, headers={"location": "http://10.0.0.1/"})
        with pytest.raises(EgressRefused, match=REDIRECT_REFUSED):
            client.get(f"{wire.base_url}/go")


# ----------------------------------------------------------------------------------------- TLS


def _certificates(tmp: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A CA and a leaf for ``tls.test`` signed by it: (server context, client context)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)

    def cert(subject: str, key, issuer: str, signer, *, ca: bool):  # noqa: ANN001
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=1))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if not ca:
            san = x509.SubjectAlternativeName([x509.DNSName(subject)])
            builder = builder.add_extension(san, critical=False)
        return builder.sign(signer, hashes.SHA256())

    ca_key, leaf_key = (
        ec.generate_private_key(ec.SECP256R1()),
        ec.generate_private_key(ec.SECP256R1()),
    )
    ca = cert("Test CA", ca_key, "Test CA", ca_key, ca=True)
    leaf = cert("tls.test", leaf_key, "Test CA", ca_key, ca=False)
    pem = serialization.Encoding.PEM
    (tmp / "leaf.pem").write_bytes(leaf.public_bytes(pem) + ca.public_bytes(pem))
    (tmp / "leaf.key").write_bytes(
        leaf_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(tmp / "leaf.pem", tmp / "leaf.key")
    client = ssl.create_default_context(cadata=ca.public_bytes(pem).decode())
    return server, client


@pytest.fixture
def tls_server(tmp_path) -> Iterator[tuple[int, ssl.SSLContext, list[str]]]:
    """An HTTPS server on 127.0.0.1 with a certificate for ``tls.test`` only; records SNI."""
    server_ctx, client_ctx = _certificates(tmp_path)
    names: list[str] = []
    server_ctx.sni_callback = lambda sock, name, ctx: names.append(name or "")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # noqa: ANN002
            pass

        def do_GET(self) -> None:  # noqa: N802
            body = self.headers["host"].encode()
            self.send_response(200)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.socket = server_ctx.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1], client_ctx, names
    httpd.shutdown()


async def test_tls_connects_to_the_pinned_ip_and_verifies_the_name(tls_server):
    port, trust, names = tls_server
    guard = EgressGuard(
        allow_hosts=["127.0.0.1"], resolver=fake_resolver({"tls.test": ["127.0.0.1"]})
    )
    async with egress_http_client(guard, verify=trust) as client:
        response = await client.get(f"https://tls.test:{port}/")
    assert response.text == f"tls.test:{port}"
    assert names == ["tls.test"]
    other = EgressGuard(
        allow_hosts=["127.0.0.1"], resolver=fake_resolver({"evil.test": ["127.0.0.1"]})
    )
    async with egress_http_client(other, verify=trust) as client:
        with pytest.raises(Exception, match="(?i)certificate"):
            await client.get(f"https://evil.test:{port}/")  # the cert is for tls.test only
