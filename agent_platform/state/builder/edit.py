"""Committed canvas edits: add, move (at drag stop), delete, connect, notes, layout, clipboard."""

from __future__ import annotations

import copy
import json
from typing import Any

import reflex as rx

from agent_platform.services.agents import draft
from agent_platform.services.errors import InvalidInput
from agent_platform.services.permissions import Permission
from agent_platform.state.base import requires
from agent_platform.state.builder.editor import BuilderState
from agent_platform.state.builder.view import catalog

CLIPBOARD_KEY = "ap-flow-clipboard"
MAX_CLIPBOARD = 500_000


def _payload(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidInput("That change is not valid.")
    return value


class BuilderEditState(BuilderState):
    """Handlers the canvas calls when a change is committed."""

    @rx.event
    @requires(Permission.EDIT_AGENT)
    def add_node(self, payload: Any):
        """Add a node from the palette at ``{"type", "x", "y"}`` and select it."""
        payload = _payload(payload)
        node_type = payload.get("type")
        entry = catalog().get(node_type) if isinstance(node_type, str) else None
        if entry is None:
            raise InvalidInput("Unknown node type.")
        doc, node_id = draft.add_node(
            self._doc, node_type, payload.get("x"), payload.get("y"), entry["default_config"]
        )
        self.selected_id, self.selected_ids = node_id, [node_id]
        self._commit(doc)

    @rx.event
    @requires(Permission.EDIT_AGENT)
    def move_nodes(self, moves: Any):
        """Nodes were dropped at new positions: ``[{"id", "x", "y"}, ...]``."""
        self._commit(draft.move(self._doc, moves))

    @rx.event
    @requires(Permission.EDIT_AGENT)
    def delete_items(self, payload: Any):
        """Delete ``{"nodes": [...ids], "edges": [...ids]}`` (edges of deleted nodes go too)."""
        payload = _payload(payload)
        node_ids = draft.ids(payload.get("nodes", []))
        edge_ids = draft.ids(payload.get("edges", []), limit=5000)
        if self.selected_id in node_ids:
            self.selected_id, self.selected_ids = "", []
        self._commit(draft.delete(self._doc, node_ids, edge_ids))

    @rx.event
    @requires(Permission.EDIT_AGENT)
    def delete_selected(self):
        """Delete the selected nodes (the toolbar button)."""
        chosen = list(self.selected_ids)
        self.selected_id, self.selected_ids = "", []
        self._commit(draft.delete(self._doc, chosen, []))

    @rx.event
    @requires(Permission.EDIT_AGENT)
    def connect(self, payload: Any):
        """Draw ``{"source", "sourceHandle", "target"}``; a refused connection says why."""
        payload = _payload(payload)
        try:
            doc = draft.connect(
                self._doc, payload.get("source"), payload.get("sourceHandle"), payload.get("target")
            )
        except InvalidInput as exc:
            self.revision += 1  # the shim drops its optimistic edge
            return rx.toast.warning(exc.message)
        self._commit(doc)

    @rx.event
    @requires(Permission.EDIT_AGENT)
    def add_note(self, payload: Any):
        """Add a sticky note at ``{"x", "y"}``."""
        payload = _payload(payload)
        doc, _ = draft.add_note(self._doc, payload.get("x", 0), payload.get("y", 0))
        self._commit(doc)

    @rx.event
    @requires(Permission.EDIT_AGENT)
    def edit_note(self, payload: Any):
        """Save a sticky note's text ``{"id", "text"}``."""
        payload = _payload(payload)
        self._commit(draft.edit_note(self._doc, payload.get("id"), payload.get("text")))

    @rx.event
    @requires(Permission.EDIT_AGENT)
    def layout(self):
        """Arrange the nodes in layers, left to right, and fit them in view."""
        self._commit(draft.auto_layout(self._doc))
        self.fit_tick += 1

    @rx.event
    @requires(Permission.VIEW_AGENTS)
    def copy_selection(self, node_ids: Any):
        """Put the chosen nodes on the clipboard as graph JSON (works across agents)."""
        chosen = draft.ids(node_ids) or list(self.selected_ids)
        piece = draft.scrub(draft.fragment(self._doc, chosen))
        if not piece["nodes"] and not piece["notes"]:
            return rx.toast.info("Select steps to copy first.")
        text = json.dumps({"agent_platform_graph": 1, **piece})
        script = f"localStorage.setItem({json.dumps(CLIPBOARD_KEY)}, {json.dumps(text)})"
        count = len(piece["nodes"]) + len(piece["notes"])
        return [
            rx.set_clipboard(text),
            rx.call_script(script),
            rx.toast.success(f"Copied {count} item(s)."),
        ]

    @rx.event
    @requires(Permission.EDIT_AGENT)
    def paste(self, text: Any):
        """Add graph JSON from the clipboard with fresh ids, and select what was pasted."""
        if not isinstance(text, str) or len(text) > MAX_CLIPBOARD:
            raise InvalidInput("The clipboard does not hold steps.")
        try:
            piece = json.loads(text)
        except ValueError:
            raise InvalidInput("The clipboard does not hold steps.") from None
        doc, added = draft.paste(self._doc, piece)
        if not added:
            raise InvalidInput("The clipboard does not hold steps.")
        self.selected_ids = added
        self.selected_id = added[0] if len(added) == 1 else ""
        self._commit(doc)

    @rx.event
    @requires(Permission.EDIT_AGENT)
    def duplicate(self, node_ids: Any):
        """Copy the chosen nodes (and the edges between them) next to themselves."""
        chosen = draft.ids(node_ids) or list(self.selected_ids)
        piece = copy.deepcopy(draft.fragment(self._doc, chosen))
        doc, added = draft.paste(self._doc, piece)
        self.selected_ids = added
        self.selected_id = added[0] if len(added) == 1 else ""
        self._commit(doc)
