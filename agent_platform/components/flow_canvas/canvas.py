"""``FlowCanvas``: the React Flow canvas as a Reflex component.

The React side lives in ``assets/flow/Canvas.jsx`` (a local shim): it keeps drag, zoom and
selection in the browser and calls the event props below only for committed changes, each
with one small JSON payload.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_base.event import no_args_event_spec, passthrough_event_spec

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
    read_only: rx.Var[bool]
    status: rx.Var[dict[str, str]]
    taken: rx.Var[dict[str, str]]
    focus_id: rx.Var[str]
    focus_tick: rx.Var[int]
    fit_tick: rx.Var[int]

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

    def add_imports(self) -> dict[str, str]:
        """React Flow's stylesheet."""
        return {"": "@xyflow/react/dist/style.css"}


flow_canvas = FlowCanvas.create
