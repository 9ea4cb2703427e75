"""Agents and their immutable published versions."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from agent_platform.models.base import created_at_field, id_field, json_field


class AgentStatus(StrEnum):
    """Where an agent is in its life: drafts run only as tests; archived agents do not run."""

    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


def _empty_graph() -> dict[str, Any]:
    return {"nodes": [], "edges": []}


class Agent(SQLModel, table=True):
    """An agent: a draft graph being edited plus a pointer to its live published version.

    ``draft_definition`` is the canvas's graph document (``{"nodes": [...], "edges": [...]}``).
    """

    __tablename__ = "agents"
    __table_args__ = (UniqueConstraint("org_id", "slug"),)

    id: uuid.UUID = id_field()
    org_id: uuid.UUID = Field(foreign_key="organizations.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=200)
    slug: str = Field(max_length=100)
    description: str = Field(default="", max_length=2000)
    status: str = Field(default=AgentStatus.DRAFT.value, max_length=20)
    draft_definition: dict[str, Any] = json_field(_empty_graph)
    published_version_id: uuid.UUID | None = Field(default=None)
    created_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class AgentVersion(SQLModel, table=True):
    """A published, immutable snapshot of an agent's graph; ``number`` counts 1, 2, 3, ..."""

    __tablename__ = "agent_versions"
    __table_args__ = (UniqueConstraint("agent_id", "number"),)

    id: uuid.UUID = id_field()
    org_id: uuid.UUID = Field(foreign_key="organizations.id", index=True, ondelete="CASCADE")
    agent_id: uuid.UUID = Field(foreign_key="agents.id", index=True, ondelete="CASCADE")
    number: int
    definition: dict[str, Any] = json_field(dict)
    change_message: str = Field(default="", max_length=1000)
    created_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = created_at_field()
