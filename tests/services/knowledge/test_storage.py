"""Uploaded files live in the blob store, not on one machine's disk.

A worker whose working directory and ``data_dir`` are not the app's ingests an upload; the
blobs go with their document and knowledge base; another backend fits behind the setting.
"""

from __future__ import annotations

import uuid

from agent_platform.db import session_scope
from agent_platform.integrations import storage
from agent_platform.services.knowledge import bases as knowledge
from agent_platform.services.knowledge import files, ingestion
from tests.integrations.memory_blobs import MemoryBlobs
from tests.services.knowledge.helpers import (
    blob_keys,
    create_kb,
    document,
    upload,
    wait_finished,
)
from tests.services.runtime.conftest import WorkerProcess

V1 = "/api/v1/knowledge-bases"


def _as_owner(org, service, **kwargs):
    """Call a knowledge service as the org's owner in its own committed transaction."""
    with session_scope() as s:
        return service(s, principal=org.principal(s), **kwargs)


def test_a_worker_without_the_apps_disk_ingests_an_upload(
    client, make_org, samples, tmp_path, monkeypatch
):
    from agent_platform.settings import get_settings

    app_data, worker_home = tmp_path / "app" / ".data", tmp_path / "worker"
    worker_home.mkdir()
    monkeypatch.setattr(get_settings(), "data_dir", app_data)
    owner = make_org("acme")["owner"].headers
    kb = client.post(V1, json={"name": "Docs", "chunking": "markdown"}, headers=owner)
    kb = kb.json()["id"]
    files = {"file": ("guide.md", samples["guide.md"], "text/markdown")}
    created = client.post(f"{V1}/{kb}/documents", files=files, headers=owner)
    assert created.status_code == 202, created.text
    doc = uuid.UUID(created.json()["id"])

    worker = WorkerProcess({"DATA_DIR": str(worker_home / ".data")}, cwd=worker_home)
    try:
        finished = wait_finished([doc], timeout=240)[doc]
    finally:
        worker.stop()
    assert finished.status == "ready", finished.error
    reply = client.post(f"{V1}/{kb}/query", json={"query": "when to prune roses"}, headers=owner)
    assert "Prune roses" in reply.json()["chunks"][0]["text"]
    on_disk = [p for root in (app_data, worker_home) for p in root.rglob("*") if p.is_file()]
    assert on_disk == []  # no tenant file was written on either machine's disk


def test_blobs_go_with_their_document_and_knowledge_base(make_org, samples):
    org = make_org("acme")
    kb = create_kb(org)
    a, _ = upload(org, kb, "notes.txt", samples["notes.txt"])
    b, _ = upload(org, kb, "guide.md", samples["guide.md"])
    key_a = document(a).storage_key
    with session_scope() as s:
        assert files.read(s, org_id=org.id, key=key_a) == samples["notes.txt"]
    assert upload(org, kb, "notes.txt", samples["notes.txt"]) == (a, False)  # unchanged
    assert document(a).storage_key == key_a
    assert upload(org, kb, "notes.txt", b"The keeper logs the tide too.\n") == (a, True)
    key_a2 = document(a).storage_key
    assert key_a2 != key_a and blob_keys(org.id) == {key_a2, document(b).storage_key}
    _as_owner(org, knowledge.delete_document, knowledge_base_id=kb, document_id=a)
    assert blob_keys(org.id) == {document(b).storage_key}
    _as_owner(org, knowledge.delete_knowledge_base, knowledge_base_id=kb)
    assert blob_keys(org.id) == set()


def test_another_backend_fits_behind_the_setting(make_org, samples, monkeypatch):
    from agent_platform.settings import get_settings

    memory = MemoryBlobs()
    monkeypatch.setitem(storage.BACKENDS, "memory", memory.store)
    monkeypatch.setattr(get_settings().storage, "backend", "memory")
    org = make_org("acme")
    kb = create_kb(org)
    doc, _ = upload(org, kb, "notes.txt", samples["notes.txt"])
    assert memory.data == {document(doc).storage_key: samples["notes.txt"]}
    assert blob_keys(org.id) == set()
    assert ingestion.ingest_document(doc) == "ready"  # the worker side reads the same backend
    _as_owner(org, knowledge.reindex_document, knowledge_base_id=kb, document_id=doc)
    assert ingestion.ingest_document(doc) == "ready"  # re-indexing reads the blob again
    _as_owner(org, knowledge.delete_document, knowledge_base_id=kb, document_id=doc)
    assert memory.data == {}
