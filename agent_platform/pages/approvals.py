"""``/approvals``: the inbox (Pending / Decided) and the open request with its form."""

from __future__ import annotations

import reflex as rx

from agent_platform import routes
from agent_platform.components.page import app_page
from agent_platform.components.ui import empty_state, page_header
from agent_platform.pages.approval_detail import detail, status_badge
from agent_platform.state.approvals.detail import ApprovalDetailState as D
from agent_platform.state.approvals.inbox import ApprovalsState
from agent_platform.state.approvals.view import ApprovalRow, Pair


def _tab(label: str, value: str, count) -> rx.Component:
    return rx.tabs.trigger(
        rx.hstack(label, rx.badge(count, variant="soft", radius="full"), spacing="2"),
        value=value,
    )


def _select(value, on_change, items: list[tuple[str, str]], label: str) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(aria_label=label, min_width="130px"),
        rx.select.content(*[rx.select.item(text, value=v) for v, text in items]),
        value=value,
        on_change=on_change,
    )


def _agent_item(agent: Pair) -> rx.Component:
    return rx.select.item(agent.value, value=agent.key)


def filters() -> rx.Component:
    """Agent, age and assignee filters, search, export."""
    agent_select = rx.select.root(
        rx.select.trigger(aria_label="Agent", min_width="150px"),
        rx.select.content(
            rx.select.item("All agents", value="all"),
            rx.foreach(ApprovalsState.agents, _agent_item),
        ),
        value=ApprovalsState.agent_filter,
        on_change=ApprovalsState.set_agent_filter,
    )
    ages = [("any", "Any age"), ("1h", "Older than 1 h"), ("24h", "Older than 1 day"),
            ("7d", "Older than 1 week")]  # fmt: skip
    return rx.flex(
        rx.form(
            rx.input(
                rx.input.slot(rx.icon("search", size=16)),
                name="q",
                placeholder="Search title or agent",
                default_value=ApprovalsState.search,
                width="240px",
            ),  # fmt: skip
            on_submit=ApprovalsState.run_search,
            width="240px",
        ),
        agent_select,
        _select(ApprovalsState.age_filter, ApprovalsState.set_age_filter, ages, "Age"),
        _select(
            ApprovalsState.assignee_filter,
            ApprovalsState.set_assignee_filter,
            [("anyone", "Anyone"), ("me", "Assigned to me")],
            "Assignee",
        ),  # fmt: skip
        rx.spacer(),
        rx.button(
            rx.icon("download", size=16),
            "Export CSV",
            variant="soft",
            on_click=ApprovalsState.export_csv,
        ),  # fmt: skip
        spacing="3",
        wrap="wrap",
        align="center",
        width="100%",
    )


def _row(item: ApprovalRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.link(item.title, weight="medium", on_click=D.open(item.id), cursor="pointer")
        ),
        rx.table.cell(item.agent),
        rx.table.cell(status_badge(item.status)),
        rx.table.cell(rx.text(item.age, color_scheme="gray", size="2")),
        rx.table.cell(
            rx.cond(
                item.decided_by != "",
                rx.text(item.decided_by, size="2"),
                rx.cond(
                    item.claimed_by != "",
                    rx.text("claimed by ", item.claimed_by, size="2"),
                    rx.cond(
                        item.can_decide,
                        rx.badge("Waiting for you", color_scheme="amber"),
                        rx.fragment(),
                    ),
                ),
            )  # fmt: skip
        ),
        rx.table.cell(
            rx.button("Open", size="1", variant="soft", on_click=D.open(item.id)), align="right"
        ),
    )


def inbox() -> rx.Component:
    """The list of requests."""
    table = rx.table.root(
        rx.table.header(
            rx.table.row(
                *[rx.table.column_header_cell(h) for h in ("Request", "Agent", "Status", "Age")],
                rx.table.column_header_cell(
                    rx.cond(ApprovalsState.tab == "pending", "", "Decided by")
                ),
                rx.table.column_header_cell(""),
            )
        ),
        rx.table.body(rx.foreach(ApprovalsState.rows, _row)),
        width="100%",
        variant="surface",
    )
    return rx.vstack(
        rx.tabs.root(
            rx.tabs.list(
                _tab("Pending", "pending", ApprovalsState.pending_count),
                _tab("Decided", "decided", ApprovalsState.decided_count),
            ),
            value=ApprovalsState.tab,
            on_change=ApprovalsState.set_tab,
        ),
        filters(),
        rx.cond(
            ApprovalsState.rows.length() > 0,
            table,
            empty_state(
                "shield-check",
                rx.cond(ApprovalsState.tab == "pending", "Nothing waiting", "No decisions yet"),
                "When an agent needs a person to approve a step, it will show up here.",
            ),
        ),
        spacing="4",
        width="100%",
    )


@app_page(routes.APPROVALS, "Approvals", on_load=[ApprovalsState.load, D.load])
def approvals() -> rx.Component:
    """Steps waiting for a human decision."""
    return rx.vstack(
        page_header("Approvals", "Decisions agents are waiting for before they continue."),
        rx.cond(
            D.notice != "", rx.callout(D.notice, icon="info", color_scheme="amber", width="100%")
        ),
        rx.cond(D.selected_id != "", detail(), inbox()),
        spacing="5",
        width="100%",
    )
