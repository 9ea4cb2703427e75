"""Chat turns: store the user's message, start the run that answers it, store a pending answer.

The graph receives run inputs ``message`` (the new text), ``history`` (the previous completed
messages, ``[{"role", "content"}]``, at most ``window`` of them) and ``conversation_id``; a
prompt can use ``{{inputs.message}}`` and ``{{inputs.history}}``. Widget and API turns run the
agent's stored, published version (trigger ``chat``); builder test turns run the stored draft
(trigger ``test``). Clients never supply a graph.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlmodel import Session

from agent_platform.integrations.markdown import render
from agent_platform.models.agents import Agent
from agent_platform.models.conversations import (
    Channel,
    Conversation,
    ConversationMessage,
    MessageStatus,
)
from agent_platform.models.runs import Run, RunTrigger
from agent_platform.services.agents import queries as agent_queries
from agent_platform.services.delivery import conversations
from agent_platform.services.delivery.conversations import MessageView
from agent_platform.services.errors import InvalidInput
from agent_platform.services.permissions import Permission, Principal
from agent_platform.services.runs import runs

MAX_MESSAGE_CHARS = 4000
DEFAULT_WINDOW = 10


@dataclass
class Turn:
    """The rows one chat turn created."""

    conversation: Conversation
    user_message: ConversationMessage
    answer: ConversationMessage
    run: Run


def _clean(content: str) -> str:
    if not isinstance(content, str) or not content.strip():
        raise InvalidInput("Type a message first.", details={"field": "content"})
    if len(content) > MAX_MESSAGE_CHARS:
        raise InvalidInput(
            f"Messages are limited to {MAX_MESSAGE_CHARS} characters.", details={"field": "content"}
        )
    return content.strip()


def _inputs(session: Session, conversation: Conversation, content: str, window: int) -> dict:
    previous = conversations.messages(session, conversation)
    return {
        "message": content,
        "history": conversations.history(previous, window),
        "conversation_id": str(conversation.id),
    }


def _record(session: Session, conversation: Conversation, content: str, run: Run) -> Turn:
    user = ConversationMessage(
        org_id=conversation.org_id, conversation_id=conversation.id, role="user", content=content
    )
    session.add(user)
    session.flush()  # the user's message sorts before its answer (created_at, then role)
    answer = ConversationMessage(
        org_id=conversation.org_id, conversation_id=conversation.id, role="assistant",
        status=MessageStatus.PENDING.value, run_id=run.id,
    )  # fmt: skip
    session.add(answer)
    conversations.touch(conversation, first_message=content, added=2)
    session.add(conversation)
    session.flush()
    return Turn(conversation, user, answer, run)


def send_public(
    session: Session,
    *,
    conversation: Conversation,
    content: str,
    window: int = DEFAULT_WINDOW,
    idempotency_key: str | None = None,
) -> Turn:
    """A widget/API turn on the agent's published version (the caller authenticated it)."""
    content = _clean(content)
    inputs = _inputs(session, conversation, content, window)
    run = runs.start_run_as_system(
        session, org_id=conversation.org_id, agent_id=conversation.agent_id, inputs=inputs,
        trigger=RunTrigger.CHAT, idempotency_key=idempotency_key,
    )  # fmt: skip
    return _record(session, conversation, content, run)


def send_test(
    session: Session,
    *,
    principal: Principal,
    agent_id: uuid.UUID,
    conversation_id: uuid.UUID | None,
    content: str,
    window: int = DEFAULT_WINDOW,
) -> Turn:
    """A builder's test turn on the stored draft (``EDIT_AGENT`` + ``EXECUTE_AGENT``)."""
    principal.require(Permission.EDIT_AGENT)
    content = _clean(content)
    agent = agent_queries.load_agent(session, org_id=principal.org_id, agent_id=agent_id)
    conversation = _test_conversation(session, principal, agent, conversation_id)
    inputs = _inputs(session, conversation, content, window)
    run = runs.dry_run_agent(session, principal=principal, agent_id=agent.id, inputs=inputs)
    return _record(session, conversation, content, run)


def _test_conversation(
    session: Session, principal: Principal, agent: Agent, conversation_id: uuid.UUID | None
) -> Conversation:
    if conversation_id is not None:
        found = conversations.get_conversation(
            session, principal=principal, conversation_id=conversation_id
        )
        if found.agent_id == agent.id and found.channel == Channel.TEST:
            return found
    return conversations.start_conversation(
        session, org_id=agent.org_id, agent_id=agent.id, channel=Channel.TEST.value,
        end_user=f"builder:{principal.user_id}", user_id=principal.user_id,
    )  # fmt: skip


def view(message: ConversationMessage, *, image_hosts: tuple[str, ...] = ()) -> MessageView:
    """The message for display, its Markdown rendered safely."""
    return MessageView(
        id=str(message.id),
        role=message.role,
        content=message.content,
        html=render(message.content, image_hosts=image_hosts, citations=len(message.citations)),
        status=message.status,
        run_id=str(message.run_id or ""),
        feedback=message.feedback,
        created_at=message.created_at.isoformat(),
        citations=list(message.citations),
    )
