"""The invitation page."""

from __future__ import annotations

import reflex as rx

from agent_platform import routes
from agent_platform.components.page import public_page
from agent_platform.components.ui import auth_layout, role_badge
from agent_platform.state.invite import InviteState
from agent_platform.state.shell import ShellState


def _summary() -> rx.Component:
    return rx.vstack(
        rx.text(
            rx.text.strong(InviteState.inviter_email),
            " invited ",
            rx.text.strong(InviteState.email),
            " to join ",
            rx.text.strong(InviteState.org_name),
            ".",
        ),
        rx.hstack(rx.text("Role:", color_scheme="gray", size="2"), role_badge(InviteState.role)),
        spacing="2",
        width="100%",
    )


def _actions() -> rx.Component:
    return rx.cond(
        InviteState.email_matches,
        rx.button("Accept invitation", size="3", width="100%", on_click=InviteState.accept),
        rx.cond(
            InviteState.signed_in_email != "",
            rx.vstack(
                rx.callout(
                    "You are signed in as "
                    + InviteState.signed_in_email
                    + ". Log out, then log in or sign up as "
                    + InviteState.email
                    + " to accept.",
                    icon="triangle-alert",
                    color_scheme="amber",
                    width="100%",
                ),
                rx.button(
                    "Log out", variant="soft", size="3", width="100%", on_click=ShellState.logout
                ),
                width="100%",
            ),
            rx.vstack(
                rx.link(
                    rx.button("Sign up to accept", size="3", width="100%"),
                    href=InviteState.signup_link,
                    width="100%",
                ),
                rx.link(
                    rx.button("I already have an account", variant="soft", size="3", width="100%"),
                    href=InviteState.login_link,
                    width="100%",
                ),
                spacing="3",
                width="100%",
            ),
        ),
    )


@public_page(routes.INVITE, "Invitation", on_load=[InviteState.load])
def invite() -> rx.Component:
    """Preview an invitation; accept it when signed in with the invited email."""
    return auth_layout(
        "You're invited",
        "Join your team on Agent Platform.",
        rx.cond(
            ~InviteState.loaded,
            rx.center(rx.spinner(), width="100%"),
            rx.cond(
                InviteState.error != "",
                rx.vstack(
                    rx.callout(
                        InviteState.error, icon="circle-alert", color_scheme="red", width="100%"
                    ),
                    rx.link("Go to log in", href=routes.LOGIN, size="2"),
                    width="100%",
                ),
                rx.vstack(_summary(), _actions(), spacing="5", width="100%"),
            ),
        ),
    )
