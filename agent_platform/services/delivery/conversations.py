"""Conversations: create, load for an end user or a builder, complete answers, feedback.

An assistant message is created ``pending`` with the run that will answer it. It is completed
once, by the worker, in the transaction that finishes the run (``complete_answers``); runs that
end elsewhere (cancelled while queued, failed by the sweeper) are completed by the periodic
sweep (``complete_finished_answers``). Reads never write, and a closed browser never loses an
answer.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from agent_platform.models.agents import Agent
from agent_platform.models.base import utcnow
from agent_platform.models.conversations import Conversation, ConversationMessage, MessageStatus
from agent_platform.models.runs import TERMINAL, Run, RunStatus, Step
from agent_platform.services.errors import InvalidInput, NotFound
from agent_platform.services.pagination import Page, paginate
from agent_platform.services.permissions import Permission, Principal

_TEXT_KEYS = ("answer", "text", "message", "content", "output")


@dataclass
class MessageView:
    """A message as shown to people (``html`` is sanitised; see ``integrations.markdown``)."""

    id: str
    role: str
    content: str
    html: str
    status: str
    run_id: str
    feedback: int | None
    created_at: str
    citations: list[dict[str, Any]] = field(default_factory=list)


def answer_text(output: Any) -> str:
    """The text of a run's output: a string, or the first text-like field of a mapping."""
    if output is None:
        return ""
    if isinstance(output, str):
        return output
    if isinstance(output, dict):
        for key in _TEXT_KEYS:
            if isinstance(output.get(key), str):
                return output[key]
    return json.dumps(output, ensure_ascii=False, default=str)


def citations_for_run(session: Session, run: Run) -> list[dict[str, Any]]:
    """The numbered sources of the run's first ``knowledge_retrieval`` step that found some."""
    steps = session.exec(
        select(Step)
        .where(
            Step.run_id == run.id,
            Step.org_id == run.org_id,
            Step.node_type == "knowledge_retrieval",
            Step.status == "succeeded",
        )  # fmt: skip
        .order_by(col(Step.started_at).asc().nulls_last())
    )
    for step in steps:
        chunks = (step.output or {}).get("chunks") if isinstance(step.output, dict) else None
        if not chunks:
            continue
        return [
            {
                "index": chunk.get("index", n),
                "title": chunk.get("document_title") or "Untitled",
                "snippet": str(chunk.get("text", ""))[:300],
                "url": (chunk.get("citation") or {}).get("source_url", ""),
                "page": (chunk.get("citation") or {}).get("page"),
            }
            for n, chunk in enumerate(chunks, start=1)
        ]
    return []


def complete_answers(session: Session, *, run_id: uuid.UUID) -> int:
    """Complete the pending answers of run ``run_id`` if it has finished (idempotent).

    Called by the worker in the transaction that finishes the run.

    Returns:
        How many messages were completed (0 when the run is still going).
    """
    run = session.get(Run, run_id)
    if run is None or not run.is_terminal:
        return 0
    pending = session.exec(
        select(ConversationMessage)
        .where(
            ConversationMessage.run_id == run_id,
            ConversationMessage.status == MessageStatus.PENDING,
        )
        .with_for_update()
    ).all()
    for message in pending:
        _complete(session, message, run)
    return len(pending)


def complete_finished_answers(session: Session, *, limit: int = 500) -> int:
    """Complete pending answers whose runs ended outside a worker (periodic sweep).

    Returns:
        How many messages were completed.
    """
    rows = session.exec(
        select(ConversationMessage, Run)
        .join(Run, col(Run.id) == col(ConversationMessage.run_id))
        .where(
            ConversationMessage.status == MessageStatus.PENDING,
            col(Run.status).in_([s.value for s in TERMINAL]),
        )
        .limit(limit)
        .with_for_update(of=ConversationMessage, skip_locked=True)
    ).all()
    for message, run in rows:
        _complete(session, message, run)
    return len(rows)


def _complete(session: Session, message: ConversationMessage, run: Run) -> None:
    if run.status == RunStatus.SUCCEEDED:
        message.content = answer_text(run.output)
        message.citations = citations_for_run(session, run)
        message.status = MessageStatus.COMPLETE.value
    else:
        message.status = MessageStatus.FAILED.value
        message.content = "Sorry, something went wrong while answering. Please try again."
    session.add(message)


def start_conversation(
    session: Session,
    *,
    org_id: uuid.UUID,
    agent_id: uuid.UUID,
    channel: str,
    end_user: str = "",
    user_id: uuid.UUID | None = None,
) -> Conversation:
    """A new, empty conversation."""
    conversation = Conversation(
        org_id=org_id, agent_id=agent_id, channel=channel, end_user=end_user, user_id=user_id
    )
    session.add(conversation)
    session.flush()
    return conversation


