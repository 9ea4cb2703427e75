"""Public account pages: log in, sign up, forgot password, reset password."""

from __future__ import annotations

import reflex as rx

from agent_platform import routes
from agent_platform.components.page import public_page
from agent_platform.components.ui import auth_layout, field, submit_button, text_input
from agent_platform.state.auth import AuthState


def _footer(*parts: rx.Component) -> rx.Component:
    return rx.text(*parts, size="2", color_scheme="gray", align="center", width="100%")


@public_page(routes.LOGIN, "Log in", on_load=[AuthState.load_public])
def login() -> rx.Component:
    """Email and password log-in."""
    return auth_layout(
        "Welcome back",
        "Log in to your workspace.",
        rx.cond(
            AuthState.notice != "",
            rx.callout(AuthState.notice, icon="info", color_scheme="amber", width="100%"),
        ),
        rx.form(
            rx.vstack(
                field(
                    "Email",
                    text_input(
                        "email",
                        "you@company.com",
                        type="email",
                        default_value=AuthState.prefill_email,
                        key=AuthState.prefill_email,
                        required=True,
                    ),
                ),
                field(
                    "Password",
                    text_input("password", "Your password", type="password", required=True),
                ),
                rx.box(
                    rx.link("Forgot password?", href=routes.FORGOT_PASSWORD, size="2"),
                    text_align="right",
                    width="100%",
                ),
                submit_button("Log in", width="100%"),
                spacing="4",
            ),
            on_submit=AuthState.login,
        ),
        _footer("New here? ", rx.link("Create an account", href=routes.SIGNUP)),
    )


@public_page(routes.SIGNUP, "Sign up", on_load=[AuthState.load_public])
def signup() -> rx.Component:
    """Create an account and its first organization."""
    return auth_layout(
        "Create your account",
        "Start building agents with your team.",
        rx.form(
            rx.vstack(
                field("Name", text_input("name", "Ada Lovelace", max_length=200)),
                field(
                    "Email",
                    text_input(
                        "email",
                        "you@company.com",
                        type="email",
                        default_value=AuthState.prefill_email,
                        key=AuthState.prefill_email,
                        required=True,
                    ),
                ),
                field(
                    "Password",
                    text_input(
                        "password",
                        "At least 8 characters",
                        type="password",
                        required=True,
                        min_length=8,
                    ),
                ),
                field(
                    "Organization",
                    text_input("org_name", "Acme Inc.", max_length=200),
                    "Optional. You can rename it or create more later.",
                ),
                submit_button("Create account", width="100%"),
                spacing="4",
            ),
            on_submit=AuthState.signup,
        ),
        _footer("Already have an account? ", rx.link("Log in", href=routes.LOGIN)),
    )


@public_page(routes.FORGOT_PASSWORD, "Forgot password", on_load=[AuthState.load_public])
def forgot_password() -> rx.Component:
    """Ask for a password reset link."""
    return auth_layout(
        "Reset your password",
        "Enter your email and we will send you a link to choose a new password.",
        rx.cond(
            AuthState.reset_sent,
            rx.callout(
                "If an account exists for that address, we sent a link to reset the password. "
                "Check your inbox.",
                icon="mail-check",
                color_scheme="green",
                width="100%",
            ),
            rx.form(
                rx.vstack(
                    field(
                        "Email", text_input("email", "you@company.com", type="email", required=True)
                    ),
                    submit_button("Send reset link", width="100%"),
                    spacing="4",
                ),
                on_submit=AuthState.forgot,
            ),
        ),
        _footer(rx.link("Back to log in", href=routes.LOGIN)),
    )


@public_page(routes.RESET_PASSWORD, "Choose a new password", on_load=[AuthState.load_public])
def reset_password() -> rx.Component:
    """Choose a new password with the emailed token."""
    return auth_layout(
        "Choose a new password",
        "Every signed-in device will be logged out.",
        rx.form(
            rx.vstack(
                field(
                    "New password",
                    text_input(
                        "password",
                        "At least 8 characters",
                        type="password",
                        required=True,
                        min_length=8,
                    ),
                ),
                field(
                    "Confirm password",
                    text_input("confirm", "Repeat the password", type="password", required=True),
                ),
                submit_button("Set password", width="100%"),
                spacing="4",
            ),
            on_submit=AuthState.reset_password,
        ),
        _footer(rx.link("Back to log in", href=routes.LOGIN)),
    )
