"""Revision 0007 moves files from ``data_dir/uploads`` into ``stored_blobs``, or fails clearly.

The test database is taken back to 0006 (which still read files from the disk), documents are
given local files, and the upgrade runs as ``make run`` runs it: ``alembic`` in a subprocess.
"""

from __future__ import annotations

import os
import subprocess
import uuid

from agent_platform.db import session_scope
from agent_platform.integrations import storage
from agent_platform.launcher.roles import BIN
from agent_platform.models.knowledge import KnowledgeDocument
from agent_platform.services.knowledge import ingestion
from agent_platform.settings import ROOT_DIR
from tests.api.conftest import build_org
from tests.services.knowledge.helpers import create_kb, document


def _alembic(*args: str, data_dir) -> subprocess.CompletedProcess:  # noqa: ANN001 - a Path
    env = {**os.environ, "DATA_DIR": str(data_dir)}
    return subprocess.run(
        [str(BIN / "alembic"), *args],
        cwd=ROOT_DIR, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip


def _document(org, kb: uuid.UUID, key: str) -> uuid.UUID:
    with session_scope() as s:
        doc = KnowledgeDocument(
            org_id=org.id, knowledge_base_id=kb, filename="notes.txt", storage_key=key,
            content_hash=storage.sha256_hex(key.encode()),
        )  # fmt: skip
        s.add(doc)
        s.flush()
        return doc.id


def test_local_files_are_moved_and_missing_ones_fail_clearly(db, tmp_path):
    org = build_org("acme", roles=())
    kb = create_kb(org)
    kept, lost = storage.new_key(org.id), storage.new_key(org.id)
    text = b"The lighthouse keeper logs the weather every morning at six.\n"
    kept_doc, lost_doc = _document(org, kb, kept), _document(org, kb, lost)
    _alembic("downgrade", "0006", data_dir=tmp_path)
    try:
        (tmp_path / "uploads" / str(org.id)).mkdir(parents=True)
        (tmp_path / "uploads" / kept).write_bytes(text)
        upgrade = _alembic("upgrade", "heads", data_dir=tmp_path)
    finally:
        _alembic("upgrade", "heads", data_dir=tmp_path / "nothing-here")
    assert "moved 1 of 2 stored files" in upgrade.stderr, upgrade.stderr
    with session_scope() as s:
        assert storage.PgBlobStore(s, org.id).get(kept) == text
    assert ingestion.ingest_document(kept_doc) == "ready"  # indexing reads the moved blob
    assert ingestion.ingest_document(lost_doc) == "failed"
    assert document(lost_doc).error == "The stored file is missing; upload it again."
    check = _alembic("check", data_dir=tmp_path)  # the revision matches the models
    assert "No new upgrade operations detected" in check.stdout + check.stderr
