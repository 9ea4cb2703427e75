"""The stored bytes of knowledge documents, in the configured blob store.

Uploads and fetched pages are kept under server-generated, tenant-prefixed keys
(``agent_platform.integrations.storage``), never on the local disk, so a worker on any machine
reads what the app received. Writes and deletes go through the caller's session: with the
PostgreSQL backend they commit or roll back with the document row.
"""

from __future__ import annotations

import uuid

from sqlmodel import Session

from agent_platform.integrations import storage
from agent_platform.integrations.documents import DocumentRejected
from agent_platform.models.knowledge import KnowledgeDocument


def store(session: Session, *, org_id: uuid.UUID, data: bytes) -> str:
    """Keep ``data`` (size already checked by the caller) under a new key; returns the key."""
    key = storage.new_key(org_id)
    storage.blob_store(session, org_id).put(key, data)
    return key


def read(session: Session, *, org_id: uuid.UUID, key: str) -> bytes:
    """The bytes stored under ``key`` for ``org_id``.

    Raises:
        DocumentRejected: the file is missing (e.g. never moved off an old machine's disk)
            or damaged; the reason tells the user to upload it again.
    """
    try:
        return storage.blob_store(session, org_id).get(key)
    except storage.BlobMissing:
        raise DocumentRejected("The stored file is missing; upload it again.") from None
    except storage.BlobCorrupt:
        raise DocumentRejected("The stored file is damaged; upload it again.") from None


def remove(session: Session, document: KnowledgeDocument) -> None:
    """Delete ``document``'s stored file, if it has one (the row itself is the caller's)."""
    if document.storage_key:
        storage.blob_store(session, document.org_id).delete(document.storage_key)
