"""The signed-in app shell: sidebar navigation, top bar with org switcher and user menu."""

from __future__ import annotations

import reflex as rx

from agent_platform import routes
from agent_platform.components.ui import ACCENT, logo, submit_button
from agent_platform.state.approvals.badge import ApprovalsBadgeState
from agent_platform.state.shell import OrgItem, ShellState

SIDEBAR_WIDTH = "240px"
TOPBAR_HEIGHT = "60px"
NAV = [
    ("Agents", "bot", routes.AGENTS),
    ("Runs", "activity", routes.RUNS),
    ("Conversations", "messages-square", routes.CONVERSATIONS),
    ("Approvals", "shield-check", routes.APPROVALS),
    ("Knowledge", "book-open", routes.KNOWLEDGE),
    ("Marketplace", "store", routes.MARKETPLACE),
    ("Settings", "settings", routes.SETTINGS),
]


def nav_link(label: str, icon: str, route: str) -> rx.Component:
    """One sidebar entry, highlighted when its section is open."""
    active = ShellState.router.url.path.startswith(route)
    return rx.link(
        rx.hstack(
            rx.icon(icon, size=18),
            rx.text(label, size="3", weight="medium"),
            approvals_badge() if route == routes.APPROVALS else rx.fragment(),
            align="center",
            spacing="3",
            padding_x="12px",
            padding_y="8px",
            border_radius="8px",
            width="100%",
            color=rx.cond(active, rx.color(ACCENT, 11), rx.color("gray", 11)),
            background=rx.cond(active, rx.color(ACCENT, 3), "transparent"),
            _hover={"background": rx.color("gray", 3), "color": rx.color("gray", 12)},
        ),
        href=route,
        underline="none",
        width="100%",
        on_click=ShellState.set_nav_open(False),
    )


def approvals_badge() -> rx.Component:
    """Pending approvals waiting for the user; polled in the background while the tab is open."""
    return rx.box(
        rx.cond(
            ApprovalsBadgeState.mine > 0,
            rx.badge(
                ApprovalsBadgeState.mine, color_scheme="amber", radius="full", id="approvals-badge"
            ),
        ),
        margin_left="auto",
        on_mount=ApprovalsBadgeState.watch,
    )


def nav_links() -> rx.Component:
    """The navigation list, shared by the sidebar and the phone drawer."""
    return rx.vstack(*[nav_link(*item) for item in NAV], spacing="1", width="100%")


def sidebar() -> rx.Component:
    """The left sidebar column (hidden on phones); its navigation stays in view on scroll."""
    return rx.box(
        rx.vstack(
            rx.box(logo(), padding="4px 8px 16px"),
            nav_links(),
            spacing="2",
            padding="16px 12px",
            width="100%",
            position="sticky",
            top="0",
        ),
        display=rx.breakpoints(initial="none", sm="block"),
        width=SIDEBAR_WIDTH,
        flex_shrink="0",
        border_right=f"1px solid {rx.color('gray', 5)}",
        background=rx.color("gray", 2),
    )


def nav_drawer() -> rx.Component:
    """The phone menu: a button opening the navigation in a drawer."""
    return rx.drawer.root(
        rx.drawer.trigger(
            rx.icon_button(
                rx.icon("menu", size=20),
                variant="ghost",
                color_scheme="gray",
                size="3",
                aria_label="Menu",
            ),
        ),
        rx.drawer.overlay(z_index="40"),
        rx.drawer.portal(
            rx.drawer.content(
                rx.vstack(
                    rx.hstack(
                        logo(),
                        rx.drawer.close(
                            rx.icon_button(rx.icon("x"), variant="ghost", aria_label="Close")
                        ),
                        justify="between",
                        width="100%",
                    ),
                    nav_links(),
                    spacing="4",
                    padding="16px",
                    width="100%",
                ),
                width="280px",
                height="100%",
                top="0",
                left="0",
                background=rx.color("gray", 1),
                z_index="50",
            ),
        ),
        direction="left",
        open=ShellState.nav_open,
        on_open_change=ShellState.set_nav_open,
    )


def _org_item(org: OrgItem) -> rx.Component:
    return rx.menu.item(
        rx.hstack(
            rx.icon(
                "check",
                size=14,
                opacity=rx.cond(org.id == ShellState.org_id, "1", "0"),
            ),
            rx.text(org.name),
            rx.spacer(),
            rx.text(org.role, size="1", color_scheme="gray"),
            width="100%",
            align="center",
        ),
        on_select=ShellState.switch_org(org.id),
    )


