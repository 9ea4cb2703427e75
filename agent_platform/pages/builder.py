"""The visual builder: canvas with palette, inspector, problems, test runs and versions."""

from __future__ import annotations

import reflex as rx

from agent_platform import routes
from agent_platform.components.flow_canvas import flow_canvas
from agent_platform.components.flow_canvas.inspector import inspector
from agent_platform.components.flow_canvas.panels import (
    event_item,
    history_dialog,
    import_dialog,
    problems_list,
    publish_dialog,
    status_badge,
    step_inspector,
    step_item,
)
from agent_platform.components.page import app_page
from agent_platform.components.run_dialog import run_button, run_dialog
from agent_platform.components.ui import link_button, submit_button
from agent_platform.state.builder.edit import BuilderEditState
from agent_platform.state.builder.editor import BuilderState
from agent_platform.state.builder.run import BuilderRunState
from agent_platform.state.builder.versions import VersionsState
from agent_platform.state.shell import ShellState

TOOLBAR_HEIGHT = "52px"
PANEL_WIDTH = 340  # px: the floating inspector panel
PANEL_SPACE = PANEL_WIDTH + 12  # what it covers at the canvas's right edge, margin included


def _tool(icon: str, label: str, on_click, **props) -> rx.Component:
    return rx.tooltip(
        rx.icon_button(
            rx.icon(icon, size=16),
            variant="soft",
            color_scheme="gray",
            size="2",
            on_click=on_click,
            aria_label=label,
            **props,
        ),
        content=label,
    )


def _agent_page(route: str) -> rx.Var:
    return route + "?id=" + BuilderState.agent_id


def toolbar() -> rx.Component:
    """Name, status and the actions that change the whole draft, in one row above the canvas."""
    editing = rx.hstack(
        _tool("undo-2", "Undo (Ctrl+Z)", BuilderState.undo, disabled=~BuilderState.can_undo),
        _tool("redo-2", "Redo (Ctrl+Shift+Z)", BuilderState.redo, disabled=~BuilderState.can_redo),
        _tool("copy", "Copy (Ctrl+C)", BuilderEditState.copy_selection([])),
        _tool("copy-plus", "Duplicate (Ctrl+D)", BuilderEditState.duplicate([])),
        _tool("trash-2", "Delete selected (Del)", BuilderEditState.delete_selected),
        _tool("network", "Auto-layout", BuilderEditState.layout),
        import_dialog(),
        spacing="1",
    )
    pages = rx.hstack(
        link_button("message-circle", "Test chat", _agent_page(routes.AGENT_CHAT)),
        link_button("globe", "Publish to website", _agent_page(routes.AGENT_WIDGET)),
        spacing="2",
    )
    return rx.hstack(
        rx.link(
            rx.icon("arrow-left", size=18), href=routes.AGENTS, color_scheme="gray", title="Agents"
        ),
        rx.heading(BuilderState.agent_name, size="4", truncate=True, max_width="240px"),
        status_badge(BuilderState.agent_status),
        rx.cond(BuilderState.can_edit, editing),
        _tool("download", "Export graph JSON", VersionsState.export_graph),
        rx.spacer(),
        rx.cond(BuilderState.can_edit, pages),
        rx.button(
            rx.icon("history", size=14),
            "History",
            variant="soft",
            color_scheme="gray",
            on_click=VersionsState.set_history_open(True),
        ),
        rx.cond(
            (BuilderState.agent_status == "published")
            & ShellState.permissions.contains("execute_agent"),
            run_button(BuilderState.agent_id),
        ),
        rx.cond(
            BuilderState.can_edit,
            rx.button(
                rx.icon("rocket", size=14), "Publish", on_click=VersionsState.set_publish_open(True)
            ),
        ),
        spacing="2",
        align="center",
        width="100%",
        height=TOOLBAR_HEIGHT,
        padding_x="16px",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        background=rx.color("gray", 1),
        overflow_x="auto",
    )


def canvas() -> rx.Component:
    """The React Flow canvas wired to the builder's committed-change handlers."""
    return flow_canvas(
        nodes=BuilderState.nodes,
        edges=BuilderState.edges,
        revision=BuilderState.revision,
        palette=BuilderState.palette,
        read_only=~BuilderState.can_edit,
        status=BuilderRunState.node_status,
        taken=BuilderRunState.node_handles,
        focus_id=BuilderState.selected_id,
        focus_tick=BuilderState.focus_tick,
        fit_tick=BuilderState.fit_tick,
        inset_right=rx.cond(BuilderState.panel_open, PANEL_SPACE, 0),
        on_add=BuilderEditState.add_node,
        on_move=BuilderEditState.move_nodes,
        on_delete=BuilderEditState.delete_items,
        on_connect=BuilderEditState.connect,
        on_select=BuilderState.select,
        on_copy=BuilderEditState.copy_selection,
        on_paste=BuilderEditState.paste,
        on_duplicate=BuilderEditState.duplicate,
        on_undo=BuilderState.undo,
        on_redo=BuilderState.redo,
        on_add_note=BuilderEditState.add_note,
        on_edit_note=BuilderEditState.edit_note,
    )


