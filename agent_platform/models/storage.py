"""Stored files: the bytes of uploads and fetched pages, kept in PostgreSQL.

Every app and worker process reaches the database, so a file stored here can be read by a
worker on any machine (the local disk of the process that received the upload is never used).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, LargeBinary
from sqlmodel import Field, SQLModel

from agent_platform.models.base import created_at_field


class StoredBlob(SQLModel, table=True):
    """One stored file, addressed by its server-generated key.

    ``key`` is ``"<org_id>/<32 hex chars>"`` (never a client-supplied name); it is the primary
    key because it is the address every backend shares (an object store would use it as the
    object name). ``size_bytes`` is ``len(data)``; ``sha256`` is the hex SHA-256 of ``data``,
    checked on every read. Deleting the organization deletes its blobs.
    """

    __tablename__ = "stored_blobs"

    key: str = Field(primary_key=True, max_length=100)
    org_id: uuid.UUID = Field(foreign_key="organizations.id", index=True, ondelete="CASCADE")
    size_bytes: int
    sha256: str = Field(max_length=64)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = created_at_field()
