"""Settings → Notifications: my approval emails; each agent's approval webhook and its secret."""

from __future__ import annotations

import reflex as rx

from agent_platform import routes
from agent_platform.components.page import app_page
from agent_platform.components.settings_nav import settings_layout
from agent_platform.components.ui import field, secret_line, section, submit_button
from agent_platform.services.approvals.webhooks import SIGNATURE_HEADER
from agent_platform.state.settings.notifications import AgentOption
from agent_platform.state.settings.notifications import NotificationsState as S

VERIFY = (
    f"Each delivery carries {SIGNATURE_HEADER}: sha256=<hex>, the HMAC-SHA256 of the raw request "
    "body under this secret. Compute it on your side and compare before trusting the event."
)


def _email() -> rx.Component:
    return section(
        "My notifications",
        "Approval requests always appear in your inbox; email is up to you.",
        rx.hstack(
            rx.switch(checked=S.approval_email, on_change=S.set_email, id="approval-email"),
            rx.text("Email me when an approval needs my decision", size="2"),
            spacing="3",
            align="center",
        ),
    )


def _agent_item(agent: AgentOption) -> rx.Component:
    return rx.select.item(agent.name, value=agent.id)


def _secret() -> rx.Component:
    return rx.cond(
        S.can_reveal,
        rx.cond(
            S.secret != "",
            rx.vstack(
                secret_line(S.secret, "Copy signing secret", id="approval-webhook-secret"),
                rx.button("Hide", size="1", variant="soft", on_click=S.hide_secret),
                spacing="2",
                width="100%",
            ),
            rx.button(
                rx.icon("key-round", size=14),
                "Show signing secret",
                size="2",
                variant="soft",
                on_click=S.reveal_secret,
            ),
        ),
        rx.text(
            "Admins and owners can show the signing secret receivers verify with.",
            size="2",
            color_scheme="gray",
        ),
    )


def _webhook_form() -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.input(
                name="url",
                default_value=S.webhook_url,
                key=S.agent_id + S.webhook_url,
                placeholder="https://example.com/hooks/approvals",
                max_length=2000,
                size="3",
                flex="1",
            ),
            submit_button("Save"),
            rx.cond(
                S.webhook_on,
                rx.button(
                    "Remove",
                    type="button",
                    size="3",
                    variant="soft",
                    color_scheme="red",
                    on_click=S.remove_webhook,
                ),
            ),
            spacing="2",
            width="100%",
        ),
        on_submit=S.save_webhook,
        width="100%",
    )


def _webhooks() -> rx.Component:
    chooser = rx.select.root(
        rx.select.trigger(placeholder="Choose an agent", width="100%"),
        rx.select.content(rx.foreach(S.agents, _agent_item)),
        value=S.agent_id,
        on_change=S.choose_agent,
        name="agent",
    )
    body = rx.vstack(
        field("Agent", chooser),
        field("Webhook URL", _webhook_form(), "Requested, assigned, reminder, escalated, decided."),
        rx.cond(S.webhook_on, field("Signing secret", _secret(), VERIFY)),
        spacing="4",
        width="100%",
        max_width="640px",
    )
    return section(
        "Approval webhooks",
        "POST each agent's approval events to your system (Slack bridge, ticketing, ...).",
        rx.cond(
            S.agents.length() > 0,
            body,
            rx.text("No agents yet.", size="2", color_scheme="gray"),
        ),
    )


@app_page(routes.SETTINGS_NOTIFICATIONS, "Notifications", on_load=[S.load])
def settings_notifications() -> rx.Component:
    """My email preference; editors also set approval webhooks per agent."""
    return settings_layout(
        rx.vstack(_email(), rx.cond(S.can_edit, _webhooks()), spacing="4", width="100%")
    )
