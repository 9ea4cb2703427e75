"""The one egress guard for every outbound URL, and the HTTP clients that obey it.

``EgressGuard.check_url`` parses the URL, allows only http/https, resolves the host once and
refuses it if ANY address is private, loopback, link-local, CGNAT, multicast, reserved,
unspecified or a cloud metadata address (IPv4, IPv6 and IPv4 embedded in IPv6). Refusals raise
``EgressRefused`` saying only "destination not allowed".

Two ways to obey it:

* ``egress_http.EgressHttpClient`` (the engine's ``HttpClient``) checks every hop with
  ``check_url`` and connects to the checked IP itself.
* ``egress_http_client(guard)`` / ``egress_sync_http_client(guard)`` build ``httpx2`` clients
  (the library the OpenAI and Anthropic SDKs use) for SDKs and later OAuth/MCP clients. Their
  transport resolves and checks the host when it opens each connection and connects to the
  checked address (TLS SNI and the Host header keep the name, the pool is keyed by name), so a
  second DNS answer can never move a connection (DNS rebinding). They never read proxies from
  the environment, keep no cookies, and refuse redirects instead of following them.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import http.cookiejar
import ipaddress
import socket
import ssl
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpcore2
import httpx2

from agent_platform.engine.protocols import PermanentError
from agent_platform.integrations.egress_addresses import (
    IPAddress,
    is_forbidden,
    is_metadata,
    literal_ip,
)

Resolver = Callable[[str, int], Awaitable[list[str]]]
"""``(host, port) -> IP address strings``; injectable so tests never need real DNS."""
Verify = bool | ssl.SSLContext
"""TLS verification: on (system CAs), off (tests only), or a context trusting a private CA."""
NOT_ALLOWED = "destination not allowed"
REDIRECT_REFUSED = "redirects are not followed; use the address the server answers at"
_REDIRECTS = (301, 302, 303, 307, 308)
T = TypeVar("T")


class EgressRefused(PermanentError):
    """The egress guard refused a destination; the message never says where it pointed."""


@dataclass(frozen=True)
class ResolvedTarget:
    """A URL that passed the guard, pinned to one checked address.

    Attributes:
        url: the URL as checked (normalised host).
        host: the ASCII host name (or IP literal) for the Host header and SNI.
        ip: the address the connection must use.
        addresses: every address the name resolved to (all were checked).
    """

    url: str
    scheme: str
    host: str
    port: int
    ip: str
    addresses: tuple[str, ...]

    def pinned_url(self) -> str:
        """``url`` with the host replaced by ``ip`` (IPv6 in brackets)."""
        parts = urlsplit(self.url)
        ip = f"[{self.ip}]" if ":" in self.ip else self.ip
        return parts._replace(netloc=f"{ip}:{self.port}").geturl()

    def host_header(self) -> str:
        """``host[:port]`` with the port only when it is not the scheme's default."""
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


