"""The credential vault's rows: secrets stored only as AES-GCM ciphertext bound to org and row."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from agent_platform.models.base import created_at_field, id_field, json_field, ts_field


class CredentialKind(StrEnum):
    """What a credential holds (decides the fields its secret data must have)."""

    API_KEY = "api_key"
    BEARER = "bearer"
    BASIC = "basic"
    CUSTOM_JSON = "custom_json"
    LLM_PROVIDER = "llm_provider"


class LLMProvider(StrEnum):
    """LLM vendors a ``llm_provider`` credential can be for."""

    OPENAI = "openai"
    ANTHROPIC = "anthropic"
    COMPAT = "compat"


class Credential(SQLModel, table=True):
    """A named secret of one organization.

    ``ciphertext`` is a vault token whose associated data is ``"{org_id}:{id}"``, so it cannot
    be decrypted as another org's or another row's credential. ``hint`` is a masked preview
    (``sk-…abcd`` at most) kept so lists never need to decrypt. ``allowed_hosts`` are the hosts
    (``api.example.com``, ``*.example.com``) HTTP steps may send the credential to: empty means
    HTTP steps cannot use it; LLM provider keys never have any (only their provider gets them).
    """

    __tablename__ = "credentials"
    __table_args__ = (
        UniqueConstraint("org_id", "name", name="uq_credentials_org_name"),
        # One default credential per LLM provider per org.
        Index(
            "uq_credentials_default_provider",
            "org_id",
            "provider",
            unique=True,
            postgresql_where=text("is_default"),
        ),
    )

    id: uuid.UUID = id_field()
    org_id: uuid.UUID = Field(foreign_key="organizations.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=120)
    kind: str = Field(max_length=32)
    provider: str | None = Field(default=None, max_length=32)
    ciphertext: str = Field(sa_column=Column(Text, nullable=False))
    key_version: int = Field(default=1)
    hint: str = Field(default="", max_length=40)
    is_default: bool = Field(default=False)
    allowed_hosts: list[str] = json_field(list)
    created_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()
    last_used_at: datetime | None = ts_field()
