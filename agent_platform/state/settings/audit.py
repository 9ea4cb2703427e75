"""Settings → Audit log: newest first, one page at a time."""

import dataclasses

import reflex as rx

from agent_platform.db import session_scope
from agent_platform.services import audit
from agent_platform.services.permissions import Permission
from agent_platform.state.base import AppState, fmt_time, requires, requires_login

PAGE_SIZE = 25


@dataclasses.dataclass
class AuditRow:
    """One audit entry as the table shows it."""

    id: str
    time: str
    actor: str
    action: str
    target: str
    ip: str


class AuditState(AppState):
    """The audit log (admins and owners only); the cursor stays on the server."""

    allowed: bool = False
    entries: list[AuditRow] = []
    has_more: bool = False
    _cursor: str = ""

    def _fetch(self) -> None:
        with session_scope() as session:
            page = audit.list_audit_logs(
                session, principal=self._principal(), cursor=self._cursor or None, limit=PAGE_SIZE
            )
        self.entries = self.entries + [
            AuditRow(
                id=str(e.id),
                time=fmt_time(e.created_at),
                actor=e.actor_email or "system",
                action=e.action,
                target=f"{e.target_type} {e.target_id}".strip(),
                ip=e.ip,
            )
            for e in page.items
        ]
        self._cursor = page.next_cursor or ""
        self.has_more = page.next_cursor is not None

    @rx.event
    @requires_login
    def load(self):
        """Load the newest entries if the caller may see the log."""
        self.entries, self._cursor, self.has_more = [], "", False
        self.allowed = self._principal().can(Permission.VIEW_AUDIT_LOG)
        if self.allowed:
            self._fetch()

    @rx.event
    @requires(Permission.VIEW_AUDIT_LOG)
    def load_more(self):
        """Append the next page."""
        if self._cursor:
            self._fetch()
