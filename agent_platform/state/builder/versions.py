"""Publishing, version history, restoring a version as the draft, graph import and export."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import reflex as rx

from agent_platform.db import session_scope
from agent_platform.services.accounts import orgs
from agent_platform.services.agents import agents, draft
from agent_platform.services.errors import DomainError, InvalidInput
from agent_platform.services.permissions import Permission
from agent_platform.state.base import fmt_time, parse_id, requires, text
from agent_platform.state.builder.editor import BuilderState

MAX_IMPORT = 2_000_000


@dataclasses.dataclass
class VersionRow:
    """A published version in the history list."""

    id: str
    number: int
    message: str
    author: str
    created: str
    changes: str


def _changes(before: Any, after: Any) -> str:
    delta = draft.diff(before, after)
    parts = [
        f"{label} {', '.join(delta[key])}"
        for key, label in (("added", "+"), ("removed", "−"), ("changed", "~"))
        if delta[key]
    ]
    return "  ".join(parts) or "no step changes"


class VersionsState(BuilderState):
    """The publish dialog, the history drawer and import/export."""

    versions: list[VersionRow] = []
    publish_open: bool = False
    history_open: bool = False
    export_text: str = ""

    def _authors(self, session: Any) -> dict[str, str]:
        try:
            members = orgs.list_members(session, principal=self._principal())
        except DomainError:
            return {}
        return {str(m.user_id): m.name or m.email for m in members}

    def _load_versions(self) -> None:
        with session_scope() as session:
            found = agents.list_versions(
                session, principal=self._principal(), agent_id=self._agent_uuid()
            )
            authors = self._authors(session)
            ordered = list(reversed(found))
            rows = [
                VersionRow(
                    id=str(v.id),
                    number=v.number,
                    message=v.change_message or "—",
                    author=authors.get(str(v.created_by), "a former member"),
                    created=fmt_time(v.created_at),
                    changes=_changes(ordered[i - 1].definition if i else {}, v.definition),
                )
                for i, v in enumerate(ordered)
            ]
        self.versions = list(reversed(rows))

    @rx.event
    @requires(Permission.EDIT_AGENT)
    def set_publish_open(self, value: bool):
        """Open or close the publish dialog."""
        self.publish_open = value is True

    @rx.event
    @requires(Permission.VIEW_AGENTS)
    def set_history_open(self, value: bool):
        """Open the version history (loading it) or close it."""
        self.history_open = value is True
        if self.history_open:
            self._load_versions()

    @rx.event
    @requires(Permission.EDIT_AGENT)
    def publish(self, form: dict):
        """Publish the saved draft as the next immutable version with a change message."""
        message = text(form, "message", limit=1000)
        with session_scope() as session:
            try:
                version = agents.publish_agent(
                    session,
                    principal=self._principal(),
                    agent_id=self._agent_uuid(),
                    change_message=message,
                )
            except InvalidInput as exc:
                self.publish_open = False
                return rx.toast.error(f"{exc.message} Fix the problems listed under the canvas.")
            number = version.number
        self.publish_open, self.agent_status = False, "published"
        return rx.toast.success(f"Published version {number}.")

    @rx.event
    @requires(Permission.EDIT_AGENT)
    def restore(self, version_id: str):
        """Make a published version's graph the draft (undo brings the old draft back)."""
        target = parse_id(version_id, "version")
        with session_scope() as session:
            found = agents.list_versions(
                session, principal=self._principal(), agent_id=self._agent_uuid()
            )
            version = next((v for v in found if v.id == target), None)
            if version is None:
                raise InvalidInput("That version was not found.")
            doc, number = draft.normalise(version.definition), version.number
        doc["notes"] = self._doc.get("notes", [])
        self._commit(doc)
        self.history_open = False
        return rx.toast.success(f"Version {number} is now the draft.")

    @rx.event
    @requires(Permission.VIEW_AGENTS)
    def export_graph(self):
        """Download the draft as graph JSON (credential references blanked, no secrets)."""
        body = json.dumps(draft.scrub(self._doc), indent=2)
        name = (self.agent_name or "agent").lower().replace(" ", "-")[:60]
        return rx.download(data=body, filename=f"{name}.graph.json")

    @rx.event
    @requires(Permission.EDIT_AGENT)
    def import_graph(self, form: dict):
        """Replace the draft with pasted graph JSON (checked; undo brings the old draft back)."""
        raw = text(form, "graph", limit=MAX_IMPORT)
        try:
            parsed = json.loads(raw)
        except ValueError:
            raise InvalidInput("That is not valid JSON.") from None
        if not isinstance(parsed, dict) or not isinstance(parsed.get("nodes"), list):
            raise InvalidInput("Graph JSON needs a list of nodes.")
        doc = draft.imported(parsed)
        self._commit(doc)
        return rx.toast.success(f"Imported {len(doc['nodes'])} steps.")
