"""The login nonce: a random HttpOnly cookie each browser holds before it logs in.

One-time login codes are bound to it (``services.accounts.login_codes``), so a code only
works in the browser that logged in. The browser must already hold the cookie when its
websocket opens, because the Reflex state sees the cookies of the websocket handshake only:

* ``LoginNonceMiddleware`` adds it to every page (HTML document) response of a browser that
  has none, so in the served app (``reflex run --env prod``) the first page load sets it;
* ``GET /api/v1/auth/web/prelogin`` sets it and goes back to ``next``: the log-in and sign-up
  pages send a browser there when their websocket came without it (a dev frontend served by
  Node, a cache that dropped ``Set-Cookie``).

The cookie is HttpOnly, ``SameSite=Lax``, ``Secure`` and ``__Host-`` prefixed on HTTPS, and
random: it authorises nothing by itself.
"""

from __future__ import annotations

import secrets
from http.cookies import SimpleCookie

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agent_platform.routes import WEB_PRELOGIN, safe_next
from agent_platform.settings import get_settings

router = APIRouter()


def new_nonce() -> str:
    """A fresh random nonce value."""
    return secrets.token_urlsafe(32)


def set_cookie_header(value: str) -> str:
    """The ``Set-Cookie`` value that stores ``value`` as this browser's login nonce."""
    security = get_settings().security
    jar: SimpleCookie = SimpleCookie()
    jar[security.login_nonce_cookie] = value
    morsel = jar[security.login_nonce_cookie]
    morsel["path"] = "/"
    morsel["max-age"] = str(security.login_nonce_days * 86400)
    morsel["httponly"] = True
    morsel["samesite"] = "Lax"
    if security.cookie_secure:
        morsel["secure"] = True
    return morsel.OutputString()


def _wants_nonce(scope: Scope) -> bool:
    """A browser's page navigation (not an API call or asset) without a nonce yet."""
    if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD"):
        return False
    headers = Headers(scope=scope)
    dest = headers.get("sec-fetch-dest")
    is_page = dest == "document" if dest else "text/html" in headers.get("accept", "")
    if not is_page or scope.get("path", "").startswith("/api/"):
        return False
    cookies = cookie_parser(headers.get("cookie", ""))
    return not cookies.get(get_settings().security.login_nonce_cookie)


class LoginNonceMiddleware:
    """ASGI middleware giving every browser page response a login nonce it lacks."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _wants_nonce(scope):
            await self.app(scope, receive, send)
            return
        header = set_cookie_header(new_nonce())

        async def send_with_nonce(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).append("set-cookie", header)
            await send(message)

        await self.app(scope, receive, send_with_nonce)


@router.get(WEB_PRELOGIN, include_in_schema=False)
def prelogin(request: Request, next: str = "/login") -> RedirectResponse:  # noqa: A002
    """Make sure this browser holds a login nonce, then go (back) to ``next``."""
    response = RedirectResponse(safe_next(next), status_code=303)
    if not request.cookies.get(get_settings().security.login_nonce_cookie):
        response.headers.append("set-cookie", set_cookie_header(new_nonce()))
    return response
