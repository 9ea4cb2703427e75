"""Builder test chat: talk to the stored draft of an agent, answers streamed token by token.

Each turn runs the draft on the workers (``services.delivery.chat.send_test``); a background handler
follows the run's events and appends the batched ``token`` texts to the pending answer,
holding the state lock only around each mutation, never across the network wait.
"""

import dataclasses

import reflex as rx

from agent_platform.db import session_scope
from agent_platform.services.agents import queries as agent_queries
from agent_platform.services.delivery import chat, conversations
from agent_platform.services.permissions import Permission
from agent_platform.services.runs import stream as run_stream
from agent_platform.state.base import AppState, parse_id, requires, text


@dataclasses.dataclass
class ChatMessage:
    """A message in the test chat (``html`` sanitised server-side)."""

    id: str
    role: str
    text: str
    html: str
    status: str
    sources: list[str]


def _message(view) -> ChatMessage:
    sources = [f"[{c.get('index')}] {c.get('title')}" for c in view.citations]
    return ChatMessage(view.id, view.role, view.content, view.html, view.status, sources)


class BuilderChatState(AppState):
    """The test chat of one agent's draft."""

    agent_id: str = ""
    agent_name: str = ""
    conversation_id: str = ""
    messages: list[ChatMessage] = []
    sending: bool = False
    _pending_run: str = ""

    @rx.event
    @requires(Permission.EDIT_AGENT)
    def load(self):
        """Open the test chat of the agent in ``?id=``; starts a fresh conversation."""
        target = parse_id(self._query("id"), "agent")
        with session_scope() as session:
            agent = agent_queries.get_agent(session, principal=self._principal(), agent_id=target)
            self.agent_id, self.agent_name = str(agent.id), agent.name
        self.conversation_id, self.messages, self.sending = "", [], False

    @rx.event
    @requires(Permission.EDIT_AGENT)
    def new_conversation(self):
        """Forget the conversation so far (memory starts empty)."""
        self.conversation_id, self.messages = "", []

    @rx.event
    @requires(Permission.EDIT_AGENT)
    def send(self, form: dict):
        """Send a message to the draft; the answer then streams in."""
        content = text(form, "message", limit=chat.MAX_MESSAGE_CHARS)
        if not content or self.sending:
            return None
        with session_scope() as session:
            turn = chat.send_test(
                session, principal=self._principal(), agent_id=parse_id(self.agent_id, "agent"),
                conversation_id=parse_id(self.conversation_id) if self.conversation_id else None,
                content=content,
            )  # fmt: skip
            session.flush()
            user, answer = chat.view(turn.user_message), chat.view(turn.answer)
            self.conversation_id = str(turn.conversation.id)
            self._pending_run = str(turn.run.id)
        self.messages = [*self.messages, _message(user), _message(answer)]
        self.sending = True
        return BuilderChatState.follow_answer

    @rx.event(background=True)
    @requires(Permission.EDIT_AGENT)
    async def follow_answer(self):
        """Stream the pending answer's tokens, then show the final, rendered answer."""
        async with self:
            run_id, answer_id = self._pending_run, self.messages[-1].id if self.messages else ""
        if not run_id:
            return
        streamed = ""
        async for event in run_stream.run_events(parse_id(run_id), timeout_s=600):
            if event and event["type"] == "token":
                streamed += event["data"].get("text", "")
                async with self:
                    self.messages[-1].text = streamed
                    self.messages = list(self.messages)
        await run_stream.settle(parse_id(run_id))
        with session_scope() as session:
            row = conversations.get_message(
                session, principal=self._principal(), message_id=parse_id(answer_id, "message")
            )
            final = _message(chat.view(row))
        async with self:
            self.messages = [*self.messages[:-1], final]
            self.sending, self._pending_run = False, ""
