"""``/api/v1/conversations`` (builders: list, search, transcripts with feedback) and
``POST /api/v1/agents/{id}/chat`` (API clients: a turn with server-kept memory).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import anyio
from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import Field
from sqlmodel import Session

from agent_platform.api import deps
from agent_platform.api.v1.schemas import Body, Number, Out, PageLimit
from agent_platform.db import session_scope
from agent_platform.models.conversations import Channel, ConversationMessage
from agent_platform.services.agents import queries as agent_queries
from agent_platform.services.delivery import chat, conversations
from agent_platform.services.errors import NotFound
from agent_platform.services.permissions import Permission, Principal
from agent_platform.services.runs import stream as run_stream

router = APIRouter(prefix="/api/v1", tags=["conversations"])
Auth = Depends(deps.principal)
Db = deps.Db


class ConversationOut(Out):
    id: uuid.UUID
    agent_id: uuid.UUID
    channel: str
    end_user: str
    title: str
    message_count: int
    created_at: datetime
    updated_at: datetime


class ConversationPageOut(Out):
    items: list[ConversationOut]
    next_cursor: str | None


class ChatIn(Body):
    message: str = Field(min_length=1, max_length=chat.MAX_MESSAGE_CHARS)
    conversation_id: uuid.UUID | None = None
    timeout_s: Number = Field(default=60.0, gt=0, le=300)


@router.get("/conversations")
def list_conversations(
    agent_id: uuid.UUID | None = None,
    search: str | None = Query(default=None, max_length=200),
    feedback: str | None = Query(default=None, pattern="^(up|down)$"),
    cursor: str | None = None,
    limit: PageLimit = None,
    principal: Principal = Auth,
    session: Session = Db,
) -> ConversationPageOut:
    """The org's conversations, newest first; ``search`` matches titles and message text."""
    page = conversations.list_conversations(
        session, principal=principal, agent_id=agent_id, search=search, feedback=feedback,
        cursor=cursor, limit=limit,
    )  # fmt: skip
    items = [ConversationOut.model_validate(c) for c in page.items]
    return ConversationPageOut(items=items, next_cursor=page.next_cursor)


@router.get("/conversations/{conversation_id}")
def get_transcript(
    conversation_id: uuid.UUID, principal: Principal = Auth, session: Session = Db
) -> dict[str, Any]:
    """A conversation with its messages (run ids, citations, feedback)."""
    found = conversations.get_conversation(
        session, principal=principal, conversation_id=conversation_id
    )
    rows = conversations.messages(session, found)
    return {
        "conversation": ConversationOut.model_validate(found).model_dump(mode="json"),
        "messages": [vars(chat.view(m)) for m in rows],
    }


@router.post("/agents/{agent_id}/chat", response_model=None)
def chat_turn(
    agent_id: uuid.UUID, body: ChatIn, principal: Principal = Auth, session: Session = Db
) -> deps.AfterCommit:
    """Send ``message`` (continuing ``conversation_id`` if given) and wait for the answer."""
    principal.require(Permission.EXECUTE_AGENT)
    agent = agent_queries.load_agent(session, org_id=principal.org_id, agent_id=agent_id)
    end_user = f"api:{principal.api_key_id or principal.user_id}"
    conversation = None
    if body.conversation_id is not None:
        conversation = conversations.for_end_user(
            session, agent_id=agent.id, end_user=end_user, conversation_id=body.conversation_id
        )
        if conversation is None or conversation.org_id != principal.org_id:
            raise NotFound("Conversation not found.")
    conversation = conversation or conversations.start_conversation(
        session, org_id=agent.org_id, agent_id=agent.id, channel=Channel.API.value,
        end_user=end_user, user_id=principal.user_id,
    )  # fmt: skip
    turn = chat.send_public(session, conversation=conversation, content=body.message)
    run_id, answer_id, conversation_id = turn.run.id, turn.answer.id, conversation.id

    def read_answer() -> dict[str, Any]:  # the worker completed it with the run
        with session_scope() as reader:
            return vars(chat.view(reader.get(ConversationMessage, answer_id)))

    async def answered() -> JSONResponse:  # after Db committed the turn
        await run_stream.wait_for_run(run_id, timeout_s=body.timeout_s)
        answer = await anyio.to_thread.run_sync(read_answer)
        return JSONResponse({"conversation_id": str(conversation_id), "answer": answer})

    return deps.AfterCommit(answered)
