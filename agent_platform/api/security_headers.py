"""Security headers on every HTTP response of the app: framing, scripts, sniffing, referrer.

The app is one ASGI application (``reflex run --env prod --single-port``): Reflex's backend
serves the built frontend pages and the FastAPI routers of ``api.app``. ``install`` wraps the
whole of it (it is the last of ``rx.App(api_transformer=[...])``), so API routes, pages, static
assets and error responses all pass through ``SecurityHeaders``:

* ``X-Frame-Options: DENY`` and CSP ``frame-ancestors 'none'``: nothing frames the app
  (clickjacking of approve, publish, create key). The widget's chat frame alone
  (``FRAMEABLE``) keeps the per-agent ``frame-ancestors`` allowlist it sets itself.
* Pages get ``APP_POLICY``: scripts only from the app's origin plus the inline scripts Reflex's
  build put in its HTML files, allowed by their SHA-256 (never ``'unsafe-inline'``, so injected
  markup, ``on*=`` attributes and ``javascript:`` URLs never run). ``'unsafe-eval'`` is needed
  because Reflex runs the scripts its backend sends (``rx.call_script``, toasts, clipboard)
  with ``eval``; those come from our server, never from run data. Styles need
  ``'unsafe-inline'`` (Emotion and Radix inject style elements at run time).
* Everything else (JSON, SSE, assets) gets ``default-src 'none'``: not a document.
* A route that sets its own CSP (the API reference page) keeps it, with framing denied.

Pages served by the Vite dev server (``reflex run`` in development) do not pass through here.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The widget's chat frame sets its own ``frame-ancestors`` (api/v1/widget.py).
FRAMEABLE = ("/widget/chat/",)
REFERRER_POLICY = "strict-origin-when-cross-origin"
NO_FRAMING = "frame-ancestors 'none'"
DATA_POLICY = f"default-src 'none'; {NO_FRAMING}"
APP_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-eval' {hashes}; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
    "connect-src 'self' {connect}; object-src 'none'; base-uri 'none'; form-action 'self'; "
    f"{NO_FRAMING}"
)
_INLINE_SCRIPT = re.compile(rb"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
_SRC = re.compile(rb"\ssrc\s*=", re.IGNORECASE)


def inline_script_hashes(static_dir: Path) -> tuple[str, ...]:
    """CSP sources (``'sha256-...'``) for every inline script in the built HTML files.

    Args:
        static_dir: the built frontend (``.web/build/client``).

    Returns:
        Sorted, distinct hash sources; empty when nothing is built there.
    """
    try:
        stamp = static_dir.stat().st_mtime_ns
    except OSError:
        return ()
    return _hashes(str(static_dir), stamp)


@lru_cache(maxsize=4)
def _hashes(static_dir: str, _stamp: int) -> tuple[str, ...]:
    found: set[str] = set()
    for page in Path(static_dir).rglob("*.html"):
        for attrs, body in _INLINE_SCRIPT.findall(page.read_bytes()):
            if not _SRC.search(attrs):
                digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
                found.add(f"'sha256-{digest}'")
    return tuple(sorted(found))


def connect_sources(api_url: str) -> tuple[str, ...]:
    """The backend's origin over HTTP and websocket, e.g. ``http://h:1`` and ``ws://h:1``."""
    match = re.fullmatch(r"(https?)://([A-Za-z0-9.\-\[\]:]+)/?", api_url.strip())
    if match is None:
        return ()
    scheme, host = match[1].lower(), match[2].lower()
    return (f"{scheme}://{host}", f"{'wss' if scheme == 'https' else 'ws'}://{host}")


def deny_framing(policy: str) -> str:
    """``policy`` with any ``frame-ancestors`` replaced by ``frame-ancestors 'none'``."""
    kept = [d.strip() for d in policy.split(";") if d.strip()]
    kept = [d for d in kept if not d.lower().startswith("frame-ancestors")]
    return "; ".join([*kept, NO_FRAMING])


class SecurityHeaders:
    """ASGI middleware adding the headers above to every HTTP response.

    Args:
        app: the wrapped application.
        static_dir: the built frontend, whose inline scripts pages may run.
        connect: extra ``connect-src`` sources (the backend, when it has its own address).
    """

    def __init__(
        self, app: ASGIApp, *, static_dir: Path | None = None, connect: Iterable[str] = ()
    ) -> None:
        self.app, self.static_dir, self.connect = app, static_dir, " ".join(connect)

    def page_policy(self) -> str:
        """The CSP of the app's pages."""
        hashes = inline_script_hashes(self.static_dir) if self.static_dir else ()
        return APP_POLICY.format(hashes=" ".join(hashes), connect=self.connect)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; decorate the response's start message."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        frameable = str(scope.get("path", "")).startswith(FRAMEABLE)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # A 304 has no body type, and browsers copy its headers onto the cached page:
                # a data policy there would replace the page's own.
                not_modified = message.get("status") == 304
                self._decorate(MutableHeaders(scope=message), frameable, not_modified)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _decorate(self, headers: MutableHeaders, frameable: bool, not_modified: bool) -> None:
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", REFERRER_POLICY)
        own = headers.get("Content-Security-Policy")
        if frameable and (own and "frame-ancestors" in own or not_modified):
            return  # the widget frame: its per-agent allowlist stands
        headers["X-Frame-Options"] = "DENY"
        if not_modified:
            return
        if own:
            headers["Content-Security-Policy"] = deny_framing(own)
        elif headers.get("Content-Type", "").startswith("text/html"):
            headers["Content-Security-Policy"] = self.page_policy()
        else:
            headers["Content-Security-Policy"] = DATA_POLICY


def install(app: ASGIApp) -> ASGIApp:
    """Wrap the app (an ``api_transformer`` callable): the built pages, the configured backend."""
    from reflex.utils import prerequisites
    from reflex_base import constants
    from reflex_base.config import get_config

    from agent_platform.settings import get_settings

    static_dir = (
        prerequisites.get_web_dir() / constants.Dirs.STATIC / get_config().frontend_path.strip("/")
    )
    connect = connect_sources(get_settings().public_api_url)
    return SecurityHeaders(app, static_dir=static_dir.resolve(), connect=connect)
