"""Conversations with chat agents and their messages.

A conversation belongs to one agent and one end user: a widget visitor (``end_user`` is
``anon:<id>`` or ``user:<id>`` from a signed token), or a builder testing the draft
(``channel="test"``, ``user_id`` set). Each assistant message points at the run that answered.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from agent_platform.models.base import created_at_field, id_field, json_field


class Channel(StrEnum):
    """Where a conversation happens."""

    WIDGET = "widget"
    TEST = "test"
    API = "api"


class MessageStatus(StrEnum):
    """An assistant message is ``pending`` until its run finishes."""

    PENDING = "pending"
    COMPLETE = "complete"
    FAILED = "failed"


class Conversation(SQLModel, table=True):
    """One thread of messages between an end user and an agent."""

    __tablename__ = "conversations"
    __table_args__ = (
        Index("ix_conversations_agent_user", "agent_id", "end_user", "updated_at"),
        Index("ix_conversations_org_updated", "org_id", "updated_at"),
    )

    id: uuid.UUID = id_field()
    org_id: uuid.UUID = Field(foreign_key="organizations.id", index=True, ondelete="CASCADE")
    agent_id: uuid.UUID = Field(foreign_key="agents.id", ondelete="CASCADE")
    channel: str = Field(default=Channel.WIDGET.value, max_length=20)
    end_user: str = Field(default="", max_length=300)
    user_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    title: str = Field(default="", max_length=200)
    message_count: int = 0
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class ConversationMessage(SQLModel, table=True):
    """A user or assistant message; ``feedback`` is +1 / -1 from the end user."""

    __tablename__ = "conversation_messages"
    __table_args__ = (
        Index("ix_conversation_messages_conv_created", "conversation_id", "created_at"),
    )

    id: uuid.UUID = id_field()
    org_id: uuid.UUID = Field(foreign_key="organizations.id", index=True, ondelete="CASCADE")
    conversation_id: uuid.UUID = Field(foreign_key="conversations.id", ondelete="CASCADE")
    role: str = Field(max_length=20)
    content: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    status: str = Field(default=MessageStatus.COMPLETE.value, max_length=20)
    run_id: uuid.UUID | None = Field(
        default=None, foreign_key="runs.id", index=True, ondelete="SET NULL"
    )
    citations: list[dict[str, Any]] = json_field(list)
    feedback: int | None = None
    feedback_comment: str = Field(default="", max_length=2000)
    created_at: datetime = created_at_field()
