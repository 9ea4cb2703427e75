"""The login nonce cookie: set on page loads and by the prelogin route, never on API calls."""

from __future__ import annotations

from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from agent_platform.api.login_nonce import LoginNonceMiddleware

NONCE = "ap_login_nonce"


def _page(request) -> PlainTextResponse:
    return PlainTextResponse("<html></html>", media_type="text/html")


def _site() -> TestClient:
    routes = [Route("/login", _page), Route("/api/v1/health", _page), Route("/app.js", _page)]
    return TestClient(LoginNonceMiddleware(Starlette(routes=routes)))


def _set_cookie(response) -> str:
    return "; ".join(v for v in response.headers.get_list("set-cookie") if v.startswith(NONCE))


def test_a_page_load_without_a_nonce_gets_one():
    site = _site()
    page = site.get("/login", headers={"sec-fetch-dest": "document"})
    cookie = _set_cookie(page)
    assert cookie.startswith(f"{NONCE}=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert len(site.cookies[NONCE]) >= 40  # random, url-safe
    again = site.get("/login", headers={"sec-fetch-dest": "document"})
    assert _set_cookie(again) == ""  # the browser keeps the one it has


def test_api_calls_and_assets_get_none():
    site = _site()
    assert _set_cookie(site.get("/api/v1/health", headers={"accept": "text/html"})) == ""
    assert _set_cookie(site.get("/app.js", headers={"sec-fetch-dest": "script"})) == ""
    assert _set_cookie(site.post("/login")) == ""


def test_prelogin_sets_the_nonce_and_returns_only_to_this_site(client):
    sent = client.get("/api/v1/auth/web/prelogin?next=/login%3Femail%3Da", follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"] == "/login?email=a"
    assert "HttpOnly" in _set_cookie(sent)
    kept = client.get("/api/v1/auth/web/prelogin?next=//evil.example", follow_redirects=False)
    assert kept.headers["location"] == "/agents" and _set_cookie(kept) == ""
