"""Ingestion on a real worker: every type reaches ready, hashing, deletion, hostile files."""

from __future__ import annotations

import pytest

from agent_platform.db import session_scope
from agent_platform.services.knowledge import bases as knowledge
from agent_platform.services.knowledge import ingestion
from tests.services.knowledge.conftest import docx_bytes
from tests.services.knowledge.helpers import (
    blob_keys,
    chunks_of,
    create_kb,
    document,
    upload,
    wait_finished,
)

pytestmark = pytest.mark.usefixtures("worker")


def test_every_type_is_ingested_to_ready_with_citations(make_org, samples, tmp_path):
    org = make_org("acme")
    kb = create_kb(org, chunking="markdown")
    ids = {name: upload(org, kb, name, data)[0] for name, data in samples.items()}
    assert document(ids["notes.txt"]).status in ("queued", "parsing", "embedding", "ready")
    docs = wait_finished(ids.values())
    for name, doc_id in ids.items():
        doc = docs[doc_id]
        assert doc.status == "ready", (name, doc.error)
        assert doc.chunks_total > 0 and doc.chunks_done == doc.chunks_total
        assert doc.content_type == name.rsplit(".", 1)[1] and doc.attempts == 1
        assert len(chunks_of(doc_id)) == doc.chunks_total
    pdf_pages = [c.meta["page"] for c in chunks_of(ids["manual.pdf"])]
    assert pdf_pages == [1, 2]
    assert docs[ids["manual.pdf"]].title == "Bicycle manual"
    [holiday] = chunks_of(ids["handbook.docx"])[-1:]
    assert holiday.meta["heading_path"] == ["Holidays"] and holiday.embedding_384 is not None
    stored = docs[ids["notes.txt"]].storage_key
    assert stored.startswith(f"{org.id}/") and "notes" not in stored


def test_unchanged_reupload_does_nothing_and_changes_reuse_embeddings(make_org):
    org = make_org("acme")
    kb = create_kb(org, chunking="markdown", chunk_size=40, chunk_overlap=0)
    text = "# Policies\n\n## Travel\n\nBook trains for trips under four hours.\n\n" + (
        "## Expenses\n\nReceipts are required for every expense above ten euros.\n"
    )
    doc_id, created = upload(org, kb, "policies.md", text.encode())
    assert created
    wait_finished([doc_id])
    before = {c.text_hash: (c.id, list(c.embedding_384)) for c in chunks_of(doc_id)}

    again, created = upload(org, kb, "copy-of-policies.md", text.encode())
    assert (again, created) == (doc_id, False)
    assert ingestion.ingest_document(doc_id) == "unchanged"  # a redelivered message too
    assert {c.id for c in chunks_of(doc_id)} == {v[0] for v in before.values()}

    changed = text.replace("ten euros", "twenty euros")
    same_doc, created = upload(org, kb, "policies.md", changed.encode())
    assert (same_doc, created) == (doc_id, True)
    doc = wait_finished([doc_id])[doc_id]
    assert doc.status == "ready"
    after = {c.text_hash: list(c.embedding_384) for c in chunks_of(doc_id)}
    kept = set(before) & set(after)
    assert kept and len(after) == len(before)  # only the changed section was re-embedded
    assert all(after[h] == pytest.approx(before[h][1]) for h in kept)


def test_delete_document_and_knowledge_base_remove_chunks_and_files(make_org, samples):
    org = make_org("acme")
    kb = create_kb(org)
    a, _ = upload(org, kb, "notes.txt", samples["notes.txt"])
    b, _ = upload(org, kb, "guide.md", samples["guide.md"])
    wait_finished([a, b])
    key_a, key_b = document(a).storage_key, document(b).storage_key
    assert blob_keys(org.id) == {key_a, key_b} and chunks_of(a)
    with session_scope() as s:
        knowledge.delete_document(
            s, principal=org.principal(s), knowledge_base_id=kb, document_id=a
        )
    assert document(a) is None and chunks_of(a) == [] and blob_keys(org.id) == {key_b}
    assert chunks_of(b)
    with session_scope() as s:
        knowledge.delete_knowledge_base(s, principal=org.principal(s), knowledge_base_id=kb)
    assert document(b) is None and chunks_of(b) == [] and blob_keys(org.id) == set()


def test_hostile_files_fail_alone_with_reasons(make_org, samples):
    org = make_org("acme")
    kb = create_kb(org)
    xxe = '<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    hostile = {
        "empty.txt": (b"", "empty"),
        "bomb.docx": (docx_bytes([("", "hi")], filler=30_000_000), "zip bomb"),
        "evil.docx": (docx_bytes([("", "&xxe;")], prolog=xxe), "entities"),
        "evil.html": (f"<?xml version='1.0'?>{xxe}<html>&xxe;</html>".encode(), "entities"),
        "photo.pdf": (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "PNG image"),
        "broken.pdf": (b"%PDF-1.7\n%%garbage", "corrupt"),
    }
    ids = {name: upload(org, kb, name, data)[0] for name, (data, _) in hostile.items()}
    good, _ = upload(org, kb, "notes.txt", samples["notes.txt"])
    with session_scope() as s:
        big, _ = knowledge.upload_document(
            s, principal=org.principal(s), knowledge_base_id=kb, filename="big.txt",
            data=b"x", oversized=True,
        )  # fmt: skip
        big_id = big.id
    docs = wait_finished([*ids.values(), good])
    assert docs[good].status == "ready"
    for name, doc_id in ids.items():
        assert docs[doc_id].status == "failed", name
        assert hostile[name][1].lower() in docs[doc_id].error.lower(), docs[doc_id].error
        assert chunks_of(doc_id) == []
    assert document(big_id).status == "failed" and "larger than" in document(big_id).error
    assert all(docs[d].attempts == 1 for d in ids.values())  # refused, not retried
