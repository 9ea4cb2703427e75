"""The approvals inbox around ``models.runs.Approval``: votes, email links, preferences, hooks.

``Approval`` (in ``models.runs``) is the request; these tables hold what people and the
platform did with it: each approver's vote (one per person, the quorum counts them), the
single-use email links, per-user notification preferences and per-agent outgoing webhooks.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from agent_platform.models.base import created_at_field, id_field, json_field, ts_field


class ApprovalVote(SQLModel, table=True):
    """One approver's decision on an approval (``approved``/``rejected``), with comment and form."""

    __tablename__ = "approval_votes"
    __table_args__ = (UniqueConstraint("approval_id", "user_id"),)

    id: uuid.UUID = id_field()
    org_id: uuid.UUID = Field(foreign_key="organizations.id", index=True, ondelete="CASCADE")
    approval_id: uuid.UUID = Field(foreign_key="approvals.id", index=True, ondelete="CASCADE")
    user_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    user_email: str = Field(default="", max_length=320)
    decision: str = Field(max_length=20)
    comment: str = Field(default="", max_length=5000)
    data: dict[str, Any] = json_field(dict)
    created_at: datetime = created_at_field()


class ApprovalLink(SQLModel, table=True):
    """A single-use, expiring link emailed to one approver (only the SHA-256 is stored)."""

    __tablename__ = "approval_links"

    id: uuid.UUID = id_field()
    org_id: uuid.UUID = Field(foreign_key="organizations.id", index=True, ondelete="CASCADE")
    approval_id: uuid.UUID = Field(foreign_key="approvals.id", index=True, ondelete="CASCADE")
    user_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = created_at_field()
    expires_at: datetime | None = ts_field(nullable=False)
    used_at: datetime | None = ts_field()


class NotificationPreference(SQLModel, table=True):
    """A member's notification choices in one organization (absent row: defaults)."""

    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("org_id", "user_id"),)

    id: uuid.UUID = id_field()
    org_id: uuid.UUID = Field(foreign_key="organizations.id", index=True, ondelete="CASCADE")
    user_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    approval_email: bool = True
    created_at: datetime = created_at_field()


class ApprovalWebhook(SQLModel, table=True):
    """An agent's outgoing webhook for approval events (sent through the egress guard).

    Bodies are signed with an HMAC key derived from the platform secret and this row's id, so
    no signing secret is stored.
    """

    __tablename__ = "approval_webhooks"

    id: uuid.UUID = id_field()
    org_id: uuid.UUID = Field(foreign_key="organizations.id", index=True, ondelete="CASCADE")
    agent_id: uuid.UUID = Field(foreign_key="agents.id", unique=True, ondelete="CASCADE")
    url: str = Field(max_length=2000)
    enabled: bool = True
    created_at: datetime = created_at_field()
