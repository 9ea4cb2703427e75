"""``FlowCanvas``: the React Flow canvas as a Reflex component.

The React side lives in ``assets/flow/Canvas.jsx`` (a local shim, with its palette and its
stylesheet in ``Palette.jsx`` and ``styles.js`` beside it): it keeps drag, zoom and selection
in the browser and calls the event props below only for committed changes, each with one
small JSON payload. The shim knows no node type: node data carries each type's facts
and ``icons`` renders the registry's icon names (compiled in, so only those icons are bundled).
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_base.event import no_args_event_spec, passthrough_event_spec

from agent_platform.engine.registry import node_types_schema

XYFLOW = "@xyflow/react@12.10.0"


class FlowCanvas(rx.NoSSRComponent):
    """React Flow with the palette, custom nodes, connection rules and shortcuts."""

    library = "$/public/flow/Canvas.jsx"
    tag = "FlowCanvas"
    lib_dependencies: list[str] = [XYFLOW]

    nodes: rx.Var[list[dict[str, Any]]]
    edges: rx.Var[list[dict[str, Any]]]
    revision: rx.Var[int]
    palette: rx.Var[list[dict[str, str]]]
    icons: rx.Var[dict[str, Any]]
    read_only: rx.Var[bool]
    status: rx.Var[dict[str, str]]
    taken: rx.Var[dict[str, str]]
    focus_id: rx.Var[str]
    focus_tick: rx.Var[int]
    fit_tick: rx.Var[int]
    #: Pixels at the canvas's right edge a panel floats over (fit view and centring avoid them).
    inset_right: rx.Var[int]

    on_add: rx.EventHandler[passthrough_event_spec(dict)]
    on_move: rx.EventHandler[passthrough_event_spec(list)]
    on_delete: rx.EventHandler[passthrough_event_spec(dict)]
    on_connect: rx.EventHandler[passthrough_event_spec(dict)]
    on_select: rx.EventHandler[passthrough_event_spec(list)]
    on_copy: rx.EventHandler[passthrough_event_spec(list)]
    on_paste: rx.EventHandler[passthrough_event_spec(str)]
    on_duplicate: rx.EventHandler[passthrough_event_spec(list)]
    on_undo: rx.EventHandler[no_args_event_spec]
    on_redo: rx.EventHandler[no_args_event_spec]
    on_add_note: rx.EventHandler[passthrough_event_spec(dict)]
    on_edit_note: rx.EventHandler[passthrough_event_spec(dict)]

    @classmethod
    def create(cls, *children: Any, **props: Any) -> rx.Component:
        """The canvas; ``icons`` defaults to one per registered node type's icon name."""
        props.setdefault("icons", type_icons())
        return super().create(*children, **props)

    def add_imports(self) -> dict[str, str]:
        """React Flow's stylesheet."""
        return {"": "@xyflow/react/dist/style.css"}


def type_icons() -> dict[str, rx.Component]:
    """A Lucide icon per icon name the node registry uses (the shim sizes them)."""
    names = sorted({entry["icon"] for entry in node_types_schema()})
    return {name: rx.icon(name) for name in names}


flow_canvas = FlowCanvas.create
