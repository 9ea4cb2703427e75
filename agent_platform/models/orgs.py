"""Organizations (the tenant), their members, teams and invitations."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from agent_platform.models.base import created_at_field, id_field, ts_field


class Role(StrEnum):
    """A member's role in an organization, most powerful first."""

    OWNER = "owner"
    ADMIN = "admin"
    EDITOR = "editor"
    VIEWER = "viewer"


class Organization(SQLModel, table=True):
    """The tenant: every tenant-owned row carries its ``org_id``."""

    __tablename__ = "organizations"

    id: uuid.UUID = id_field()
    name: str = Field(max_length=200)
    slug: str = Field(max_length=80, unique=True, index=True)
    plan: str = Field(default="free", max_length=40)
    created_at: datetime = created_at_field()


class Membership(SQLModel, table=True):
    """A user's role in one organization."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("org_id", "user_id"),)

    id: uuid.UUID = id_field()
    org_id: uuid.UUID = Field(foreign_key="organizations.id", index=True, ondelete="CASCADE")
    user_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    role: str = Field(max_length=20)  # a Role value
    created_at: datetime = created_at_field()


class Team(SQLModel, table=True):
    """A named group of members inside an organization."""

    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    id: uuid.UUID = id_field()
    org_id: uuid.UUID = Field(foreign_key="organizations.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=120)
    description: str = Field(default="", max_length=500)
    created_at: datetime = created_at_field()


class TeamMember(SQLModel, table=True):
    """A member of a team; the user must be a member of the team's organization."""

    __tablename__ = "team_members"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: uuid.UUID = id_field()
    org_id: uuid.UUID = Field(foreign_key="organizations.id", index=True, ondelete="CASCADE")
    team_id: uuid.UUID = Field(foreign_key="teams.id", index=True, ondelete="CASCADE")
    user_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    created_at: datetime = created_at_field()


class Invitation(SQLModel, table=True):
    """An emailed, single-use, expiring invitation to join an organization with a role."""

    __tablename__ = "invitations"

    id: uuid.UUID = id_field()
    org_id: uuid.UUID = Field(foreign_key="organizations.id", index=True, ondelete="CASCADE")
    email: str = Field(max_length=320, index=True)
    role: str = Field(max_length=20)  # a Role value
    token_hash: str = Field(max_length=64, unique=True, index=True)
    invited_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = created_at_field()
    expires_at: datetime | None = ts_field(nullable=False)
    accepted_at: datetime | None = ts_field()
    revoked_at: datetime | None = ts_field()