def test_panel() -> rx.Component:
    """Run the draft with inputs and follow it step by step."""
    running = (BuilderRunState.run_status == "running") | (BuilderRunState.run_status == "pending")
    return rx.vstack(
        rx.form(
            rx.vstack(
                rx.text("Inputs (JSON)", size="2", weight="medium"),
                rx.text_area(
                    name="inputs",
                    default_value=BuilderRunState.run_inputs,
                    rows="4",
                    width="100%",
                    style={"font_family": "var(--code-font-family)", "font_size": "12px"},
                ),
                rx.hstack(
                    submit_button(rx.icon("play", size=14), "Run test"),
                    rx.cond(
                        running,
                        rx.button(
                            "Cancel",
                            variant="soft",
                            color_scheme="red",
                            type="button",
                            size="2",
                            on_click=BuilderRunState.cancel,
                        ),
                    ),
                    rx.cond(
                        BuilderRunState.run_status != "", status_badge(BuilderRunState.run_status)
                    ),
                    spacing="2",
                    align="center",
                ),
                spacing="2",
                width="100%",
            ),
            on_submit=BuilderRunState.run_test,
            width="100%",
        ),
        rx.cond(
            BuilderRunState.run_error != "",
            rx.callout(BuilderRunState.run_error, color_scheme="red", size="1", width="100%"),
        ),
        rx.cond(
            BuilderRunState.run_output != "",
            rx.vstack(
                rx.text("Output", size="1", weight="medium", color_scheme="gray"),
                rx.code_block(
                    BuilderRunState.run_output,
                    language="json",
                    width="100%",
                    font_size="12px",
                    wrap_long_lines=True,
                ),
                width="100%",
                spacing="1",
            ),
        ),
        rx.cond(
            BuilderRunState.steps.length() > 0,
            rx.vstack(
                rx.text("Steps", size="1", weight="medium", color_scheme="gray"),
                rx.foreach(
                    BuilderRunState.steps,
                    lambda s: step_item(
                        s, [BuilderRunState.show_step(s.step_key), BuilderState.focus(s.node_id)]
                    ),
                ),
                width="100%",
                spacing="1",
                id="test-steps",
            ),
        ),
        rx.cond(BuilderRunState.current_step, step_inspector(BuilderRunState.current_step)),
        rx.cond(
            BuilderRunState.events.length() > 0,
            rx.vstack(
                rx.text("Events", size="1", weight="medium", color_scheme="gray"),
                rx.box(
                    rx.foreach(BuilderRunState.events, event_item),
                    max_height="140px",
                    overflow_y="auto",
                    width="100%",
                ),
                width="100%",
                spacing="1",
            ),
        ),
        spacing="3",
        width="100%",
    )


def side_panel() -> rx.Component:
    """Inspector, test run and problems as tabs in a panel floating over the canvas's right."""
    count = BuilderState.problems.length().to_string()
    hide = rx.icon_button(
        rx.icon("panel-right-close", size=16),
        variant="ghost",
        color_scheme="gray",
        size="1",
        aria_label="Hide panel",
        title="Hide the panel",
        on_click=BuilderState.set_panel_open(False),
    )
    tabs = rx.tabs.root(
        rx.hstack(
            rx.tabs.list(
                rx.tabs.trigger("Inspector", value="inspector"),
                rx.tabs.trigger("Test run", value="test"),
                rx.tabs.trigger("Problems (" + count + ")", value="problems"),
                size="1",
            ),
            rx.spacer(),
            hide,
            align="center",
            padding_right="8px",
        ),
        rx.box(
            rx.tabs.content(inspector(), value="inspector"),
            rx.tabs.content(test_panel(), value="test"),
            rx.tabs.content(problems_list(), value="problems"),
            padding="12px 14px",
            overflow_y="auto",
            flex="1",
            min_height="0",
        ),
        default_value="inspector",
        display="flex",
        flex_direction="column",
        height="100%",
    )
    show = rx.button(
        rx.icon("panel-right-open", size=14),
        "Inspector",
        rx.cond(
            BuilderState.problems.length() > 0,
            rx.badge(count, color_scheme="red", radius="full", size="1"),
        ),
        variant="surface",
        color_scheme="gray",
        aria_label="Show panel",
        on_click=BuilderState.set_panel_open(True),
    )
    return rx.cond(
        BuilderState.panel_open,
        rx.box(
            tabs,
            position="absolute",
            top="12px",
            right="12px",
            bottom="12px",
            width=f"{PANEL_WIDTH}px",
            max_width="calc(100% - 24px)",
            z_index="6",
            background=rx.color("gray", 1),
            border=f"1px solid {rx.color('gray', 5)}",
            border_radius="10px",
            box_shadow="0 4px 16px rgba(0,0,0,.08)",
            overflow="hidden",
            id="builder-panel",
        ),
        rx.box(show, position="absolute", top="12px", right="12px", z_index="6"),
    )


@app_page(routes.AGENT_EDIT, "Builder", on_load=[BuilderState.load], canvas=True)
def builder() -> rx.Component:
    """The builder page for ``?id=<agent>``: the canvas is the page, its panels float on it."""
    return rx.box(
        toolbar(),
        rx.box(
            canvas(),
            side_panel(),
            position="relative",
            height=f"calc(100% - {TOOLBAR_HEIGHT})",
            width="100%",
            id="builder-canvas",
        ),
        publish_dialog(),
        history_dialog(),
        run_dialog(),
        height="100%",
        width="100%",
    )
