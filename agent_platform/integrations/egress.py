"""The one egress guard for every outbound URL (HTTP node, URL import, webhooks, OAuth discovery).

``EgressGuard.check_url`` parses the URL, allows only http/https, resolves the host once and
refuses it if ANY address is private, loopback, link-local, CGNAT, multicast, reserved,
unspecified or a cloud metadata address (IPv4, IPv6 and IPv4 embedded in IPv6).
``EgressHttpClient`` then connects to the checked IP itself (Host header and TLS SNI keep the
name), so a second DNS answer cannot redirect the connection (DNS rebinding); every redirect hop
is checked again. Refusals say only "destination not allowed".
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from agent_platform.engine.protocols import (
    HttpRequest,
    HttpResponse,
    PermanentError,
    TransientError,
)

Resolver = Callable[[str, int], Awaitable[list[str]]]
"""``(host, port) -> IP address strings``; injectable so tests never need real DNS."""
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

NOT_ALLOWED = "destination not allowed"
MAX_REDIRECTS = 5
MAX_RESPONSE_BYTES = 5 * 1024 * 1024
_METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_DROP_HEADERS = {"host", "content-length", "transfer-encoding", "connection"}
_CREDENTIAL_HEADERS = {"authorization", "cookie", "proxy-authorization"}


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


def is_forbidden(ip: IPAddress) -> bool:
    """Whether ``ip`` is anything but a public unicast address (embedded IPv4 unwrapped)."""
    if ip in _METADATA:
        return True
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or (ip.sixtofour) or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and (ip in _NAT64 or int(ip) >> 32 == 0):
            # NAT64 and the deprecated IPv4-compatible form (::a.b.c.d) carry IPv4 too.
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None and is_forbidden(embedded):
            return True
    return (
        not ip.is_global
        or ip.is_multicast
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_unspecified
        or (isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT)
    )


def _literal_ip(host: str) -> IPAddress | None:
    """An IP literal, including legacy IPv4 forms (``2130706433``, ``0x7f.1``, ``0177.0.0.1``)."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if re.fullmatch(r"(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}", host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


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
            PermanentError: "destination not allowed" for any refusal (scheme, host, address).
        """
        try:
            parts = urlsplit(url.strip())
            scheme = parts.scheme.lower()
            raw_host = (parts.hostname or "").rstrip(".")
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError:
            raise PermanentError(NOT_ALLOWED) from None
        if scheme not in ("http", "https") or not raw_host:
            raise PermanentError(NOT_ALLOWED)
        literal = _literal_ip(raw_host)
        if literal is not None:
            host, addresses = str(literal), [literal]
        else:
            try:
                host = raw_host.encode("idna").decode("ascii").lower()
                found = await self._resolve(host, port)
                addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in found]
            except (UnicodeError, OSError, ValueError):
                raise PermanentError(NOT_ALLOWED) from None
        if not addresses or any(not self._allowed(host, ip) for ip in addresses):
            raise PermanentError(NOT_ALLOWED)
        netloc = f"[{host}]" if ":" in host else host
        normalised = parts._replace(scheme=scheme, netloc=f"{netloc}:{port}").geturl()
        return ResolvedTarget(
            url=normalised,
            scheme=scheme,
            host=host,
            port=port,
            ip=str(addresses[0]),
            addresses=tuple(str(a) for a in addresses),
        )

    def _allowed(self, host: str, ip: IPAddress) -> bool:
        if ip in _METADATA or (ip.version == 6 and ip.ipv4_mapped in _METADATA):
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


class EgressHttpClient:
    """The engine's ``HttpClient``: every hop checked, pinned, size- and time-capped.

    Args:
        guard: the policy; ``EgressGuard()`` (strict) in production.
        max_response_bytes: bodies beyond this are cut and flagged ``truncated``.
        verify: TLS verification (a CA bundle path for private CAs); never disable in prod.
    """

    def __init__(
        self,
        guard: EgressGuard | None = None,
        *,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
        max_redirects: int = MAX_REDIRECTS,
        verify: bool | str = True,
    ) -> None:
        self._guard = guard or EgressGuard()
        self._cap = max_response_bytes
        self._max_redirects = max_redirects
        self._verify = verify

    async def request(self, request: HttpRequest) -> HttpResponse:
        """Send ``request``; a non-2xx status is returned, not raised.

        Raises:
            PermanentError: refused destination or scheme, too many redirects.
            TransientError: timeout (``request.timeout_s`` for the whole exchange) or
                connection failure.
        """
        try:
            async with asyncio.timeout(request.timeout_s):
                return await self._follow(request)
        except TimeoutError:
            raise TransientError("request timed out") from None
        except httpx.TransportError:
            raise TransientError("could not connect to destination") from None

    async def _follow(self, request: HttpRequest) -> HttpResponse:
        method, url, body = request.method.upper(), request.url, request.body
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _DROP_HEADERS}
        # Connection pooling is keyed by IP, so one client per request keeps hops independent.
        async with httpx.AsyncClient(
            follow_redirects=False,
            verify=self._verify,
            trust_env=False,
            timeout=request.timeout_s,
        ) as client:
            for _ in range(self._max_redirects + 1):
                target = await self._guard.check_url(url)
                response = await self._send(client, target, method, headers, body)
                location = response.headers.get("location")
                if response.status not in (301, 302, 303, 307, 308) or not location:
                    return response
                next_url = urljoin(target.url, location)
                if urlsplit(next_url).netloc != urlsplit(target.url).netloc:
                    # Never forward credentials to another origin.
                    headers = {
                        k: v for k, v in headers.items() if k.lower() not in _CREDENTIAL_HEADERS
                    }
                if response.status == 303 or (response.status in (301, 302) and method == "POST"):
                    method, body = "GET", None
                url = next_url
        raise PermanentError("too many redirects")

    async def _send(
        self,
        client: httpx.AsyncClient,
        target: ResolvedTarget,
        method: str,
        headers: dict[str, str],
        body: str | None,
    ) -> HttpResponse:
        extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
        req = client.build_request(
            method,
            target.pinned_url(),
            headers={**headers, "Host": target.host_header()},
            content=body.encode() if body is not None else None,
            extensions=extensions,
        )
        resp = await client.send(req, stream=True)
        try:
            chunks: list[bytes] = []
            size, truncated = 0, False
            async for chunk in resp.aiter_bytes():
                if size + len(chunk) > self._cap:
                    chunks.append(chunk[: self._cap - size])
                    truncated = True
                    break
                chunks.append(chunk)
                size += len(chunk)
        finally:
            await resp.aclose()
        text = b"".join(chunks).decode(resp.charset_encoding or "utf-8", errors="replace")
        return HttpResponse(
            status=resp.status_code, headers=dict(resp.headers), body=text, truncated=truncated
        )
