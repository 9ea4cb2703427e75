"""A tiny in-memory ``BlobStore``: proof that another backend fits (tests only, never shipped)."""

from __future__ import annotations

import uuid

from agent_platform.integrations.storage import BlobMissing, key_org


class MemoryBlobs:
    """Every organization's blobs in one dict; ``store(session, org_id)`` opens one org's view.

    ``store`` has the ``BlobStoreFactory`` signature, so it can be registered in
    ``agent_platform.integrations.storage.BACKENDS``.
    """

    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}

    def store(self, session: object, org_id: uuid.UUID) -> MemoryBlobStore:
        return MemoryBlobStore(self.data, org_id)


class MemoryBlobStore:
    """One organization's view of a ``MemoryBlobs`` dict (not transactional)."""

    def __init__(self, data: dict[str, bytes], org_id: uuid.UUID) -> None:
        self.data, self.org_id = data, org_id

    def put(self, key: str, data: bytes) -> None:
        if key_org(key) != self.org_id or key in self.data:
            raise ValueError("A blob key must be a new key of the store's organization.")
        self.data[key] = bytes(data)

    def get(self, key: str) -> bytes:
        if key_org(key) != self.org_id or key not in self.data:
            raise BlobMissing("The stored file is missing.")
        return self.data[key]

    def delete(self, key: str) -> None:
        if key_org(key) == self.org_id:
            self.data.pop(key, None)
