"""``/api/v1/credentials``: the org's credential vault. Secrets go in, never come out."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response, status
from pydantic import Field
from sqlmodel import Session

from agent_platform.api import deps
from agent_platform.api.v1.schemas import Body, Bool, Out
from agent_platform.services.credentials import llm_keys as credential_llm
from agent_platform.services.credentials import store as credentials
from agent_platform.services.permissions import Principal

router = APIRouter(prefix="/api/v1/credentials", tags=["credentials"])


HostList = list[Annotated[str, Field(max_length=300)]]


class CredentialIn(Body):
    """A new credential. ``data`` holds the secret fields (e.g. ``{"api_key": "..."}``).

    ``allowed_hosts``: where HTTP steps may send it (``api.example.com``, ``*.example.com``);
    required before HTTP steps can use it, refused for ``llm_provider`` credentials.
    """

    name: str = Field(max_length=120)
    kind: str = Field(max_length=32)
    provider: str | None = Field(default=None, max_length=32)
    data: dict[str, Any]
    is_default: Bool | None = None
    allowed_hosts: HostList = Field(default_factory=list, max_length=20)


class CredentialPatch(Body):
    """Fields to change; ``data`` replaces the whole secret, ``allowed_hosts`` the list."""

    name: str | None = Field(default=None, max_length=120)
    data: dict[str, Any] | None = None
    is_default: Bool | None = None
    allowed_hosts: HostList | None = Field(default=None, max_length=20)


class TestIn(Body):
    """Optionally, the model to try (LLM credentials), e.g. ``"gpt-4o-mini"``."""

    model: str | None = Field(default=None, max_length=200)


class CredentialOut(Out):
    """A credential without its secret; ``hint`` (``sk-…abcd``) is shown to admins only."""

    id: uuid.UUID
    name: str
    kind: str
    provider: str | None
    is_default: bool
    hint: str | None
    allowed_hosts: list[str]
    created_at: datetime
    updated_at: datetime
    last_used_at: datetime | None


class TestOut(Out):
    """Whether the credential works; ``message`` never contains the secret."""

    ok: bool
    message: str
    model: str | None


@router.get("")
def list_credentials(
    principal: Principal = Depends(deps.principal), session: Session = deps.Db
) -> list[CredentialOut]:
    """The org's credentials by name (editors see names and kinds for the builder's picker)."""
    views = credentials.list_credentials(session, principal=principal)
    return [CredentialOut.model_validate(v) for v in views]


@router.post("", status_code=status.HTTP_201_CREATED)
def create_credential(
    body: CredentialIn,
    principal: Principal = Depends(deps.principal),
    session: Session = deps.Db,
) -> CredentialOut:
    """Encrypt and store a credential (admins)."""
    row = credentials.create_credential(
        session,
        principal=principal,
        name=body.name,
        kind=body.kind,
        provider=body.provider,
        data=body.data,
        is_default=body.is_default,
        allowed_hosts=body.allowed_hosts,
    )
    return CredentialOut.model_validate(credentials.view(row, principal=principal))


@router.patch("/{credential_id}")
def update_credential(
    credential_id: uuid.UUID,
    body: CredentialPatch,
    principal: Principal = Depends(deps.principal),
    session: Session = deps.Db,
) -> CredentialOut:
    """Rename, replace the secret or allowed hosts of, or make it the provider default (admins)."""
    row = credentials.update_credential(
        session,
        principal=principal,
        credential_id=credential_id,
        name=body.name,
        data=body.data,
        is_default=body.is_default,
        allowed_hosts=body.allowed_hosts,
    )
    return CredentialOut.model_validate(credentials.view(row, principal=principal))


@router.delete("/{credential_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_credential(
    credential_id: uuid.UUID,
    principal: Principal = Depends(deps.principal),
    session: Session = deps.Db,
) -> Response:
    """Delete a credential (admins)."""
    credentials.delete_credential(session, principal=principal, credential_id=credential_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{credential_id}/test")
async def test_credential(
    credential_id: uuid.UUID,
    body: TestIn | None = None,
    principal: Principal = Depends(deps.principal),
    session: Session = deps.Db,
) -> TestOut:
    """Try the credential: LLM keys make a one-token completion (admins)."""
    result = await credential_llm.test_credential(
        session,
        principal=principal,
        credential_id=credential_id,
        model=body.model if body else None,
    )
    return TestOut.model_validate(result)
