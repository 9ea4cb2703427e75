"""The append-only audit log of security-relevant actions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from agent_platform.models.base import created_at_field, id_field, json_field


class AuditLog(SQLModel, table=True):
    """One action: who (user or API key), what (``action``, target), from where, when."""

    __tablename__ = "audit_logs"

    id: uuid.UUID = id_field()
    org_id: uuid.UUID | None = Field(
        default=None, foreign_key="organizations.id", index=True, ondelete="CASCADE"
    )
    actor_user_id: uuid.UUID | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL"
    )
    actor_api_key_id: uuid.UUID | None = Field(
        default=None, foreign_key="api_keys.id", ondelete="SET NULL"
    )
    actor_email: str = Field(default="", max_length=320)
    action: str = Field(max_length=80, index=True)
    target_type: str = Field(default="", max_length=40)
    target_id: str = Field(default="", max_length=64)
    details: dict[str, Any] = json_field(dict)
    ip: str = Field(default="", max_length=64)
    created_at: datetime = created_at_field()
