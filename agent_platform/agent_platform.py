"""The Reflex app: pages, the REST API through ``api_transformer``, and the broker."""

import reflex as rx

import workers.broker  # noqa: F401  (installs the Dramatiq broker services enqueue on)
from agent_platform import routes
from agent_platform.api import origins, security_headers
from agent_platform.api.app import create_api
from agent_platform.api.login_nonce import LoginNonceMiddleware
from agent_platform.components.origin_banner import origin_banner
from agent_platform.components.page import add_pages
from agent_platform.components.ui import ACCENT
from agent_platform.pages import (  # noqa: F401
    approvals,
    auth,
    chat,
    conversations,
    invite,
    knowledge,
    settings,
    settings_access,
    settings_credentials,
    settings_notifications,
    widget,
    workspace,
)
from agent_platform.settings import get_settings


def index() -> rx.Component:
    """``/`` sends people to their agents (or to log-in, via the agents page guard)."""
    return rx.center(rx.spinner(size="3"), height="100vh")


_settings = get_settings()
app = rx.App(
    # The API mounts Reflex's backend (and its built pages); the headers and the login nonce
    # middleware wrap all of it.
    api_transformer=[create_api(), security_headers.install, LoginNonceMiddleware],
    theme=rx.theme(accent_color=ACCENT, gray_color="slate", radius="large", scaling="100%"),
    stylesheets=["/styles.css"],
    extra_app_wraps={(3, "OriginBanner"): lambda _: rx.fragment(origin_banner(_settings.base_url))},
)
# The websocket accepts the page's own origin as well as the configured ones (api/origins.py).
origins.install(app, _settings.allowed_origins)
app.add_page(index, route=routes.HOME, title="Agent Platform", on_load=rx.redirect(routes.AGENTS))
add_pages(app)
