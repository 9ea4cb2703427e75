"""The blob-store contract, on PostgreSQL and on a tiny in-memory backend."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import update

from agent_platform.db import session_scope
from agent_platform.integrations import storage
from agent_platform.models.storage import StoredBlob
from tests.api.conftest import build_org
from tests.integrations.memory_blobs import MemoryBlobs


@pytest.fixture(params=["postgres", "memory"])
def open_store(request, db):
    """``open_store(session, org_id) -> BlobStore`` for each backend."""
    if request.param == "postgres":
        return storage.PgBlobStore
    return MemoryBlobs().store


def test_keys_are_server_generated_and_tenant_prefixed():
    org = uuid.uuid4()
    a, b = storage.new_key(org), storage.new_key(org)
    assert a != b and a.startswith(f"{org}/") and len(a) == 69
    assert storage.key_org(a) == org
    for bad in ("", "../etc/passwd", f"{org}/notes.txt", f"{org}/{'A' * 32}", f"x/{org}"):
        assert storage.key_org(bad) is None, bad


def test_put_get_delete_and_tenant_scoping(open_store):
    acme, globex = build_org("acme", roles=()).id, build_org("globex", roles=()).id
    key, data = storage.new_key(acme), b"%PDF-1.4 bytes \x00\xff" * 100
    with session_scope() as s:
        store = open_store(s, acme)
        assert isinstance(store, storage.BlobStore)
        store.put(key, data)
        with pytest.raises(ValueError):
            store.put(storage.new_key(globex), b"into another org")
        with pytest.raises(ValueError):
            store.put("../../etc/cron.d/x", b"a path, not a key")
    with session_scope() as s:
        assert open_store(s, acme).get(key) == data
        with pytest.raises(storage.BlobMissing):
            open_store(s, globex).get(key)  # another org's key reads as missing
        open_store(s, globex).delete(key)  # ... and cannot be deleted
        assert open_store(s, acme).get(key) == data
        open_store(s, acme).delete(key)
        open_store(s, acme).delete(key)  # idempotent
        with pytest.raises(storage.BlobMissing):
            open_store(s, acme).get(key)


def test_postgres_blobs_record_size_and_hash_and_refuse_damaged_bytes(db):
    org = build_org("acme", roles=()).id
    key = storage.new_key(org)
    with session_scope() as s:
        storage.PgBlobStore(s, org).put(key, b"hello")
        s.rollback()  # the blob is part of the caller's transaction
    with session_scope() as s, pytest.raises(storage.BlobMissing):
        storage.PgBlobStore(s, org).get(key)
    with session_scope() as s:
        storage.PgBlobStore(s, org).put(key, b"hello")
    with session_scope() as s:
        row = s.get(StoredBlob, key)
        assert (row.org_id, row.size_bytes) == (org, 5)
        assert row.sha256 == storage.sha256_hex(b"hello") and row.created_at.tzinfo
        s.execute(update(StoredBlob).where(StoredBlob.key == key).values(data=b"jello"))
    with session_scope() as s, pytest.raises(storage.BlobCorrupt):
        storage.PgBlobStore(s, org).get(key)


def test_the_backend_comes_from_the_settings(monkeypatch, db):
    from agent_platform.settings import get_settings

    org = uuid.uuid4()
    with session_scope() as s:
        assert isinstance(storage.blob_store(s, org), storage.PgBlobStore)
        memory = MemoryBlobs()
        monkeypatch.setitem(storage.BACKENDS, "memory", memory.store)
        monkeypatch.setattr(get_settings().storage, "backend", "memory")
        storage.blob_store(s, org).put(storage.new_key(org), b"x")
        assert len(memory.data) == 1
        monkeypatch.setattr(get_settings().storage, "backend", "nowhere")
        with pytest.raises(RuntimeError, match="Unknown storage backend"):
            storage.blob_store(s, org)
