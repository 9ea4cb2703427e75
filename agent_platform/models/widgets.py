"""The embeddable chat widget of a published agent: look, origins, keys.

``public_key`` is the per-agent publishable key (``pk_...``) that appears in the embed snippet;
it identifies the agent and is accepted only by that agent's widget endpoints. ``secret_enc``
is the vault-encrypted HMAC secret that customers use to sign end-user identity tokens.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from agent_platform.models.base import created_at_field, id_field, json_field


class AgentWidget(SQLModel, table=True):
    """Widget settings of one agent (at most one row per agent)."""

    __tablename__ = "agent_widgets"

    id: uuid.UUID = id_field()
    org_id: uuid.UUID = Field(foreign_key="organizations.id", index=True, ondelete="CASCADE")
    agent_id: uuid.UUID = Field(foreign_key="agents.id", unique=True, ondelete="CASCADE")
    public_key: str = Field(max_length=64, unique=True)
    secret_enc: str = Field(sa_column=Column(Text, nullable=False))
    enabled: bool = True
    allowed_origins: list[str] = json_field(list)
    theme: dict[str, Any] = json_field(dict)
    history_window: int = 10
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()
