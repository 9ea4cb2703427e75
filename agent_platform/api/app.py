"""The FastAPI application: ``/api/v1/...`` routers and OpenAPI at ``/api/v1/openapi.json``."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from agent_platform.api import errors, login_nonce, web_session
from agent_platform.api.body_limit import BodyLimitMiddleware
from agent_platform.api.input_guard import InputGuard
from agent_platform.api.v1 import agents as agent_routes
from agent_platform.api.v1 import api_keys, audit_logs, invitations, me, members, org, teams
from agent_platform.api.v1 import approvals as approval_routes
from agent_platform.api.v1 import auth as auth_routes
from agent_platform.api.v1 import chat as chat_routes
from agent_platform.api.v1 import credentials as credential_routes
from agent_platform.api.v1 import executions as execution_routes
from agent_platform.api.v1 import knowledge as knowledge_routes
from agent_platform.api.v1 import node_types as node_type_routes
from agent_platform.api.v1 import openai_compat as openai_routes
from agent_platform.api.v1 import origin as origin_routes
from agent_platform.api.v1 import reference as reference_routes
from agent_platform.api.v1 import webhooks as webhook_routes
from agent_platform.api.v1 import widget as widget_routes
from agent_platform.api.v1 import widget_settings as widget_settings_routes
from agent_platform.settings import get_settings

# Routes reachable without a principal. Everything else must depend on ``deps.principal``;
# tests/api/test_route_policy.py fails when a route is neither.
PUBLIC_ROUTES: set[tuple[str, str]] = {
    ("GET", "/api/v1/health"),
    ("GET", "/api/v1/openapi.json"),
    # Whether the websocket would accept a page's origin (api/v1/origin.py): says only yes/no.
    ("GET", "/api/v1/origin"),
    ("GET", "/api/v1/auth/web/session"),
    ("GET", "/api/v1/auth/web/logout"),
    ("GET", "/api/v1/auth/web/prelogin"),  # sets a random login nonce cookie (api/login_nonce)
    ("POST", "/api/v1/auth/signup"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/password-reset"),
    ("POST", "/api/v1/auth/password-reset/confirm"),
    ("POST", "/api/v1/hooks/{token}"),  # signed per trigger (services.agents.triggers)
    # API reference page rendered from openapi.json (public like the spec itself).
    ("GET", "/api/v1/docs"),
    # Embeddable chat widget (api/v1/widget.py): static loader/frame assets, the chat frame
    # page (CSP frame-ancestors = allowed origins), and its API. Each call authenticates itself:
    # publishable key of an enabled widget of a published chat agent + Origin allowlist; the
    # conversation routes also need a signed widget session token (services.delivery.widgets).
    ("GET", "/widget.js"),
    ("GET", "/widget/frame.js"),
    ("GET", "/widget/frame.css"),
    ("GET", "/widget/chat/{public_key}"),
    ("GET", "/api/v1/widget/{public_key}/config"),
    ("POST", "/api/v1/widget/{public_key}/session"),
    ("GET", "/api/v1/widget/{public_key}/messages"),
    ("POST", "/api/v1/widget/{public_key}/messages"),
    ("POST", "/api/v1/widget/{public_key}/conversations"),
    ("GET", "/api/v1/widget/{public_key}/messages/{message_id}/stream"),
    ("POST", "/api/v1/widget/{public_key}/messages/{message_id}/feedback"),
}

ROUTERS = (auth_routes, me, org, members, invitations, teams, api_keys, audit_logs)

health = APIRouter()


@health.get("/api/v1/health")
def get_health() -> dict[str, str]:
    """Liveness probe: ``{"status": "ok"}``."""
    return {"status": "ok"}


def create_api() -> FastAPI:
    """Build the API with every router, the error envelope and the body-size cap installed."""
    api = FastAPI(
        title="Agent Platform API",
        version="1.0",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    errors.install(api)
    api.add_middleware(BodyLimitMiddleware, max_bytes=get_settings().limits.max_request_bytes)
    api.add_middleware(InputGuard)
    api.include_router(health)
    api.include_router(origin_routes.router)
    api.include_router(web_session.router)
    api.include_router(login_nonce.router)
    for module in ROUTERS:
        api.include_router(module.router)
    api.include_router(credential_routes.router)
    api.include_router(webhook_routes.router)
    api.include_router(agent_routes.router)
    api.include_router(execution_routes.router)
    api.include_router(approval_routes.router)
    api.include_router(node_type_routes.router)
    api.include_router(knowledge_routes.router)
    api.include_router(chat_routes.router)  # delivery
    api.include_router(openai_routes.router)  # delivery
    api.include_router(reference_routes.router)  # delivery
    api.include_router(widget_routes.router)  # delivery
    api.include_router(widget_settings_routes.router)  # delivery
    return api
