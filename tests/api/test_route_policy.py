"""Deny by default: every route needs ``deps.principal`` unless it is on the public allowlist."""

from __future__ import annotations

import re
import uuid

import pytest
from fastapi import APIRouter, routing

from agent_platform.api import deps
from agent_platform.api.app import PUBLIC_ROUTES, create_api


def _depends_on_principal(dependant) -> bool:
    if dependant is None:
        return False
    return any(
        sub.call is deps.principal or _depends_on_principal(sub) for sub in dependant.dependencies
    )


def _routes(api=None) -> list[tuple[str, str, bool]]:
    """``(method, path, depends_on_principal)`` for every route; HEAD mirrors GET."""
    found = []
    for ctx in routing.iter_route_contexts((api or create_api()).routes):
        dependant = getattr(ctx, "dependant", None)
        for method in sorted((ctx.methods or set()) - {"HEAD"}):
            found.append((method, ctx.path, _depends_on_principal(dependant)))
    return found


PROTECTED = [(m, p) for m, p, guarded in _routes() if (m, p) not in PUBLIC_ROUTES]


def test_routes_are_found():
    assert len(_routes()) >= 25
    assert ("GET", "/api/v1/org/members") in {(m, p) for m, p, _ in _routes()}


def test_every_route_is_public_or_depends_on_principal():
    unguarded = [
        (m, p) for m, p, guarded in _routes() if not guarded and (m, p) not in PUBLIC_ROUTES
    ]
    assert unguarded == []


def test_the_walk_catches_an_unguarded_route():
    api = create_api()
    leaky = APIRouter(prefix="/api/v1/leaky")
    leaky.get("/thing")(lambda: {"secret": True})
    api.include_router(leaky)
    assert ("GET", "/api/v1/leaky/thing", False) in _routes(api)


def test_every_public_route_exists():
    existing = {(m, p) for m, p, _ in _routes()}
    assert PUBLIC_ROUTES - existing == set()


def test_public_routes_are_exactly_the_allowlist():
    """Pinned on purpose: widening the allowlist must show up in review as a test change."""
    assert {
        ("GET", "/api/v1/health"),
        ("GET", "/api/v1/openapi.json"),
        # Whether the UI's websocket would accept a page's origin: yes/no and the base URL.
        ("GET", "/api/v1/origin"),
        # The UI's one-time-code -> HttpOnly cookie exchange (api/web_session.py).
        ("GET", "/api/v1/auth/web/session"),
        ("GET", "/api/v1/auth/web/logout"),
        # Gives a browser its random login nonce cookie, then redirects (api/login_nonce.py).
        ("GET", "/api/v1/auth/web/prelogin"),
        ("POST", "/api/v1/auth/signup"),
        ("POST", "/api/v1/auth/login"),
        ("POST", "/api/v1/auth/password-reset"),
        ("POST", "/api/v1/auth/password-reset/confirm"),
        # Inbound trigger webhooks, authenticated by their signed token (services.agents.triggers).
        ("POST", "/api/v1/hooks/{token}"),
        # The API reference, rendered server-side from the (public) OpenAPI document.
        ("GET", "/api/v1/docs"),
        # The widget loader script embedded on customer sites, and the chat frame's own assets.
        ("GET", "/widget.js"),
        ("GET", "/widget/frame.js"),
        ("GET", "/widget/frame.css"),
        # The chat frame page: framable only by the agent's allowed origins (CSP).
        ("GET", "/widget/chat/{public_key}"),
        # Widget theme for the loader: publishable key + Origin allowlist (CORS).
        ("GET", "/api/v1/widget/{public_key}/config"),
        # Anonymous id / HMAC-signed user token -> widget session token (key + Origin checked).
        ("POST", "/api/v1/widget/{public_key}/session"),
        # End-user conversation routes: key + Origin + widget session token, rate limited.
        ("GET", "/api/v1/widget/{public_key}/messages"),
        ("POST", "/api/v1/widget/{public_key}/messages"),
        ("POST", "/api/v1/widget/{public_key}/conversations"),
        ("GET", "/api/v1/widget/{public_key}/messages/{message_id}/stream"),
        ("POST", "/api/v1/widget/{public_key}/messages/{message_id}/feedback"),
    } == PUBLIC_ROUTES


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", lambda _: str(uuid.uuid4()), path)


@pytest.mark.parametrize(("method", "path"), PROTECTED, ids=[f"{m} {p}" for m, p in PROTECTED])
@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer aps_forged"}, {"X-API-Key": "ap_12345678_forged"}],
    ids=["none", "bad-session", "bad-key"],
)
def test_unauthenticated_call_is_401(client, method, path, headers):
    response = client.request(method, _concrete(path), headers=headers)
    assert response.status_code == 401, response.text
    error = response.json()["error"]
    assert error["code"] == "unauthenticated"
    assert set(error) == {"code", "message", "details"}


@pytest.mark.parametrize(
    "path", ["/API/V1/ORG/MEMBERS", "/api/v1/org/members/", "/api/v1/org/./members"]
)
def test_path_variants_do_not_bypass_auth(client, path):
    response = client.get(path, follow_redirects=True)
    assert response.status_code in (401, 404)
