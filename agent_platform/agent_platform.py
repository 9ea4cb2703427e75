"""The Reflex app: pages, the REST API through ``api_transformer``, and the broker."""

import reflex as rx

import workers.broker  # noqa: F401  (installs the Dramatiq broker services enqueue on)
from agent_platform.api.app import create_api


def index() -> rx.Component:
    """Placeholder landing page until the app shell lands."""
    return rx.center(rx.heading("Agent Platform"), height="100vh")


app = rx.App(api_transformer=create_api())
app.add_page(index, route="/", title="Agent Platform")
