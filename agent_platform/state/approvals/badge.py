"""The sidebar's approvals badge: how many pending requests wait for the signed-in user."""

import asyncio
import time

import reflex as rx

from agent_platform.db import session_scope
from agent_platform.services.approvals import inbox as approvals
from agent_platform.services.errors import DomainError
from agent_platform.services.permissions import Permission, Principal
from agent_platform.state.base import AppState, requires, requires_login

POLL_S = 5.0
WATCH_LIMIT_S = 3600


def _count(principal: Principal) -> int:
    with session_scope() as session:
        return approvals.count_approvals(session, principal=principal)["mine"]


class ApprovalsBadgeState(AppState):
    """``mine``: pending approvals the user may still decide; polled while the tab is open."""

    mine: int = 0
    _watching: bool = False

    @rx.event
    @requires(Permission.VIEW_RUNS)
    def refresh(self):
        """Recount now (after a decision, on navigation)."""
        self.mine = _count(self._principal())

    @rx.event(background=True)
    @requires_login
    async def watch(self):
        """Recount every few seconds for up to an hour (one loop per tab)."""
        async with self:
            if self._watching:
                return
            self._watching = True
        try:
            deadline = time.monotonic() + WATCH_LIMIT_S
            while time.monotonic() < deadline:
                try:
                    # Re-verified each time, so a logout or role change stops the loop.
                    principal = await asyncio.to_thread(self._resolve_identity)
                    if principal.principal is None:
                        return
                    mine = await asyncio.to_thread(_count, principal.principal)
                except DomainError:
                    return
                async with self:
                    self.mine = mine
                await asyncio.sleep(POLL_S)
        finally:
            async with self:
                self._watching = False
