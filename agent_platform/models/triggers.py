"""Live triggers of published agents: webhook endpoints and cron schedules."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from agent_platform.models.base import created_at_field, id_field, ts_field


class AgentTrigger(SQLModel, table=True):
    """One ``trigger`` node of an agent's published version, made live.

    Webhooks: the URL token is stored only as ``webhook_token_hash`` (SHA-256) with a visible
    ``public_prefix`` for lists and logs; the token and the HMAC signing secret are kept
    encrypted in ``webhook_secret`` (vault, associated data ``"{org_id}:trigger:{id}"``) so
    admins can show them again. Schedules: ``cron`` in ``timezone``; ``next_fire_at`` (UTC) is
    what the scheduler claims with ``FOR UPDATE SKIP LOCKED``.
    """

    __tablename__ = "agent_triggers"
    __table_args__ = (
        UniqueConstraint("agent_id", "node_id", name="uq_agent_triggers_agent_node"),
        Index("ix_agent_triggers_due", "kind", "enabled", "next_fire_at"),
    )

    id: uuid.UUID = id_field()
    org_id: uuid.UUID = Field(foreign_key="organizations.id", index=True, ondelete="CASCADE")
    agent_id: uuid.UUID = Field(foreign_key="agents.id", index=True, ondelete="CASCADE")
    version_id: uuid.UUID | None = Field(
        default=None, foreign_key="agent_versions.id", ondelete="SET NULL"
    )
    node_id: str = Field(max_length=100)
    kind: str = Field(max_length=20)
    public_prefix: str | None = Field(default=None, max_length=24)
    webhook_token_hash: str | None = Field(default=None, max_length=64, unique=True, index=True)
    webhook_secret: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    key_version: int | None = None
    cron: str | None = Field(default=None, max_length=120)
    timezone: str = Field(default="UTC", max_length=64)
    next_fire_at: datetime | None = ts_field()
    last_fired_at: datetime | None = ts_field()
    enabled: bool = Field(default=True)
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()
