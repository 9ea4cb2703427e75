"""Organization API keys: shown once, stored as SHA-256 with a visible prefix."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from agent_platform.models.base import created_at_field, id_field, json_field, ts_field


class Scope(StrEnum):
    """What an API key may do."""

    AGENTS_READ = "agents:read"
    AGENTS_WRITE = "agents:write"
    AGENTS_DELETE = "agents:delete"
    RUNS_EXECUTE = "runs:execute"
    RUNS_READ = "runs:read"
    KNOWLEDGE_WRITE = "knowledge:write"


class ApiKey(SQLModel, table=True):
    """An org-scoped key. ``prefix`` (e.g. ``ap_3f9a1c2b``) identifies it in lists and logs."""

    __tablename__ = "api_keys"

    id: uuid.UUID = id_field()
    org_id: uuid.UUID = Field(foreign_key="organizations.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=120)
    prefix: str = Field(max_length=32, index=True)
    key_hash: str = Field(max_length=64, unique=True, index=True)
    scopes: list[str] = json_field(list)
    created_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = created_at_field()
    expires_at: datetime | None = ts_field()
    revoked_at: datetime | None = ts_field()
    last_used_at: datetime | None = ts_field()
