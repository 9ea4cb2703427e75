"""``/api/v1/org/api-keys``: create (secret shown once), list and revoke organization keys."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter, Depends, status
from pydantic import Field
from sqlmodel import Session

from agent_platform.api import deps
from agent_platform.api.v1.schemas import Body, DateTime, Out
from agent_platform.services.accounts import api_keys
from agent_platform.services.permissions import Principal

router = APIRouter(prefix="/api/v1/org/api-keys", tags=["api-keys"])


class ApiKeyIn(Body):
    name: str = Field(max_length=120)
    scopes: list[str] = Field(max_length=20)
    expires_at: DateTime | None = None


class ApiKeyOut(Out):
    """A key as lists show it: its prefix, never its hash."""

    id: uuid.UUID
    name: str
    prefix: str
    scopes: list[str]
    created_by: uuid.UUID | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class ApiKeyCreatedOut(ApiKeyOut):
    """``key`` is the full secret; it is shown this once and cannot be retrieved later."""

    key: str


@router.get("")
def list_keys(
    principal: Principal = Depends(deps.principal), session: Session = deps.Db
) -> list[ApiKeyOut]:
    """Every key of the organization, revoked ones too, newest first."""
    rows = api_keys.list_api_keys(session, principal=principal)
    return [ApiKeyOut.model_validate(k) for k in rows]


@router.post("", status_code=status.HTTP_201_CREATED)
def create_key(
    body: ApiKeyIn,
    principal: Principal = Depends(deps.principal),
    session: Session = deps.Db,
) -> ApiKeyCreatedOut:
    """Create a key with ``scopes`` (see ``models.api_keys.Scope``)."""
    key, plaintext = api_keys.create_api_key(
        session,
        principal=principal,
        name=body.name,
        scopes=body.scopes,
        expires_at=body.expires_at,
    )
    return ApiKeyCreatedOut(**ApiKeyOut.model_validate(key).model_dump(), key=plaintext)


@router.delete("/{key_id}")
def revoke_key(
    key_id: uuid.UUID,
    principal: Principal = Depends(deps.principal),
    session: Session = deps.Db,
) -> ApiKeyOut:
    """Revoke a key; it stops working immediately."""
    key = api_keys.revoke_api_key(session, principal=principal, key_id=key_id)
    return ApiKeyOut.model_validate(key)
