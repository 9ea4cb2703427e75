"""Conversations page (builders): list, search, filter by feedback, read transcripts."""

import dataclasses

import reflex as rx

from agent_platform.db import session_scope
from agent_platform.services.delivery import chat, conversations
from agent_platform.services.errors import InvalidInput
from agent_platform.services.permissions import Permission
from agent_platform.state.base import AppState, fmt_time, parse_id, requires

FEEDBACK_FILTERS = ["all", "up", "down"]


@dataclasses.dataclass
class ConversationRow:
    """A conversation in the list."""

    id: str
    title: str
    agent: str
    channel: str
    end_user: str
    messages: int
    updated: str


@dataclasses.dataclass
class TranscriptMessage:
    """A message of the open transcript (``html`` is sanitised on the server)."""

    id: str
    role: str
    html: str
    status: str
    feedback: str
    run_id: str
    sources: list[str]


def _feedback(value: int | None) -> str:
    return {1: "up", -1: "down"}.get(value or 0, "")


class ConversationsState(AppState):
    """The org's conversations with its agents."""

    rows: list[ConversationRow] = []
    search: str = ""
    feedback: str = "all"
    open_id: str = ""
    open_title: str = ""
    transcript: list[TranscriptMessage] = []

    def _reload(self) -> None:
        principal = self._principal()
        with session_scope() as session:
            page = conversations.list_conversations(
                session, principal=principal, search=self.search or None,
                feedback=None if self.feedback == "all" else self.feedback, limit=100,
            )  # fmt: skip
            names = conversations.agent_names(session, principal=principal)
            self.rows = [
                ConversationRow(
                    id=str(c.id),
                    title=c.title or "(empty)",
                    agent=names.get(c.agent_id, "?"),
                    channel=c.channel,
                    end_user=c.end_user.split(":", 1)[0],
                    messages=c.message_count,
                    updated=fmt_time(c.updated_at),
                )  # fmt: skip
                for c in page.items
            ]

    @rx.event
    @requires(Permission.VIEW_RUNS)
    def load(self):
        """Load the newest conversations."""
        self.open_id, self.transcript = "", []
        self._reload()

    @rx.event
    @requires(Permission.VIEW_RUNS)
    def set_search(self, value: str):
        """Search titles and message text."""
        if not isinstance(value, str) or len(value) > 200:
            raise InvalidInput("Search is limited to 200 characters.")
        self.search = value.strip()
        self._reload()

    @rx.event
    @requires(Permission.VIEW_RUNS)
    def set_feedback(self, value: str):
        """Only conversations with a thumbs up / down."""
        if value not in FEEDBACK_FILTERS:
            raise InvalidInput("Unknown filter.")
        self.feedback = value
        self._reload()

    @rx.event
    @requires(Permission.VIEW_RUNS)
    def open(self, conversation_id: str):
        """Show one transcript."""
        target = parse_id(conversation_id, "conversation")
        with session_scope() as session:
            found = conversations.get_conversation(
                session, principal=self._principal(), conversation_id=target
            )
            rows = conversations.messages(session, found)
            self.open_id, self.open_title = str(found.id), found.title or "(empty)"
            self.transcript = [
                TranscriptMessage(
                    id=v.id,
                    role=v.role,
                    html=v.html,
                    status=v.status,
                    feedback=_feedback(v.feedback),
                    run_id=v.run_id,
                    sources=[f"[{c.get('index')}] {c.get('title')}" for c in v.citations],
                )  # fmt: skip
                for v in (chat.view(m) for m in rows)
            ]

    @rx.event
    @requires(Permission.VIEW_RUNS)
    def close(self):
        """Back to the list."""
        self.open_id, self.transcript = "", []
