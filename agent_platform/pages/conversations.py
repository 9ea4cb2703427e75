"""Conversations (builders): every chat with the org's agents, searchable, with feedback."""

from __future__ import annotations

import reflex as rx

from agent_platform import routes
from agent_platform.components.page import app_page
from agent_platform.components.ui import empty_state, page_header, safe_markdown, table
from agent_platform.state.delivery.conversations import (
    FEEDBACK_FILTERS,
    ConversationRow,
    ConversationsState,
    TranscriptMessage,
)


def _row(row: ConversationRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            # No default: the link's "#" navigation would re-run on_load and close it again.
            rx.link(
                row.title,
                on_click=ConversationsState.open(row.id).prevent_default,
                cursor="pointer",
            )
        ),
        rx.table.cell(row.agent),
        rx.table.cell(rx.badge(row.channel, variant="soft")),
        rx.table.cell(rx.text(row.end_user, size="2", color_scheme="gray")),
        rx.table.cell(row.messages),
        rx.table.cell(rx.text(row.updated, size="2", color_scheme="gray")),
        align="center",
    )


def _message(message: TranscriptMessage) -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.badge(message.role, variant="soft"),
            rx.cond(message.feedback == "up", rx.icon("thumbs-up", size=14, color="green")),
            rx.cond(message.feedback == "down", rx.icon("thumbs-down", size=14, color="red")),
            rx.cond(
                message.run_id != "",
                rx.link("run", href=routes.RUN_DETAIL + "?id=" + message.run_id, size="1"),
            ),
            spacing="2",
            align="center",
        ),
        safe_markdown(message.html),
        rx.foreach(message.sources, lambda s: rx.text(s, size="1", color_scheme="gray")),
        padding="10px",
        border_radius="8px",
        background=rx.cond(message.role == "user", rx.color("accent", 2), rx.color("gray", 2)),
        width="100%",
    )


def _transcript() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.button("Back", variant="soft", on_click=ConversationsState.close),
            rx.heading(ConversationsState.open_title, size="4"),
            align="center",
        ),
        rx.foreach(ConversationsState.transcript, _message),
        width="100%",
        spacing="3",
    )


def _list() -> rx.Component:
    filters = rx.hstack(
        rx.input(
            placeholder="Search messages…",
            default_value=ConversationsState.search,
            on_blur=ConversationsState.set_search,
            width="320px",
        ),
        rx.select(FEEDBACK_FILTERS, value=ConversationsState.feedback,
                  on_change=ConversationsState.set_feedback),
        spacing="3",
    )  # fmt: skip
    return rx.vstack(
        filters,
        rx.cond(
            ConversationsState.rows.length() > 0,
            table(
                ["Conversation", "Agent", "Channel", "User", "Messages", "Updated"],
                rx.foreach(ConversationsState.rows, _row),
            ),
            empty_state(
                "messages-square",
                "No conversations yet",
                "Chats from the website widget, the API and test chats appear here.",
            ),
        ),
        width="100%",
        spacing="4",
    )


@app_page(routes.CONVERSATIONS, "Conversations", on_load=[ConversationsState.load])
def conversations_page() -> rx.Component:
    """The conversations list, or one transcript."""
    return rx.vstack(
        page_header("Conversations", "What people asked your agents, and how they rated it."),
        rx.cond(ConversationsState.open_id != "", _transcript(), _list()),
        width="100%",
        spacing="4",
    )