def for_end_user(
    session: Session,
    *,
    agent_id: uuid.UUID,
    end_user: str,
    conversation_id: uuid.UUID | None = None,
) -> Conversation | None:
    """The end user's conversation ``conversation_id`` (or latest) with the agent, if any.

    Raises:
        NotFound: ``conversation_id`` is not this end user's.
    """
    statement = select(Conversation).where(
        Conversation.agent_id == agent_id, Conversation.end_user == end_user
    )
    if conversation_id is not None:
        found = session.exec(statement.where(Conversation.id == conversation_id)).first()
        if found is None:
            raise NotFound("Conversation not found.")
        return found
    return session.exec(statement.order_by(col(Conversation.updated_at).desc())).first()


def messages(
    session: Session, conversation: Conversation, *, limit: int = 200
) -> list[ConversationMessage]:
    """The conversation's messages, oldest first (answers still running are ``pending``)."""
    rows = list(
        session.exec(
            select(ConversationMessage)
            .where(
                ConversationMessage.conversation_id == conversation.id,
                ConversationMessage.org_id == conversation.org_id,
            )
            .order_by(col(ConversationMessage.created_at), col(ConversationMessage.role).desc())
            .limit(limit)
        )
    )
    return rows


def history(rows: list[ConversationMessage], window: int) -> list[dict[str, str]]:
    """The last ``window`` completed messages as ``[{"role", "content"}]`` for the graph."""
    done = [r for r in rows if r.status == MessageStatus.COMPLETE and r.content]
    return [{"role": r.role, "content": r.content} for r in done[-window:]] if window else []


def load_message(
    session: Session, *, conversation: Conversation, message_id: uuid.UUID
) -> ConversationMessage:
    """A message of ``conversation``. Raises ``NotFound``."""
    message = session.exec(
        select(ConversationMessage).where(
            ConversationMessage.id == message_id,
            ConversationMessage.conversation_id == conversation.id,
        )
    ).first()
    if message is None:
        raise NotFound("Message not found.")
    return message


def set_feedback(
    session: Session, *, message: ConversationMessage, rating: int | None, comment: str = ""
) -> ConversationMessage:
    """Thumbs up (1), down (-1) or cleared (None) on an assistant message."""
    if message.role != "assistant":
        raise InvalidInput("Only answers can be rated.")
    if rating not in (1, -1, None):
        raise InvalidInput("A rating is 1, -1 or null.", details={"field": "rating"})
    message.feedback, message.feedback_comment = rating, comment.strip()[:2000]
    session.add(message)
    return message


def list_conversations(
    session: Session,
    *,
    principal: Principal,
    agent_id: uuid.UUID | None = None,
    search: str | None = None,
    feedback: str | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> Page[Conversation]:
    """The org's conversations, most recent first (``VIEW_RUNS``).

    Args:
        search: matches the title or any message text (case-insensitive).
        feedback: ``"up"`` or ``"down"``: only conversations with such a rating.
    """
    principal.require(Permission.VIEW_RUNS)
    statement = select(Conversation).where(Conversation.org_id == principal.org_id)
    if agent_id is not None:
        statement = statement.where(Conversation.agent_id == agent_id)
    if search:
        escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        matching = select(ConversationMessage.conversation_id).where(
            ConversationMessage.org_id == principal.org_id,
            col(ConversationMessage.content).ilike(f"%{escaped}%"),
        )
        statement = statement.where(
            col(Conversation.title).ilike(f"%{escaped}%") | col(Conversation.id).in_(matching)
        )
    if feedback in ("up", "down"):
        rated = select(ConversationMessage.conversation_id).where(
            ConversationMessage.org_id == principal.org_id,
            ConversationMessage.feedback == (1 if feedback == "up" else -1),
        )
        statement = statement.where(col(Conversation.id).in_(rated))
    return paginate(session, statement, model=Conversation, cursor=cursor, limit=limit)


def get_conversation(
    session: Session, *, principal: Principal, conversation_id: uuid.UUID
) -> Conversation:
    """A conversation of the principal's org (``VIEW_RUNS``). Raises ``NotFound``."""
    principal.require(Permission.VIEW_RUNS)
    found = session.exec(
        select(Conversation).where(
            Conversation.id == conversation_id, Conversation.org_id == principal.org_id
        )
    ).first()
    if found is None:
        raise NotFound("Conversation not found.")
    return found


def touch(conversation: Conversation, *, first_message: str, added: int) -> None:
    """Bump ``updated_at`` and the count; the first message titles the conversation."""
    conversation.title = conversation.title or " ".join(first_message.split())[:80]
    conversation.message_count += added
    conversation.updated_at = utcnow()


def agent_names(session: Session, *, principal: Principal) -> dict[uuid.UUID, str]:
    """Names of the org's agents by id (for conversation lists)."""
    principal.require(Permission.VIEW_AGENTS)
    rows = session.exec(select(Agent.id, Agent.name).where(Agent.org_id == principal.org_id))
    return dict(rows.all())


def get_message(
    session: Session, *, principal: Principal, message_id: uuid.UUID
) -> ConversationMessage:
    """A message of the principal's org (``VIEW_RUNS``). Raises ``NotFound``."""
    principal.require(Permission.VIEW_RUNS)
    row = session.exec(
        select(ConversationMessage).where(
            ConversationMessage.id == message_id, ConversationMessage.org_id == principal.org_id
        )
    ).first()
    if row is None:
        raise NotFound("Message not found.")
    return row
