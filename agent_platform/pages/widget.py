""" "Publish to website" (``/agents/widget?id=<agent>``): the embeddable chat widget panel."""

from __future__ import annotations

import reflex as rx

from agent_platform import routes
from agent_platform.components.page import app_page
from agent_platform.components.ui import field, link_button, page_header, section, submit_button
from agent_platform.state.delivery.widget import WidgetSettingsState as S


def _input(name: str, value, placeholder: str = "") -> rx.Component:
    return rx.input(name=name, default_value=value, placeholder=placeholder, width="100%")


def _area(name: str, value, placeholder: str) -> rx.Component:
    return rx.text_area(
        name=name, default_value=value, placeholder=placeholder, rows="3", width="100%"
    )


def _look() -> rx.Component:
    return rx.form(
        rx.vstack(
            field("Title", _input("title", S.title, "Chat with us")),
            field("Colour", _input("color", S.color, "#4f46e5")),
            field("Avatar URL", _input("avatar_url", S.avatar_url, "https://…")),
            field("Welcome message", _input("welcome", S.welcome)),
            field("Starter prompts", _area("starters", S.starters, "One per line")),
            field(
                "Position", rx.select(["right", "left"], name="position", default_value=S.position)
            ),
            field(
                "Allowed websites",
                _area("origins", S.origins, "https://www.example.com (one per line)"),
                "Only these origins can show the widget; others get nothing.",
            ),
            field("Memory (messages)", _input("window", S.window.to_string())),
            submit_button("Save"),
            width="100%",
        ),
        on_submit=S.save,
    )


def _embed() -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.switch(checked=S.enabled, on_change=S.toggle), rx.text("Widget enabled")),
        rx.text("Paste this before </body> on your site:", size="2"),
        rx.code_block(S.snippet, language="markup", wrap_long_lines=True, width="100%"),
        rx.text(
            "To identify signed-in users, sign {sub, exp} with the secret (HMAC-SHA256) on your "
            "server and add data-user-token to the script tag.",
            size="2",
            color_scheme="gray",
        ),
        rx.cond(
            S.secret != "",
            rx.hstack(rx.code(S.secret), rx.button("Hide", size="1", on_click=S.hide_secret)),
            rx.button("Reveal signing secret", size="1", variant="soft", on_click=S.reveal_secret),
        ),
        rx.button("Rotate keys", size="1", color_scheme="red", variant="soft", on_click=S.rotate),
        width="100%",
    )


@app_page(routes.AGENT_WIDGET, "Publish to website", on_load=[S.load])
def agent_widget() -> rx.Component:
    """The widget's look, allowed websites, keys and snippet."""
    return rx.vstack(
        page_header(
            "Publish to website",
            "Embed this agent as a chat bubble on your site.",
            link_button("arrow-left", "Builder", routes.AGENT_EDIT + "?id=" + S.agent_id),
            link_button("message-circle", "Test chat", routes.AGENT_CHAT + "?id=" + S.agent_id),
        ),
        rx.grid(
            section("Look and access", "How the widget looks and where it may appear.", _look()),
            section("Embed", "The snippet and keys for this agent only.", _embed()),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="4",
            width="100%",
        ),
        width="100%",
    )
