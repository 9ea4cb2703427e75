"""The engine's ``HttpClient`` on the egress guard: every hop checked, pinned and capped.

``EgressHttpClient`` follows redirects itself: each hop is checked with
``EgressGuard.check_url`` and sent to the checked IP (Host header and TLS SNI keep the name), so
a second DNS answer cannot redirect the connection (DNS rebinding). Refusals say only
"destination not allowed".

A request carrying a credential (``HttpRequest.credential``) is sent only to a host the
credential is bound to (``host_allowed`` on the pinned host of every hop); a cross-origin
redirect drops ``Authorization``, cookies and the credential's own headers before the next hop.
``normalise_host_patterns`` validates those bindings when a credential is saved.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable
from urllib.parse import urljoin, urlsplit

import httpx

from agent_platform.engine.protocols import (
    HttpRequest,
    HttpResponse,
    PermanentError,
    TransientError,
)
from agent_platform.integrations.egress import EgressGuard, ResolvedTarget, no_cookie_jar
from agent_platform.integrations.egress_addresses import literal_ip

MAX_REDIRECTS = 5
MAX_RESPONSE_BYTES = 5 * 1024 * 1024
_DROP_HEADERS = {"host", "content-length", "transfer-encoding", "connection"}
_CREDENTIAL_HEADERS = {"authorization", "cookie", "proxy-authorization"}
MAX_HOST_PATTERNS = 20
_LABEL = re.compile(r"[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?")


def _normalise_host(entry: str) -> str:
    """One exact host or ``*.domain``, lower-case ASCII; ``ValueError`` says what is wrong."""
    raw = entry.strip().lower().rstrip(".")
    wildcard = raw.startswith("*.")
    name = raw[2:] if wildcard else raw
    literal = literal_ip(name.strip("[]")) if not wildcard else None
    if literal is not None:
        return str(literal)
    if not name or any(c in name for c in "*/:@?#[] \t") or len(name) > 253:
        raise ValueError(f"{entry.strip()[:80]!r} is not a host name (no scheme, port or path)")
    try:
        name = name.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValueError(f"{entry.strip()[:80]!r} is not a valid host name") from None
    labels = name.split(".")
    if not all(_LABEL.fullmatch(label) for label in labels):
        raise ValueError(f"{entry.strip()[:80]!r} is not a valid host name")
    if wildcard and len(labels) < 2:
        raise ValueError(f"{entry.strip()[:80]!r} is too broad: use *.example.com or narrower")
    return f"*.{name}" if wildcard else name


def normalise_host_patterns(entries: Iterable[str]) -> list[str]:
    """Validate a credential's allowed hosts: exact hosts (or IPs) and ``*.domain`` patterns.

    Args:
        entries: e.g. ``["api.example.com", "*.example.org"]``; case, a trailing dot and
            Unicode (IDNA) are normalised, duplicates dropped.

    Returns:
        The normalised patterns in their original order.

    Raises:
        ValueError: a scheme, port, path, bare ``*``, ``*.com``-wide pattern or invalid
            name, or more than ``MAX_HOST_PATTERNS`` entries.
    """
    patterns = list(dict.fromkeys(_normalise_host(str(entry)) for entry in entries))
    if len(patterns) > MAX_HOST_PATTERNS:
        raise ValueError(f"A credential may list at most {MAX_HOST_PATTERNS} hosts")
    return patterns


def _origin(url: str) -> tuple[str, str, int] | None:
    """``(scheme, host, port)`` of ``url`` as the guard normalises it; ``None`` if unparsable."""
    try:
        parts = urlsplit(url)
        scheme, host = parts.scheme.lower(), (parts.hostname or "").rstrip(".")
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        return None
    literal = literal_ip(host)
    return scheme, str(literal) if literal is not None else host, port


def host_allowed(host: str, patterns: Iterable[str]) -> bool:
    """Whether ``host`` (normalised, as ``ResolvedTarget.host``) matches a pattern.

    ``api.example.com`` matches itself only; ``*.example.com`` matches any name below
    ``example.com`` (``a.example.com``, ``a.b.example.com``) but not ``example.com``.
    """
    for pattern in patterns:
        if pattern == host or (pattern.startswith("*.") and host.endswith(pattern[1:])):
            return True
    return False


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
            PermanentError: refused destination or scheme, too many redirects, or "credential
                not allowed for host <host>" when a hop carrying ``request.credential`` goes
                to a host outside its ``allowed_hosts`` (nothing is sent then).
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
        credential = request.credential
        # Connection pooling is keyed by IP, so one client per request keeps hops independent;
        # no cookie jar, so a cookie set by one hop never rides along to the next.
        async with httpx.AsyncClient(
            follow_redirects=False,
            verify=self._verify,
            trust_env=False,
            timeout=request.timeout_s,
            cookies=no_cookie_jar(),
        ) as client:
            for _ in range(self._max_redirects + 1):
                target = await self._guard.check_url(url)
                if credential is not None and not host_allowed(
                    target.host, credential.allowed_hosts
                ):
                    raise PermanentError(f"credential not allowed for host {target.host}")
                response = await self._send(client, target, method, headers, body)
                location = response.headers.get("location")
                if response.status not in (301, 302, 303, 307, 308) or not location:
                    return response
                next_url = urljoin(target.url, location)
                if _origin(next_url) != (target.scheme, target.host, target.port):
                    # Never forward credentials to another origin.
                    drop = _CREDENTIAL_HEADERS | (credential.headers if credential else set())
                    headers = {k: v for k, v in headers.items() if k.lower() not in drop}
                    credential = None
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
