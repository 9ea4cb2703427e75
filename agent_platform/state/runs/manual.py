"""The "Run" dialog: run a published agent by hand from the form its trigger declares.

Opened from the agents list and the builder; submitting starts a ``manual`` run through
``services.runs.manual`` (the same ``start_run`` the API uses) and opens the run's live page.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx

from agent_platform import routes
from agent_platform.db import session_scope
from agent_platform.services.permissions import Permission
from agent_platform.services.runs import manual
from agent_platform.state.base import AppState, parse_id, requires


@dataclasses.dataclass
class RunField:
    """One control of the run form."""

    name: str
    label: str
    type: str  # text|number|boolean|json
    required: bool


class ManualRunState(AppState):
    """The run dialog of one agent."""

    open: bool = False
    agent_id: str = ""
    agent_name: str = ""
    fields: list[RunField] = []

    @rx.event
    @requires(Permission.EXECUTE_AGENT)
    def start(self, agent_id: Any):
        """Open the dialog for ``agent_id`` with its published trigger's input fields."""
        with session_scope() as session:
            form = manual.run_form(
                session, principal=self._principal(), agent_id=parse_id(agent_id, "agent")
            )
        self.agent_id, self.agent_name = str(form.agent_id), form.agent_name
        self.fields = [RunField(f.name, f.label, f.type, f.required) for f in form.fields]
        self.open = True

    @rx.event
    @requires(Permission.EXECUTE_AGENT)
    def set_open(self, value: bool):
        """Open or close the dialog."""
        self.open = value is True

    @rx.event
    @requires(Permission.EXECUTE_AGENT)
    def submit(self, form: dict):
        """Start the run and open its live view."""
        with session_scope() as session:
            run = manual.start_manual_run(
                session,
                principal=self._principal(),
                agent_id=parse_id(self.agent_id, "agent"),
                values=form,
            )
            session.flush()
            run_id = str(run.id)
        self.open = False
        return rx.redirect(routes.run_url(run_id))
