"""Small, pure building blocks shared by every page."""

from __future__ import annotations

import reflex as rx

ACCENT = "indigo"


def logo(size: str = "4") -> rx.Component:
    """The product mark and name."""
    return rx.hstack(
        rx.center(
            rx.icon("workflow", size=18, color="white"),
            background=rx.color(ACCENT, 9),
            border_radius="8px",
            width="30px",
            height="30px",
        ),
        rx.heading("Agent Platform", size=size, weight="bold"),
        align="center",
        spacing="2",
    )


def page_header(title: str, description: str, *actions: rx.Component) -> rx.Component:
    """A page title with a one-line description and optional actions on the right."""
    return rx.flex(
        rx.vstack(
            rx.heading(title, size="7", weight="bold"),
            rx.text(description, color_scheme="gray", size="3"),
            spacing="1",
        ),
        rx.hstack(*actions, spacing="2"),
        justify="between",
        align="start",
        direction=rx.breakpoints(initial="column", sm="row"),
        spacing="4",
        width="100%",
        margin_bottom="8px",
    )


def empty_state(
    icon: str, title: str, description: str, action: rx.Component | None = None
) -> rx.Component:
    """A friendly placeholder that tells the user what to do next."""
    return rx.center(
        rx.vstack(
            rx.center(
                rx.icon(icon, size=28, color=rx.color(ACCENT, 11)),
                background=rx.color(ACCENT, 3),
                border_radius="9999px",
                width="64px",
                height="64px",
            ),
            rx.heading(title, size="5", weight="medium"),
            rx.text(description, color_scheme="gray", align="center", max_width="440px"),
            action if action is not None else rx.fragment(),
            align="center",
            spacing="3",
        ),
        border=f"1px dashed {rx.color('gray', 6)}",
        border_radius="12px",
        padding_y="64px",
        padding_x="24px",
        width="100%",
    )


def section(title: str, description: str, *children: rx.Component, **props) -> rx.Component:
    """A titled card grouping one feature's content."""
    return rx.card(
        rx.vstack(
            rx.vstack(
                rx.heading(title, size="4", weight="medium"),
                rx.text(description, color_scheme="gray", size="2"),
                spacing="1",
            ),
            *children,
            spacing="4",
            width="100%",
        ),
        size="3",
        width="100%",
        **props,
    )


def field(label: str, control: rx.Component, hint: str = "") -> rx.Component:
    """A labelled form control."""
    return rx.vstack(
        rx.text(label, size="2", weight="medium"),
        control,
        rx.text(hint, size="1", color_scheme="gray") if hint else rx.fragment(),
        spacing="1",
        width="100%",
    )


def text_input(name: str, placeholder: str = "", **props) -> rx.Component:
    """A full-width text input bound to a form field ``name``."""
    return rx.input(name=name, placeholder=placeholder, size="3", width="100%", **props)


def role_badge(role: rx.Var | str) -> rx.Component:
    """A member role as a coloured badge."""
    return rx.badge(
        role,
        color_scheme=rx.match(
            role, ("owner", "amber"), ("admin", "indigo"), ("editor", "green"), "gray"
        ),
        variant="soft",
        radius="full",
    )


def confirm(
    trigger: rx.Component, title: str, description: rx.Var | str, action: str, on_confirm
) -> rx.Component:
    """Wrap a destructive action in a confirmation dialog."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(trigger),
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(description),
            rx.flex(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(rx.button(action, color_scheme="red", on_click=on_confirm)),
                spacing="3",
                justify="end",
                margin_top="16px",
            ),
            max_width="440px",
        ),
    )


def table(headers: list[str], body: rx.Component) -> rx.Component:
    """A styled table that scrolls sideways on narrow screens."""
    return rx.box(
        rx.table.root(
            rx.table.header(
                rx.table.row(*[rx.table.column_header_cell(h) for h in headers]),
            ),
            rx.table.body(body),
            variant="surface",
            size="2",
            width="100%",
        ),
        width="100%",
        overflow_x="auto",
    )


def auth_layout(title: str, subtitle: rx.Component | str, *children: rx.Component) -> rx.Component:
    """The centred card used by log-in, sign-up, password and invitation pages."""
    return rx.center(
        rx.vstack(
            logo("5"),
            rx.card(
                rx.vstack(
                    rx.heading(title, size="6", weight="bold"),
                    rx.text(subtitle, color_scheme="gray")
                    if isinstance(subtitle, str)
                    else subtitle,
                    *children,
                    spacing="4",
                    width="100%",
                ),
                size="4",
                width="100%",
            ),
            align="center",
            spacing="6",
            width="100%",
            max_width="420px",
        ),
        min_height="100vh",
        padding="16px",
        background=rx.color("gray", 2),
    )


def link_button(icon: str, label: str, href: rx.Var | str, **props) -> rx.Component:
    """A link that looks like a soft button (it navigates, so it is a link to screen readers)."""
    return rx.button(
        rx.el.a(rx.icon(icon, size=14), label, href=href),
        as_child=True,
        **{"variant": "soft", "color_scheme": "gray", **props},
    )


def copy_button(value: rx.Var | str, label: str) -> rx.Component:
    """An icon button copying ``value`` to the clipboard (``label`` names it for readers)."""
    return rx.icon_button(
        rx.icon("copy", size=14),
        size="1",
        variant="soft",
        color_scheme="gray",
        aria_label=label,
        title=label,
        type="button",
        on_click=[rx.set_clipboard(value), rx.toast.success("Copied.")],
    )


def secret_line(value: rx.Var, label: str, **props) -> rx.Component:
    """A secret (or secret URL) in monospace with its copy button."""
    return rx.hstack(
        rx.code(value, size="1", word_break="break-all", flex="1", min_width="0", **props),
        copy_button(value, label),
        align="center",
        spacing="2",
        width="100%",
    )


def safe_markdown(html: rx.Var | str, **props) -> rx.Component:
    """Run data (messages, model answers, approval requests) as formatted text.

    The one place the UI puts HTML into the page. ``html`` must be what
    ``integrations.markdown.render`` made of the text on the server: Markdown with raw HTML
    off, sanitised by nh3 to formatting tags and http(s)/mailto links. Never pass raw run data
    here (``rx.text`` shows it as text); never use ``rx.markdown``, which renders raw HTML.

    Args:
        html: a state var holding server-rendered, sanitised HTML (named ``*html``).
        **props: layout props for the wrapper.
    """
    return rx.html(html, class_name="safe-markdown", **props)


def submit_button(*children: rx.Component | str, **props) -> rx.Component:
    """A form's submit button, busy until the page is hydrated (so no input is lost)."""
    return rx.button(*children, type="submit", size="3", loading=~rx.State.is_hydrated, **props)