async def system_resolver(host: str, port: int) -> list[str]:
    """Resolve with the OS resolver (``getaddrinfo``), TCP addresses only."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class EgressGuard:
    """Decides whether a URL may be fetched.

    Args:
        allow_hosts: explicit exceptions from configuration: exact host names
            (``"ollama.internal"``), IPs or networks (``"127.0.0.1"``, ``"10.0.0.0/8"``).
            Metadata addresses are refused even when listed.
        allow_private_networks: allow every non-public address except metadata (for
            self-hosted deployments whose targets are all internal). Off by default.
        resolver: async ``(host, port) -> [ip, ...]``; defaults to ``getaddrinfo``.
    """

    def __init__(
        self,
        *,
        allow_hosts: Iterable[str] = (),
        allow_private_networks: bool = False,
        resolver: Resolver | None = None,
    ) -> None:
        self._names: set[str] = set()
        self._nets: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for entry in allow_hosts:
            try:
                self._nets.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                self._names.add(entry.strip().rstrip(".").lower())
        self._allow_private = allow_private_networks
        self._resolve = resolver or system_resolver

    async def check_url(self, url: str) -> ResolvedTarget:
        """Check ``url`` and pin it to a resolved address.

        Raises:
            EgressRefused: "destination not allowed" for any refusal (scheme, host, address).
        """
        try:
            parts = urlsplit(url.strip())
            scheme = parts.scheme.lower()
            raw_host = parts.hostname or ""
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError:
            raise EgressRefused(NOT_ALLOWED) from None
        if scheme not in ("http", "https"):
            raise EgressRefused(NOT_ALLOWED)
        host, addresses = await self.pin_host(raw_host, port)
        netloc = f"[{host}]" if ":" in host else host
        normalised = parts._replace(scheme=scheme, netloc=f"{netloc}:{port}").geturl()
        return ResolvedTarget(
            url=normalised, scheme=scheme, host=host, port=port, ip=addresses[0],
            addresses=addresses,
        )  # fmt: skip

    async def pin_host(self, host: str, port: int) -> tuple[str, tuple[str, ...]]:
        """Resolve ``host`` once and check every address it has.

        Returns:
            ``(host, addresses)``: the normalised host (lower-case ASCII, IP literals in
            canonical form) and every resolved address, all allowed, in resolver order.

        Raises:
            EgressRefused: "destination not allowed" (no host, unresolvable, any address
                forbidden).
        """
        raw_host = host.strip().strip("[]").rstrip(".")
        if not raw_host:
            raise EgressRefused(NOT_ALLOWED)
        literal = literal_ip(raw_host)
        if literal is not None:
            host, addresses = str(literal), [literal]
        else:
            try:
                host = raw_host.encode("idna").decode("ascii").lower()
                found = await self._resolve(host, port)
                addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in found]
            except (UnicodeError, OSError, ValueError):
                raise EgressRefused(NOT_ALLOWED) from None
        if not addresses or any(not self._allowed(host, ip) for ip in addresses):
            raise EgressRefused(NOT_ALLOWED)
        return host, tuple(str(a) for a in addresses)

    def _allowed(self, host: str, ip: IPAddress) -> bool:
        if is_metadata(ip):
            return False
        if not is_forbidden(ip):
            return True
        if host in self._names or any(ip in net for net in self._nets if net.version == ip.version):
            return True
        return self._allow_private and not ip.is_multicast and not ip.is_unspecified


_default_guard: EgressGuard | None = None


async def check_url(url: str) -> ResolvedTarget:
    """``EgressGuard().check_url`` with the strict defaults (no exceptions, system DNS)."""
    global _default_guard
    _default_guard = _default_guard or EgressGuard()
    return await _default_guard.check_url(url)


# ------------------------------------------------------------------ httpx2 clients for SDKs


def no_cookie_jar() -> http.cookiejar.CookieJar:
    """A cookie jar that stores nothing, so no response can plant a cookie for a later hop."""
    return http.cookiejar.CookieJar(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))


def _run_blocking(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine from synchronous code (in a helper thread when a loop is running)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


class _GuardedBackend(httpcore2.AsyncNetworkBackend):
    """Opens TCP connections only to addresses the guard checked, resolved exactly once."""

    def __init__(self, guard: EgressGuard) -> None:
        self._guard = guard
        self._inner = httpcore2.AnyIOBackend()

    async def connect_tcp(
        self, host: str, port: int, timeout: float | None = None,
        local_address: str | None = None, socket_options: Iterable[Any] | None = None,
    ) -> httpcore2.AsyncNetworkStream:  # fmt: skip
        _, addresses = await self._guard.pin_host(host, port)
        failure: Exception = EgressRefused(NOT_ALLOWED)
        for ip in addresses:  # every one was checked; try them in the resolver's order
            try:
                return await self._inner.connect_tcp(
                    ip, port, timeout=timeout, local_address=local_address,
                    socket_options=socket_options,
                )  # fmt: skip
            except (httpcore2.ConnectError, httpcore2.ConnectTimeout) as exc:
                failure = exc
        raise failure

    async def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore2.AsyncNetworkStream:
        raise EgressRefused(NOT_ALLOWED)

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _GuardedSyncBackend(httpcore2.NetworkBackend):
    """``_GuardedBackend`` for synchronous clients (the guard's resolver is still async)."""

    def __init__(self, guard: EgressGuard) -> None:
        self._guard = guard
        self._inner = httpcore2.SyncBackend()

    def connect_tcp(
        self, host: str, port: int, timeout: float | None = None,
        local_address: str | None = None, socket_options: Iterable[Any] | None = None,
    ) -> httpcore2.NetworkStream:  # fmt: skip
        _, addresses = _run_blocking(lambda: self._guard.pin_host(host, port))
        failure: Exception = EgressRefused(NOT_ALLOWED)
        for ip in addresses:
            try:
                return self._inner.connect_tcp(
                    ip, port, timeout=timeout, local_address=local_address,
                    socket_options=socket_options,
                )  # fmt: skip
            except (httpcore2.ConnectError, httpcore2.ConnectTimeout) as exc:
                failure = exc
        raise failure

    def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore2.NetworkStream:
        raise EgressRefused(NOT_ALLOWED)


def _pool_options(verify: Verify, limits: httpx2.Limits) -> dict[str, Any]:
    return {
        "ssl_context": httpx2.create_ssl_context(verify=verify, trust_env=False),
        "max_connections": limits.max_connections,
        "max_keepalive_connections": limits.max_keepalive_connections,
        "keepalive_expiry": limits.keepalive_expiry,
    }


def _refuse(request: httpx2.Request, response: httpx2.Response | None = None) -> None:
    if request.url.scheme not in ("http", "https"):
        raise EgressRefused(NOT_ALLOWED)
    if response is not None and response.status_code in _REDIRECTS:
        raise EgressRefused(REDIRECT_REFUSED)


class GuardedTransport(httpx2.AsyncHTTPTransport):
    """An ``httpx2`` transport whose connections go only where ``guard`` allows.

    The parent's connection pool is replaced by one on ``_GuardedBackend`` (no proxy, no
    environment). Only http/https; a redirect response raises ``EgressRefused``.

    Args:
        guard: the egress policy.
        verify: TLS verification, or an ``ssl.SSLContext`` trusting a private CA.
    """

    def __init__(
        self, guard: EgressGuard, *, verify: Verify = True, limits: httpx2.Limits | None = None
    ) -> None:
        limits = limits or httpx2.Limits(max_connections=100, max_keepalive_connections=20)
        super().__init__(verify=verify, trust_env=False, limits=limits)
        self._pool = httpcore2.AsyncConnectionPool(
            **_pool_options(verify, limits), network_backend=_GuardedBackend(guard)
        )

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        """Send ``request`` over a checked connection.

        Raises:
            EgressRefused: another scheme, a refused address, or a redirect response.
        """
        _refuse(request)
        response = await super().handle_async_request(request)
        try:
            _refuse(request, response)
        except EgressRefused:
            await response.aclose()
            raise
        return response


class GuardedSyncTransport(httpx2.HTTPTransport):
    """``GuardedTransport`` for synchronous clients (``openai.OpenAI`` embeddings)."""

    def __init__(
        self, guard: EgressGuard, *, verify: Verify = True, limits: httpx2.Limits | None = None
    ) -> None:
        limits = limits or httpx2.Limits(max_connections=20, max_keepalive_connections=5)
        super().__init__(verify=verify, trust_env=False, limits=limits)
        self._pool = httpcore2.ConnectionPool(
            **_pool_options(verify, limits), network_backend=_GuardedSyncBackend(guard)
        )

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        """Send ``request`` over a checked connection (raises as ``GuardedTransport``)."""
        _refuse(request)
        response = super().handle_request(request)
        try:
            _refuse(request, response)
        except EgressRefused:
            response.close()
            raise
        return response


def egress_http_client(
    guard: EgressGuard | None = None, *, timeout_s: float = 60.0, verify: Verify = True
) -> httpx2.AsyncClient:
    """An ``httpx2.AsyncClient`` for SDKs (``http_client=``): every connection guarded.

    No proxy or CA settings from the environment (``trust_env=False``), no cookie jar, and
    redirects are not followed: a 3xx answer raises ``EgressRefused``.

    Args:
        guard: the policy; ``EgressGuard()`` (strict) when omitted.
        timeout_s: default timeout (SDKs pass their own per request).
        verify: TLS verification, or an ``ssl.SSLContext`` trusting a private CA.
    """
    transport = GuardedTransport(guard or EgressGuard(), verify=verify)
    return httpx2.AsyncClient(
        transport=transport, trust_env=False, follow_redirects=False, timeout=timeout_s,
        cookies=no_cookie_jar(),
    )  # fmt: skip


def egress_sync_http_client(
    guard: EgressGuard | None = None, *, timeout_s: float = 60.0, verify: Verify = True
) -> httpx2.Client:
    """``egress_http_client`` for synchronous SDK clients."""
    transport = GuardedSyncTransport(guard or EgressGuard(), verify=verify)
    return httpx2.Client(
        transport=transport, trust_env=False, follow_redirects=False, timeout=timeout_s,
        cookies=no_cookie_jar(),
    )  # fmt: skip
