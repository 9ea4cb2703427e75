"""Pydantic shapes shared by the v1 routers.

Responses are explicit models built from domain objects (never ORM rows passed through), so a
hash or secret column can never leak by accident. Request bodies forbid unknown fields: a body
carrying a server-owned field such as ``org_id`` is rejected with 422, not silently ignored.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict


class Body(BaseModel):
    """Base for request bodies: unknown fields are an error."""

    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    """Base for responses: built from objects by attribute."""

    model_config = ConfigDict(from_attributes=True)


class UserOut(Out):
    """A user, without credentials."""

    id: uuid.UUID
    email: str
    name: str


class OrgOut(Out):
    """An organization."""

    id: uuid.UUID
    name: str
    slug: str
    plan: str
    created_at: datetime


class OrgSummaryOut(Out):
    """An organization the caller belongs to, with their role there."""

    id: uuid.UUID
    name: str
    slug: str
    role: str


class MemberOut(Out):
    """A member of an organization or team."""

    user_id: uuid.UUID
    email: str
    name: str
    role: str
    joined_at: datetime
