"""Builder test chat (``/agents/chat?id=<agent>``): chat with the draft before publishing."""

from __future__ import annotations

import reflex as rx

from agent_platform import routes
from agent_platform.components.page import app_page
from agent_platform.components.ui import link_button, page_header, safe_markdown
from agent_platform.state.delivery.chat import BuilderChatState, ChatMessage


def _bubble(message: ChatMessage) -> rx.Component:
    is_user = message.role == "user"
    body = rx.cond(
        message.status == "pending",
        rx.text(rx.cond(message.text != "", message.text, "…"), white_space="pre-wrap"),
        safe_markdown(message.html),
    )
    return rx.box(
        body,
        rx.foreach(message.sources, lambda s: rx.text(s, size="1", color_scheme="gray")),
        align_self=rx.cond(is_user, "flex-end", "flex-start"),
        background=rx.cond(is_user, rx.color("accent", 4), rx.color("gray", 3)),
        padding="8px 12px",
        border_radius="12px",
        max_width="80%",
    )


@app_page(routes.AGENT_CHAT, "Test chat", on_load=[BuilderChatState.load])
def agent_chat() -> rx.Component:
    """A chat with the stored draft; each turn is a ``test`` run."""
    return rx.vstack(
        page_header(
            "Test chat",
            "Chat with the draft of " + BuilderChatState.agent_name + " (runs as a test).",
            link_button(
                "arrow-left", "Builder", routes.AGENT_EDIT + "?id=" + BuilderChatState.agent_id
            ),
            link_button(
                "globe",
                "Publish to website",
                routes.AGENT_WIDGET + "?id=" + BuilderChatState.agent_id,
            ),
            rx.button(
                "New conversation", variant="soft", on_click=BuilderChatState.new_conversation
            ),
        ),  # fmt: skip
        rx.vstack(
            rx.foreach(BuilderChatState.messages, _bubble),
            width="100%",
            min_height="360px",
            spacing="2",
            padding="12px",
            border=f"1px solid {rx.color('gray', 5)}",
            border_radius="12px",
        ),
        rx.form(
            rx.hstack(
                rx.input(name="message", placeholder="Ask something…", width="100%"),
                rx.button("Send", type="submit", loading=BuilderChatState.sending),
                width="100%",
            ),
            on_submit=BuilderChatState.send,
            reset_on_submit=True,
            width="100%",
        ),
        width="100%",
        spacing="4",
    )
