"""Users and what authenticates them: sessions and password-reset tokens."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from agent_platform.models.base import created_at_field, id_field, ts_field


class User(SQLModel, table=True):
    """A person who can sign in. ``email`` is stored lower-cased and is unique."""

    __tablename__ = "users"

    id: uuid.UUID = id_field()
    email: str = Field(max_length=320, unique=True, index=True)
    name: str = Field(default="", max_length=200)
    password_hash: str = Field(max_length=255)
    is_active: bool = True
    created_at: datetime = created_at_field()


class AuthSession(SQLModel, table=True):
    """A signed-in browser or API client. Only the SHA-256 of the token is stored."""

    __tablename__ = "auth_sessions"

    id: uuid.UUID = id_field()
    user_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True, index=True)
    current_org_id: uuid.UUID | None = Field(
        default=None, foreign_key="organizations.id", ondelete="SET NULL"
    )
    user_agent: str = Field(default="", max_length=500)
    ip: str = Field(default="", max_length=64)
    created_at: datetime = created_at_field()
    expires_at: datetime | None = ts_field(nullable=False)
    revoked_at: datetime | None = ts_field()


class PasswordReset(SQLModel, table=True):
    """A single-use, expiring password-reset token (SHA-256 stored)."""

    __tablename__ = "password_resets"

    id: uuid.UUID = id_field()
    user_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = created_at_field()
    expires_at: datetime | None = ts_field(nullable=False)
    used_at: datetime | None = ts_field()
