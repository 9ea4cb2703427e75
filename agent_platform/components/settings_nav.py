"""The settings header and its tab strip (each tab is its own route)."""

from __future__ import annotations

import reflex as rx

from agent_platform import routes
from agent_platform.components.ui import ACCENT, page_header
from agent_platform.state.shell import ShellState

TABS = [
    ("Organization", routes.SETTINGS_ORG, ""),
    ("Members", routes.SETTINGS_MEMBERS, ""),
    ("Teams", routes.SETTINGS_TEAMS, ""),
    ("Notifications", routes.SETTINGS_NOTIFICATIONS, ""),
    ("API keys", routes.SETTINGS_API_KEYS, "manage_api_keys"),
    ("Credentials", routes.SETTINGS_CREDENTIALS, "manage_integrations"),
    ("Audit log", routes.SETTINGS_AUDIT, "view_audit_log"),
]


def _tab(label: str, route: str, permission: str) -> rx.Component:
    active = ShellState.router.url.path.startswith(route)
    link = rx.link(
        rx.text(label, size="2", weight="medium"),
        href=route,
        underline="none",
        color=rx.cond(active, rx.color("gray", 12), rx.color("gray", 11)),
        padding_y="10px",
        border_bottom=rx.cond(active, f"2px solid {rx.color(ACCENT, 9)}", "2px solid transparent"),
        white_space="nowrap",
    )
    return rx.cond(ShellState.permissions.contains(permission), link) if permission else link


def settings_layout(content: rx.Component) -> rx.Component:
    """The settings title, the tabs the role may open, then the tab's content."""
    return rx.vstack(
        page_header("Settings", "Your organization, its people and access."),
        rx.hstack(
            *[_tab(*tab) for tab in TABS],
            spacing="5",
            width="100%",
            overflow_x="auto",
            border_bottom=f"1px solid {rx.color('gray', 5)}",
            margin_bottom="16px",
        ),
        content,
        spacing="4",
        width="100%",
    )
