"""The "Run" button and dialog: run a published agent by hand with its trigger's inputs."""

from __future__ import annotations

import reflex as rx

from agent_platform.components.ui import submit_button
from agent_platform.state.runs.manual import ManualRunState, RunField

MONO = {"font_family": "var(--code-font-family)", "font_size": "12px"}


def run_button(agent_id: rx.Var | str, name: rx.Var | None = None, **props) -> rx.Component:
    """Opens the run dialog of ``agent_id`` (show it only for published agents).

    ``name`` (the agent's) makes the accessible label "Run <name>" in lists.
    """
    return rx.button(
        rx.icon("play", size=14),
        "Run",
        color_scheme="green",
        on_click=ManualRunState.start(agent_id),
        aria_label="Run" if name is None else "Run " + name,
        **{"size": "2", "variant": "soft", **props},
    )


def _control(field: RunField) -> rx.Component:
    return rx.match(
        field.type,
        ("boolean", rx.checkbox(name=field.name, size="2")),
        (
            "number",
            rx.input(
                name=field.name, type="number", step="any", required=field.required, width="100%"
            ),
        ),
        (
            "json",
            rx.text_area(
                name=field.name,
                rows="3",
                required=field.required,
                placeholder="{}",
                style=MONO,
                width="100%",
            ),
        ),
        rx.text_area(name=field.name, rows="2", required=field.required, width="100%"),
    )


def _field(field: RunField) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text(field.label, size="2", weight="medium"),
            rx.cond(field.required, rx.text("*", color_scheme="red", size="2")),
            rx.text(field.type, size="1", color_scheme="gray"),
            spacing="1",
            align="baseline",
        ),
        _control(field),
        spacing="1",
        width="100%",
        custom_attrs={"data-input": field.name},
    )


def run_dialog() -> rx.Component:
    """The run form; submitting starts a ``manual`` run and opens its live page."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Run " + ManualRunState.agent_name),
            rx.dialog.description(
                "Runs the published version with these inputs; you follow it live next."
            ),
            rx.form(
                rx.vstack(
                    rx.foreach(ManualRunState.fields, _field),
                    rx.hstack(
                        rx.dialog.close(
                            rx.button("Cancel", variant="soft", color_scheme="gray", type="button")
                        ),
                        submit_button(rx.icon("play", size=14), "Start run"),
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                    margin_top="12px",
                ),
                on_submit=ManualRunState.submit,
            ),
            max_width="480px",
            id="run-dialog",
        ),
        open=ManualRunState.open,
        on_open_change=ManualRunState.set_open,
    )
