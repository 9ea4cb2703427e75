"""The inspector's webhook section for a trigger that starts runs from a signed webhook."""

from __future__ import annotations

import reflex as rx

from agent_platform.components.ui import confirm, secret_line
from agent_platform.state.builder.editor import BuilderState
from agent_platform.state.builder.webhook import WebhookState as W

SIGNING = (
    "Send X-Timestamp (Unix seconds) and X-Signature: sha256=hex(HMAC-SHA256(secret, "
    "X-Timestamp + '.' + body)). Anyone with the URL and secret can start runs."
)


def _labelled(label: str, child: rx.Component) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="1", weight="medium", color_scheme="gray"), child, spacing="1"
    )


def _shown() -> rx.Component:
    rotate = confirm(
        rx.button(rx.icon("refresh-cw", size=12), "Rotate", size="1", color_scheme="red",
                  variant="soft"),
        "Rotate this webhook?",
        "A new URL and signing secret replace these at once: the sender must be updated.",
        "Rotate",
        W.rotate_webhook,
    )  # fmt: skip
    return rx.vstack(
        _labelled("URL", secret_line(W.hook_url, "Copy webhook URL", id="webhook-url")),
        _labelled(
            "Signing secret", secret_line(W.hook_secret, "Copy signing secret", id="webhook-secret")
        ),
        rx.text(SIGNING, size="1", color_scheme="gray"),
        rx.hstack(rx.button("Hide", size="1", variant="soft", on_click=W.hide_webhook), rotate),
        spacing="2",
        width="100%",
    )


def _live() -> rx.Component:
    return rx.cond(
        W.can_manage,
        rx.cond(
            (W.hook_url != "") & (W.hook_node == BuilderState.selected_id),
            _shown(),
            rx.button(
                rx.icon("key-round", size=14),
                "Show URL and secret",
                size="2",
                variant="soft",
                on_click=W.reveal_webhook,
            ),
        ),
        rx.text(
            "Only admins and owners can see this webhook's URL and signing secret.",
            size="2",
            color_scheme="gray",
        ),
    )


def webhook_section() -> rx.Component:
    """Shown under a webhook trigger's fields: live or not, and for admins URL and secret."""
    body = rx.vstack(
        rx.hstack(
            rx.icon("webhook", size=16),
            rx.text("Webhook", size="2", weight="medium"),
            rx.cond(
                W.hook_live,
                rx.badge("live · " + W.hook_prefix, color_scheme="green", variant="soft"),
                rx.badge("not live", color_scheme="gray", variant="soft"),
            ),
            spacing="2",
            align="center",
        ),
        rx.cond(
            W.hook_live,
            _live(),
            rx.text(
                "Publish the agent to give this webhook its URL and signing secret.",
                size="2",
                color_scheme="gray",
            ),
        ),
        spacing="2",
        width="100%",
        padding="12px",
        border=f"1px solid {rx.color('gray', 5)}",
        border_radius="8px",
    )
    return rx.cond(
        W.is_webhook,
        rx.box(
            body,
            key=BuilderState.selected_id + ":" + BuilderState.agent_status,
            on_mount=W.load_webhook,
            width="100%",
            id="webhook-panel",
        ),
    )
