"""Side panels of the builder and the run pages: problems, test run, steps, versions."""

from __future__ import annotations

import reflex as rx

from agent_platform.components.ui import submit_button
from agent_platform.state.builder.editor import BuilderState, ProblemRow
from agent_platform.state.builder.steps import EventRow, StepRow
from agent_platform.state.builder.versions import VersionRow, VersionsState

MONO = {"font_family": "var(--code-font-family)", "font_size": "12px"}


def status_badge(status: rx.Var | str) -> rx.Component:
    """A run or step status as a coloured badge."""
    return rx.badge(
        status,
        color_scheme=rx.match(
            status,
            ("succeeded", "green"),
            ("failed", "red"),
            ("running", "blue"),
            ("paused", "amber"),
            ("cancelled", "gray"),
            ("published", "green"),
            ("archived", "gray"),
            "indigo",
        ),
        variant="soft",
        radius="full",
    )


def _problem(problem: ProblemRow) -> rx.Component:
    return rx.hstack(
        rx.icon("circle-alert", size=14, color=rx.color("red", 10), flex_shrink="0"),
        rx.text(problem.message, size="2"),
        align="start",
        spacing="2",
        padding="6px 8px",
        border_radius="6px",
        cursor=rx.cond(problem.node_id != "", "pointer", "default"),
        _hover={"background": rx.color("gray", 3)},
        on_click=rx.cond(problem.node_id != "", BuilderState.focus(problem.node_id), rx.noop()),
        width="100%",
    )


def problems_list() -> rx.Component:
    """Every validation problem; clicking one selects its node."""
    return rx.cond(
        BuilderState.problems.length() > 0,
        rx.vstack(
            rx.foreach(BuilderState.problems, _problem), spacing="1", width="100%", id="problems"
        ),
        rx.hstack(
            rx.icon("circle-check", size=16, color=rx.color("green", 10)),
            rx.text("No problems: this graph can run.", size="2"),
            spacing="2",
            id="problems",
        ),
    )


def _block(label: str, value: rx.Var) -> rx.Component:
    return rx.cond(
        value != "",
        rx.vstack(
            rx.text(label, size="1", weight="medium", color_scheme="gray"),
            rx.box(
                rx.text(value, white_space="pre-wrap", style=MONO),
                background=rx.color("gray", 3),
                border_radius="6px",
                padding="8px",
                max_height="220px",
                overflow="auto",
                width="100%",
            ),
            spacing="1",
            width="100%",
        ),
    )


def step_inspector(step: StepRow) -> rx.Component:
    """One step's inputs, output, error, tokens, cost, duration and the model that answered."""
    return rx.vstack(
        rx.hstack(rx.code(step.node_id), status_badge(step.status), spacing="2", align="center"),
        rx.hstack(
            rx.text(step.duration, size="1"),
            rx.text("·", size="1"),
            rx.text(step.tokens, size="1"),
            rx.text("·", size="1"),
            rx.text(step.cost, size="1"),
            rx.cond(step.model != "", rx.text("· " + step.model, size="1", title="Model")),
            color_scheme="gray",
            spacing="1",
            wrap="wrap",
        ),
        _block("Error", step.error),
        _block("Inputs", step.inputs),
        _block("Output", step.output),
        spacing="2",
        width="100%",
        id="step-inspector",
    )


def step_item(step: StepRow, on_click) -> rx.Component:
    """A step in a run's step list."""
    return rx.hstack(
        status_badge(step.status),
        rx.text(step.node_id, size="2", weight="medium"),
        rx.spacer(),
        rx.text(step.duration, size="1", color_scheme="gray"),
        on_click=on_click,
        cursor="pointer",
        padding="4px 6px",
        border_radius="6px",
        _hover={"background": rx.color("gray", 3)},
        width="100%",
        align="center",
    )


def event_item(event: EventRow) -> rx.Component:
    """One line of the live event log."""
    return rx.text(
        event.seq.to_string() + "  " + event.type + "  " + event.node_id,
        size="1",
        color_scheme="gray",
        style=MONO,
    )


def _version(version: VersionRow) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading("v" + version.number.to_string(), size="3"),
                rx.text(version.message, size="2", weight="medium"),
                rx.spacer(),
                rx.cond(
                    BuilderState.can_edit,
                    rx.button(
                        "Restore as draft",
                        size="1",
                        variant="soft",
                        on_click=VersionsState.restore(version.id),
                    ),
                ),
                width="100%",
                align="center",
            ),
            rx.text(version.author + " · " + version.created, size="1", color_scheme="gray"),
            rx.text(version.changes, size="1", style=MONO),
            spacing="1",
            width="100%",
        ),
        width="100%",
    )


def history_dialog() -> rx.Component:
    """Published versions, newest first, each restorable as the draft."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Version history"),
            rx.dialog.description(
                "Published versions never change; restoring copies one into the draft."
            ),
            rx.cond(
                VersionsState.versions.length() > 0,
                rx.vstack(
                    rx.foreach(VersionsState.versions, _version), spacing="2", margin_top="12px"
                ),
                rx.text("Nothing published yet.", color_scheme="gray", margin_top="12px"),
            ),
            max_width="560px",
        ),
        open=VersionsState.history_open,
        on_open_change=VersionsState.set_history_open,
    )


def publish_dialog() -> rx.Component:
    """Publish the draft with a change message."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Publish a new version"),
            rx.dialog.description(
                "The draft becomes an immutable numbered version that runs live."
            ),
            rx.form(
                rx.vstack(
                    rx.input(
                        name="message", placeholder="What changed?", max_length=1000, width="100%"
                    ),
                    rx.hstack(
                        rx.dialog.close(
                            rx.button("Cancel", variant="soft", color_scheme="gray", type="button")
                        ),
                        submit_button("Publish"),
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                    margin_top="12px",
                ),
                on_submit=VersionsState.publish,
                reset_on_submit=True,
            ),
            max_width="440px",
        ),
        open=VersionsState.publish_open,
        on_open_change=VersionsState.set_publish_open,
    )


def import_dialog() -> rx.Component:
    """Replace the draft with pasted graph JSON."""
    return rx.dialog.root(
        rx.dialog.trigger(
            rx.icon_button(
                rx.icon("upload", size=16),
                variant="soft",
                color_scheme="gray",
                size="2",
                aria_label="Import graph JSON",
                title="Import graph JSON",
            )
        ),
        rx.dialog.content(
            rx.dialog.title("Import graph JSON"),
            rx.dialog.description(
                "Replaces the draft (undo brings it back). Credentials are never included."
            ),
            rx.form(
                rx.vstack(
                    rx.text_area(
                        name="graph",
                        rows="12",
                        width="100%",
                        style=MONO,
                        placeholder='{"nodes": [...], "edges": [...]}',
                    ),
                    rx.hstack(
                        rx.dialog.close(
                            rx.button("Cancel", variant="soft", color_scheme="gray", type="button")
                        ),
                        rx.dialog.close(submit_button("Import")),
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                    margin_top="12px",
                ),
                on_submit=VersionsState.import_graph,
                reset_on_submit=True,
            ),
            max_width="560px",
        ),
    )
