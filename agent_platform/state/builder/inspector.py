"""The inspector: edits to the selected node's config, one committed field at a time."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import reflex as rx

from agent_platform.db import session_scope
from agent_platform.services.agents import draft
from agent_platform.services.credentials import store as credentials
from agent_platform.services.errors import InvalidInput
from agent_platform.services.permissions import Permission
from agent_platform.state.base import requires
from agent_platform.state.builder import fields as form
from agent_platform.state.builder.editor import BuilderState

MAX_ROWS = 100


@dataclasses.dataclass
class CredentialOption:
    """A credential the picker offers (by name; the secret never leaves the server)."""

    id: str
    label: str


class InspectorState(BuilderState):
    """Handlers of the inspector panel."""

    credentials: list[CredentialOption] = []

    def _node(self) -> dict[str, Any]:
        node = next((n for n in self._doc["nodes"] if n["id"] == self.selected_id), None)
        if node is None:
            raise InvalidInput("Select a step first.")
        return node

    def _set(self, key: str, value: Any) -> None:
        node = self._node()
        data = {**copy.deepcopy(node.get("data") or {}), key: value}
        self._commit(draft.set_config(self._doc, node["id"], data))

    @rx.event
    @requires(Permission.EDIT_AGENT)
    def load_credentials(self):
        """Fill the credential picker with the org's credentials (names and kinds only)."""
        with session_scope() as session:
            found = credentials.list_credentials(session, principal=self._principal())
        self.credentials = [CredentialOption(str(c.id), f"{c.name} ({c.kind})") for c in found]

    @rx.event
    @requires(Permission.EDIT_AGENT)
    def set_field(self, key: Any, raw: Any):
        """Set field ``key`` of the selected node from the control's value."""
        node = self._node()
        value = form.parse(node["type"], key, raw)
        if form.widgets_of(node["type"]).get(key) == "agent":
            self.agent_choices = self._published_agents()
            if value not in {c.id for c in self.agent_choices}:
                raise InvalidInput("Choose one of this organization's other published agents.")
        self._set(key, value)

    @rx.event
    @requires(Permission.EDIT_AGENT)
    def insert_variable(self, key: Any, variable: Any):
        """Append an offered ``{{...}}`` variable to a prompt field."""
        if not isinstance(variable, str) or variable not in self.variables:
            raise InvalidInput("That variable is not available here.")
        node = self._node()
        current = (node.get("data") or {}).get(key)
        current = current if isinstance(current, str) else ""
        spacer = " " if current and not current.endswith((" ", "\n")) else ""
        self._set(key, form.parse(node["type"], key, f"{current}{spacer}{variable}"))

    def _rows(self, key: Any) -> list[list[str]]:
        node = self._node()
        fields = {f.key: f for f in self.fields}
        if not isinstance(key, str) or fields.get(key) is None or fields[key].kind != "kv":
            raise InvalidInput("That field does not exist.")
        return form.kv_rows((node.get("data") or {}).get(key))

    @rx.event
    @requires(Permission.EDIT_AGENT)
    def kv_edit(self, key: Any, index: Any, part: Any, value: Any):
        """Change the key or value of row ``index`` of a key-value field."""
        rows = self._rows(key)
        if not isinstance(index, int) or not 0 <= index < len(rows) or part not in ("key", "value"):
            raise InvalidInput("That row does not exist.")
        if not isinstance(value, str) or len(value) > form.MAX_VALUE:
            raise InvalidInput("That value is not valid.")
        rows[index][0 if part == "key" else 1] = value.strip() if part == "key" else value
        self._set(key, form.kv_value(rows))

    @rx.event
    @requires(Permission.EDIT_AGENT)
    def kv_add(self, key: Any):
        """Add a row to a key-value field."""
        rows = self._rows(key)
        if len(rows) >= MAX_ROWS:
            raise InvalidInput(f"At most {MAX_ROWS} rows.")
        taken = {k for k, _ in rows}
        name = next(f"key_{n}" for n in range(1, MAX_ROWS + 2) if f"key_{n}" not in taken)
        self._set(key, form.kv_value([*rows, [name, ""]]))

    @rx.event
    @requires(Permission.EDIT_AGENT)
    def kv_remove(self, key: Any, index: Any):
        """Remove row ``index`` of a key-value field."""
        rows = self._rows(key)
        if not isinstance(index, int) or not 0 <= index < len(rows):
            raise InvalidInput("That row does not exist.")
        self._set(key, form.kv_value(rows[:index] + rows[index + 1 :]))
