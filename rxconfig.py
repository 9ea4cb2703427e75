"""Reflex configuration, built from ``agent_platform.settings`` only."""

import reflex as rx
from reflex.plugins.sitemap import SitemapPlugin

from agent_platform.settings import get_settings

_settings = get_settings()

config = rx.Config(
    app_name="agent_platform",
    # Prod serves frontend and backend on one port; with the frontend skipped
    # (LAUNCHER__FRONTEND=false) the backend alone takes it.
    frontend_port=_settings.frontend_port if _settings.launcher.frontend else None,
    backend_port=_settings.frontend_port,
    deploy_url=_settings.base_url,
    api_url=_settings.public_api_url,
    redis_url=_settings.redis_url,
    state_manager_mode="redis" if _settings.redis_url else "memory",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    # HTTP CORS; the websocket also accepts the page's own origin (agent_platform.api.origins).
    cors_allowed_origins=_settings.allowed_origins,
    disable_plugins=[SitemapPlugin],
    # The websocket's router_data keeps the peer address; X-Forwarded-For is judged by the
    # platform's own rule (security.trusted_proxies), shared with the REST API.
    trusted_proxy_hops=0,
)
