"""The main sections. For now each shows what to do next; later issues fill them."""

from __future__ import annotations

import reflex as rx

from agent_platform import routes
from agent_platform.components.page import app_page
from agent_platform.components.ui import empty_state, page_header
from agent_platform.state.shell import ShellState


def _can(permission: str) -> rx.Var:
    return ShellState.permissions.contains(permission)


def _link_button(label: str, icon: str, href: str, **props) -> rx.Component:
    return rx.link(rx.button(rx.icon(icon, size=16), label, size="3", **props), href=href)


@app_page(routes.AGENTS, "Agents")
def agents() -> rx.Component:
    """The organization's agents."""
    create = rx.cond(_can("create_agent"), _link_button("Create agent", "plus", routes.AGENT_NEW))
    return rx.vstack(
        page_header("Agents", "Automations that combine triggers, models, tools and approvals."),
        empty_state(
            "bot",
            "No agents yet",
            rx.cond(
                _can("create_agent"),
                "Create an agent to start building.",
                "Agents your team builds will appear here.",
            ),
            create,
        ),
        spacing="5",
        width="100%",
    )


@app_page(routes.RUNS, "Runs")
def runs() -> rx.Component:
    """Agent runs and their status."""
    return rx.vstack(
        page_header("Runs", "Every execution of every agent, with its steps and results."),
        empty_state(
            "activity",
            "No runs yet",
            "Runs appear here as soon as an agent is triggered.",
            _link_button("Go to agents", "arrow-right", routes.AGENTS, variant="soft"),
        ),
        spacing="5",
        width="100%",
    )


@app_page(routes.KNOWLEDGE, "Knowledge")
def knowledge() -> rx.Component:
    """Document collections agents can search."""
    return rx.vstack(
        page_header("Knowledge", "Documents your agents can search and cite."),
        empty_state(
            "book-open",
            "No knowledge bases yet",
            rx.cond(
                _can("edit_knowledge"),
                "Add a knowledge base and upload documents so agents can answer from them.",
                "Knowledge bases your team adds will appear here.",
            ),
        ),
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