def create_org_dialog() -> rx.Component:
    """Create another organization (the caller becomes its owner)."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Create organization"),
            rx.dialog.description("You will be its owner and can invite people next."),
            rx.form(
                rx.vstack(
                    rx.input(
                        name="name",
                        placeholder="Organization name",
                        size="3",
                        width="100%",
                        required=True,
                        max_length=200,
                    ),
                    rx.hstack(
                        rx.dialog.close(
                            rx.button("Cancel", variant="soft", color_scheme="gray", type="button")
                        ),
                        submit_button("Create"),
                        justify="end",
                        width="100%",
                    ),
                    spacing="4",
                    margin_top="16px",
                ),
                on_submit=ShellState.create_org,
                reset_on_submit=True,
            ),
            max_width="420px",
        ),
        open=ShellState.create_org_open,
        on_open_change=ShellState.set_create_org_open,
    )


def org_switcher() -> rx.Component:
    """The current organization, a list to switch to, and "create organization"."""
    return rx.menu.root(
        rx.menu.trigger(
            rx.button(
                rx.icon("building-2", size=16),
                rx.text(ShellState.org_name, max_width="180px", truncate=True),
                rx.icon("chevrons-up-down", size=14),
                variant="soft",
                color_scheme="gray",
                id="org-switcher",
            ),
        ),
        rx.menu.content(
            rx.text("Organizations", size="1", color_scheme="gray", padding="4px 8px"),
            rx.foreach(ShellState.orgs, _org_item),
            rx.menu.separator(),
            rx.menu.item(
                rx.icon("plus", size=14),
                "Create organization",
                on_select=ShellState.set_create_org_open(True),
            ),
            min_width="240px",
        ),
    )


def user_menu() -> rx.Component:
    """Avatar menu: who is signed in, theme toggle, log out."""
    return rx.menu.root(
        rx.menu.trigger(
            rx.button(
                rx.avatar(fallback=ShellState.initials, size="2", radius="full"),
                variant="ghost",
                radius="full",
                padding="0",
                aria_label="Account menu",
                id="user-menu",
            ),
        ),
        rx.menu.content(
            rx.box(
                rx.text(ShellState.user_label, weight="medium", size="2"),
                rx.text(ShellState.user_email, size="1", color_scheme="gray"),
                padding="6px 8px",
            ),
            rx.menu.separator(),
            rx.menu.item(
                rx.color_mode_cond(rx.icon("moon", size=14), rx.icon("sun", size=14)),
                rx.color_mode_cond("Dark mode", "Light mode"),
                on_select=rx.toggle_color_mode,
            ),
            rx.menu.item(rx.icon("log-out", size=14), "Log out", on_select=ShellState.logout),
            min_width="220px",
        ),
    )


def topbar(menu: bool = False) -> rx.Component:
    """The sticky bar above the content; ``menu`` shows the navigation button at every width."""
    return rx.hstack(
        rx.box(
            nav_drawer(), display="block" if menu else rx.breakpoints(initial="block", sm="none")
        ),
        org_switcher(),
        rx.spacer(),
        rx.badge(ShellState.role, variant="soft", radius="full", color_scheme="gray"),
        user_menu(),
        align="center",
        spacing="3",
        padding_x=rx.breakpoints(initial="12px", sm="24px"),
        height=TOPBAR_HEIGHT,
        position="sticky",
        top="0",
        z_index="5",
        background=rx.color("gray", 1),
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        width="100%",
    )


def _canvas_area(content: rx.Component) -> rx.Component:
    """The whole window under the top bar, no sidebar (the builder: the canvas is the page)."""
    return rx.box(
        topbar(menu=True),
        rx.box(content, height=f"calc(100vh - {TOPBAR_HEIGHT})", width="100%", overflow="hidden"),
        width="100%",
        height="100vh",
        overflow="hidden",
    )


def shell(content: rx.Component, canvas: bool = False) -> rx.Component:
    """Wrap page content in the app shell once the session is verified.

    A ``canvas`` page fills the window under the top bar; the navigation is in its menu.
    """
    if canvas:
        body = rx.fragment(_canvas_area(content), create_org_dialog())
    else:
        body = rx.flex(
            sidebar(),
            rx.box(
                topbar(),
                rx.box(
                    content,
                    padding=rx.breakpoints(initial="20px", sm="32px"),
                    max_width="1200px",
                    width="100%",
                ),
                flex="1",
                min_width="0",
            ),
            create_org_dialog(),
            min_height="100vh",
        )
    return rx.cond(ShellState.signed_in, body, rx.center(rx.spinner(size="3"), height="100vh"))
