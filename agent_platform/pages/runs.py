"""Runs: every run of the organization, and one run's graph, path taken and steps."""

from __future__ import annotations

import reflex as rx

from agent_platform import routes
from agent_platform.components.flow_canvas import flow_canvas
from agent_platform.components.flow_canvas.panels import status_badge, step_inspector, step_item
from agent_platform.components.page import app_page
from agent_platform.components.ui import empty_state, page_header, table
from agent_platform.state.builder.steps import RunRow
from agent_platform.state.runs.detail import RunDetailState
from agent_platform.state.runs.runs import STATUSES, TRIGGERS, RunsListState


def _option(pair: rx.Var) -> rx.Component:
    return rx.select.item(pair[1], value=pair[0])


def _date(label: str, name: str, value: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.text(label, size="2", color_scheme="gray"),
        rx.input(
            type="date",
            value=value,
            on_change=lambda v: RunsListState.set_filter(name, v),
            aria_label=f"{label} date (UTC)",
            name=name,
            width="150px",
        ),
        spacing="1",
        align="center",
    )


def filters() -> rx.Component:
    """Agent, status, trigger and date-range filters (dates are UTC days, both inclusive)."""
    return rx.hstack(
        rx.select.root(
            rx.select.trigger(placeholder="Agent", min_width="200px"),
            rx.select.content(rx.foreach(RunsListState.agent_options, _option)),
            value=RunsListState.agent_id,
            on_change=lambda v: RunsListState.set_filter("agent", v),
            name="agent",
        ),
        rx.select(
            STATUSES,
            value=RunsListState.status,
            on_change=lambda v: RunsListState.set_filter("status", v),
            name="status",
            aria_label="Status",
        ),
        rx.select(
            TRIGGERS,
            value=RunsListState.trigger,
            on_change=lambda v: RunsListState.set_filter("trigger", v),
            name="trigger",
            aria_label="Trigger",
        ),
        _date("From", "from", RunsListState.date_from),
        _date("To", "to", RunsListState.date_to),
        rx.cond(
            RunsListState.filtered,
            rx.button(
                "Clear filters",
                on_click=RunsListState.clear_filters,
                variant="ghost",
                size="2",
            ),
        ),
        spacing="3",
        wrap="wrap",
        align="center",
    )


def _row(run: RunRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.link(run.agent_name, href=routes.RUN_DETAIL + "?id=" + run.id)),
        rx.table.cell(status_badge(run.status)),
        rx.table.cell(run.trigger),
        rx.table.cell(run.created),
        rx.table.cell(run.duration),
        rx.table.cell(run.tokens),
        rx.table.cell(run.cost),
    )


def _results() -> rx.Component:
    """The table, how many rows it shows, and "Load more" while the server has more."""
    return rx.vstack(
        table(
            ["Agent", "Status", "Trigger", "Started", "Duration", "Tokens", "Cost"],
            rx.foreach(RunsListState.rows, _row),
        ),
        rx.hstack(
            rx.text(
                "Showing ",
                RunsListState.rows.length(),
                " runs",
                size="2",
                color_scheme="gray",
            ),
            rx.cond(
                RunsListState.has_more,
                rx.button(
                    "Load more",
                    on_click=RunsListState.load_more,
                    variant="soft",
                    size="2",
                ),
            ),
            spacing="3",
            align="center",
        ),
        spacing="3",
        width="100%",
    )


def _empty() -> rx.Component:
    return rx.cond(
        RunsListState.filtered,
        empty_state(
            "filter",
            "No runs match these filters",
            "Widen the dates or clear the filters to see more.",
            rx.button("Clear filters", on_click=RunsListState.clear_filters, variant="soft"),
        ),
        empty_state(
            "activity",
            "No runs yet",
            "Runs appear here as soon as an agent is triggered.",
            rx.link(
                rx.button(
                    rx.icon("arrow-right", size=16),
                    "Go to agents",
                    size="3",
                    variant="soft",
                ),
                href=routes.AGENTS,
            ),
        ),
    )


@app_page(routes.RUNS, "Runs", on_load=[RunsListState.load])
def runs() -> rx.Component:
    """Every run of the organization, filtered and paged on the server."""
    return rx.vstack(
        page_header("Runs", "Every execution of every agent, with its steps and results."),
        filters(),
        rx.cond(RunsListState.rows.length() > 0, _results(), _empty()),
        spacing="5",
        width="100%",
    )


def _detail_header() -> rx.Component:
    run = RunDetailState.run
    return rx.vstack(
        rx.hstack(
            rx.link(rx.icon("arrow-left", size=18), href=routes.RUNS, color_scheme="gray"),
            rx.heading(run.agent_name, size="6"),
            status_badge(run.status),
            rx.link(
                rx.button("Open in builder", variant="soft", size="1"),
                href=routes.AGENT_EDIT + "?id=" + run.agent_id,
            ),
            rx.cond(
                RunDetailState.live,
                rx.button(
                    "Cancel run",
                    on_click=RunDetailState.cancel,
                    color_scheme="red",
                    variant="soft",
                    size="1",
                ),
            ),
            spacing="3",
            align="center",
        ),
        rx.text(
            run.trigger + " run · " + run.created + " · " + run.duration + " · " + run.cost,
            size="2",
            color_scheme="gray",
        ),
        rx.cond(run.error != "", rx.callout(run.error, color_scheme="red", size="1")),
        spacing="2",
    )


@app_page(routes.RUN_DETAIL, "Run", on_load=[RunDetailState.load])
def run_detail() -> rx.Component:
    """One run: the graph with the path taken, the steps and the step inspector."""
    return rx.cond(
        RunDetailState.run,
        rx.vstack(
            _detail_header(),
            rx.hstack(
                rx.box(
                    flow_canvas(
                        nodes=RunDetailState.nodes,
                        edges=RunDetailState.edges,
                        revision=RunDetailState.nodes.length(),
                        palette=[],
                        read_only=True,
                        status=RunDetailState.node_status,
                        taken=RunDetailState.node_handles,
                        focus_id="",
                        focus_tick=0,
                        on_select=RunDetailState.select_node,
                    ),
                    height="calc(100vh - 260px)",
                    flex="1",
                    min_width="0",
                    border=f"1px solid {rx.color('gray', 6)}",
                    border_radius="10px",
                    overflow="hidden",
                ),
                rx.vstack(
                    rx.text("Steps", size="2", weight="medium"),
                    rx.foreach(
                        RunDetailState.steps,
                        lambda s: step_item(s, RunDetailState.show_step(s.step_key)),
                    ),
                    rx.cond(
                        RunDetailState.current_step, step_inspector(RunDetailState.current_step)
                    ),
                    rx.cond(
                        RunDetailState.output != "",
                        rx.code_block(
                            RunDetailState.output, language="json", width="100%", font_size="12px"
                        ),
                    ),
                    width="360px",
                    flex_shrink="0",
                    spacing="2",
                    max_height="calc(100vh - 260px)",
                    overflow_y="auto",
                ),
                spacing="4",
                width="100%",
                align="start",
            ),
            spacing="4",
            width="100%",
        ),
        rx.center(rx.spinner(), width="100%", padding="48px"),
    )
