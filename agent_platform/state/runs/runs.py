"""The Runs page: every run of the org, filtered and paged on the server.

Filters (agent, status, trigger, a date range in UTC days) go to ``runs.list_runs``; "Load
more" fetches the next page with the cursor of the last one, so paging never skips or repeats
a run while new ones arrive. (One run's page: ``state.runs.detail``.)
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import reflex as rx

from agent_platform.db import session_scope
from agent_platform.models.runs import RunStatus, RunTrigger
from agent_platform.services.agents import queries as agent_queries
from agent_platform.services.errors import InvalidInput
from agent_platform.services.permissions import Permission
from agent_platform.services.runs import runs
from agent_platform.state.base import AppState, parse_id, requires
from agent_platform.state.builder.steps import RunRow, run_row

STATUSES = ["all", *(s.value for s in RunStatus)]
TRIGGERS = ["all", *(t.value for t in RunTrigger)]
PAGE = 50
MAX_SHOWN = 1000  # rows kept in the browser; narrow the filters to see older ones


def _day(value: str, what: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"The {what} date is not a date.") from None


def _range(first: str, last: str) -> tuple[date | None, date | None]:
    """The parsed ``(from, to)`` days. Raises ``InvalidInput`` for bad or reversed dates."""
    start, end = _day(first, "start"), _day(last, "end")
    if start and end and start > end:
        raise InvalidInput("The start date is after the end date.")
    return start, end


def _start_of(day: date | None) -> datetime | None:
    return datetime.combine(day, time(), tzinfo=UTC) if day else None


class RunsListState(AppState):
    """Runs of the organization, newest first, filtered by agent, status, trigger and dates."""

    rows: list[RunRow] = []
    agent_options: list[list[str]] = []
    agent_id: str = "all"
    status: str = "all"
    trigger: str = "all"
    date_from: str = ""  # YYYY-MM-DD, UTC, inclusive
    date_to: str = ""  # YYYY-MM-DD, UTC, inclusive
    has_more: bool = False
    loaded: bool = False
    _cursor: str = ""
    _names: dict[str, str] = {}

    @rx.var
    def filtered(self) -> bool:
        """Whether any filter is set (the empty state says so)."""
        chosen = (self.agent_id, self.status, self.trigger)
        return chosen != ("all", "all", "all") or bool(self.date_from or self.date_to)

    def _page(self, cursor: str | None) -> None:
        principal = self._principal()
        first, last = _range(self.date_from, self.date_to)
        with session_scope() as session:
            if not self._names:
                agents = agent_queries.list_agents(session, principal=principal, limit=100)
                self._names = {str(a.id): a.name for a in agents.items}
            page = runs.list_runs(
                session, principal=principal,
                agent_id=None if self.agent_id == "all" else parse_id(self.agent_id, "agent"),
                status=None if self.status == "all" else self.status,
                trigger=None if self.trigger == "all" else self.trigger,
                created_after=_start_of(first),
                created_before=_start_of(last + timedelta(days=1) if last else None),
                cursor=cursor, limit=PAGE,
            )  # fmt: skip
            names = self._names
            found = [run_row(r, names.get(str(r.agent_id), "(other agent)")) for r in page.items]
        self.rows = (self.rows if cursor else []) + found
        self._cursor = page.next_cursor or ""
        self.has_more = bool(page.next_cursor) and len(self.rows) < MAX_SHOWN
        self.agent_options = [["all", "All agents"], *[[k, v] for k, v in self._names.items()]]
        self.loaded = True

    @rx.event
    @requires(Permission.VIEW_RUNS)
    def load(self):
        """Load the first page (``?agent=`` preselects an agent)."""
        wanted = self._query("agent")
        if wanted:
            self.agent_id = str(parse_id(wanted, "agent"))
        self._names = {}
        self._page(None)

    @rx.event
    @requires(Permission.VIEW_RUNS)
    def load_more(self):
        """Append the next page."""
        if self._cursor and self.has_more:
            self._page(self._cursor)

    @rx.event
    @requires(Permission.VIEW_RUNS)
    def set_filter(self, name: str, value: str):
        """Change one filter (``agent``, ``status``, ``trigger``, ``from`` or ``to``)."""
        if not isinstance(value, str):
            raise InvalidInput("Unknown filter.")
        if name == "agent" and (value == "all" or parse_id(value, "agent")):
            self.agent_id = value
        elif name == "status" and value in STATUSES:
            self.status = value
        elif name == "trigger" and value in TRIGGERS:
            self.trigger = value
        elif name in ("from", "to"):
            first = value if name == "from" else self.date_from
            last = value if name == "to" else self.date_to
            _range(first, last)  # refuse before changing anything
            self.date_from, self.date_to = first, last
        else:
            raise InvalidInput("Unknown filter.")
        self._page(None)

    @rx.event
    @requires(Permission.VIEW_RUNS)
    def clear_filters(self):
        """Show every run again."""
        self.agent_id, self.status, self.trigger = "all", "all", "all"
        self.date_from, self.date_to = "", ""
        self._page(None)
