"""The main sections: agents (the list) and the marketplace placeholder.

The builder, runs and knowledge pages live in ``pages/builder.py``, ``pages/runs.py`` and
``pages/knowledge.py``.
"""

from __future__ import annotations

import reflex as rx

from agent_platform import routes
from agent_platform.components.flow_canvas.panels import status_badge
from agent_platform.components.page import app_page
from agent_platform.components.run_dialog import run_button, run_dialog
from agent_platform.components.ui import (
    confirm,
    empty_state,
    page_header,
    submit_button,
    table,
    text_input,
)
from agent_platform.pages import builder, runs  # noqa: F401  (registers the builder and runs pages)
from agent_platform.state.agents import STATUSES, AgentRow, AgentsListState
from agent_platform.state.shell import ShellState


def _can(permission: str) -> rx.Var:
    return ShellState.permissions.contains(permission)


def _agent_row(agent: AgentRow) -> rx.Component:
    actions = rx.hstack(
        rx.cond(
            AgentsListState.can_run & (agent.status == "published"),
            run_button(agent.id, agent.name, size="1"),
        ),
        rx.cond(
            AgentsListState.can_create,
            rx.icon_button(
                rx.icon("copy", size=14),
                size="1",
                variant="ghost",
                aria_label="Duplicate " + agent.name,
                on_click=AgentsListState.duplicate(agent.id),
            ),
        ),
        rx.cond(
            AgentsListState.can_archive & (agent.status != "archived"),
            confirm(
                rx.icon_button(
                    rx.icon("archive", size=14),
                    size="1",
                    variant="ghost",
                    color_scheme="red",
                    aria_label="Archive " + agent.name,
                ),
                "Archive agent?",
                "It stops accepting runs; its versions and run history stay.",
                "Archive",
                AgentsListState.archive(agent.id),
            ),
        ),
        spacing="1",
        align="center",
    )
    return rx.table.row(
        rx.table.cell(
            rx.vstack(
                rx.link(agent.name, href=routes.AGENT_EDIT + "?id=" + agent.id, weight="medium"),
                rx.text(
                    agent.description,
                    size="1",
                    color_scheme="gray",
                    truncate=True,
                    max_width="360px",
                ),
                spacing="0",
            )
        ),
        rx.table.cell(status_badge(agent.status)),
        rx.table.cell(agent.nodes),
        rx.table.cell(
            rx.hstack(
                rx.text(agent.last_run, size="2"),
                rx.cond(agent.last_run_status != "", status_badge(agent.last_run_status)),
                spacing="2",
                align="center",
            )
        ),
        rx.table.cell(agent.updated),
        rx.table.cell(actions),
    )


def _create_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.trigger(rx.button(rx.icon("plus", size=16), "Create agent", size="3")),
        rx.dialog.content(
            rx.dialog.title("Create agent"),
            rx.dialog.description("Give it a name; the builder opens next."),
            rx.form(
                rx.vstack(
                    text_input("name", "Support triage", required=True, max_length=200),
                    text_input("description", "What it does (optional)", max_length=2000),
                    rx.hstack(
                        rx.dialog.close(
                            rx.button("Cancel", variant="soft", color_scheme="gray", type="button")
                        ),
                        submit_button("Create"),
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                    margin_top="12px",
                ),
                on_submit=AgentsListState.create,
            ),
            max_width="440px",
        ),
        open=AgentsListState.create_open,
        on_open_change=AgentsListState.set_create_open,
    )


def _agent_filters() -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.input(
                name="search",
                placeholder="Search agents",
                default_value=AgentsListState.search,
                width="260px",
            ),
            rx.select(STATUSES, name="status", default_value="all"),
            rx.button("Filter", type="submit", variant="soft"),
            spacing="2",
        ),
        on_submit=AgentsListState.apply_filter,
    )


@app_page(routes.AGENTS, "Agents", on_load=[AgentsListState.load])
def agents() -> rx.Component:
    """The organization's agents."""
    create = rx.cond(AgentsListState.can_create, _create_dialog())
    listing = table(
        ["Agent", "Status", "Steps", "Last run", "Updated", ""],
        rx.foreach(AgentsListState.rows, _agent_row),
    )
    nothing = empty_state(
        "bot",
        "No agents yet",
        rx.cond(
            _can("create_agent"),
            "Create an agent to start building.",
            "Agents your team builds will appear here.",
        ),
    )
    filtered = (AgentsListState.search != "") | (AgentsListState.status != "all")
    return rx.vstack(
        page_header(
            "Agents", "Automations that combine triggers, models, tools and approvals.", create
        ),
        rx.cond(
            (AgentsListState.rows.length() > 0) | filtered,
            rx.vstack(_agent_filters(), listing, spacing="3", width="100%"),
            rx.cond(AgentsListState.loaded, nothing, rx.center(rx.spinner(), width="100%")),
        ),
        run_dialog(),
        spacing="5",
        width="100%",
    )


@app_page(routes.MARKETPLACE, "Marketplace")
def marketplace() -> rx.Component:
    """Ready-made agent templates."""
    return rx.vstack(
        page_header("Marketplace", "Ready-made agents and tools to start from."),
        empty_state(
            "store",
            "No templates published yet",
            "Templates shared with your organization will be listed here.",
        ),
        spacing="5",
        width="100%",
    )
