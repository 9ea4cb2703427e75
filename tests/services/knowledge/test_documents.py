"""Parsing and sniffing: every supported type, and hostile files refused with a reason."""

from __future__ import annotations

import io

import pytest

from agent_platform.integrations.chunking import chunk_document
from agent_platform.integrations.documents import MAX_FILE_BYTES, DocumentRejected, parse
from tests.services.knowledge.conftest import docx_bytes, pdf_bytes

XXE = '<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


@pytest.mark.parametrize(
    ("name", "kind", "fact"),
    [
        ("notes.txt", "txt", "lighthouse keeper"),
        ("guide.md", "md", "Prune roses"),
        ("page.html", "html", "opens at seven"),
        ("prices.csv", "csv", "item: kayak rental; price: 40 euros per day"),
        ("config.json", "json", '"retention_days": 90'),
        ("manual.pdf", "pdf", "inflate the tyres"),
        ("handbook.docx", "docx", "twenty-five days"),
    ],
)
def test_each_supported_type_parses(samples, name, kind, fact):
    doc = parse(samples[name], name)
    assert doc.kind == kind
    assert fact in " ".join(s.text for s in doc.sections)


def test_metadata_pages_headings_and_titles(samples):
    pdf = parse(samples["manual.pdf"], "manual.pdf")
    assert pdf.title == "Bicycle manual"
    assert [s.meta["page"] for s in pdf.sections] == [1, 2]
    html = parse(samples["page.html"], "page.html")
    assert html.title == "Bakery hours" and "var x" not in html.sections[0].text
    docx = parse(samples["handbook.docx"], "handbook.docx")
    chunks = chunk_document(
        docx, strategy="markdown", chunk_size=64, chunk_overlap=8, base_meta={"title": docx.title}
    )
    holiday = next(c for c in chunks if "twenty-five" in c.text)
    assert holiday.meta["heading_path"] == ["Holidays"]
    assert holiday.meta["heading"] == "Holidays" and holiday.meta["title"] == "Staff handbook"
    assert docx.title == "Staff handbook"


def test_type_is_sniffed_not_taken_from_the_extension(samples):
    # HTML named .txt is still HTML (scripts stripped); JSON named .txt is JSON.
    assert parse(samples["page.html"], "page.txt").kind == "html"
    assert parse(samples["config.json"], "data.txt").kind == "json"


def _encrypted_pdf(samples) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(samples["manual.pdf"])))
    writer.encrypt("secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


HOSTILE = {
    "empty": (b"", "empty.txt", "empty"),
    "blank": (b"  \n\t ", "blank.md", "empty"),
    "png as pdf": (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "report.pdf", "PNG image"),
    "text as pdf": (b"just some words", "report.pdf", "not a valid PDF"),
    "elf as txt": (b"\x7fELF\x02\x01\x01" + b"\x00" * 64, "notes.txt", "executable"),
    "binary": (b"abc\x00\x01\x02" * 20, "data.md", "binary"),
    "corrupt pdf": (b"%PDF-1.4\n1 0 obj << /Type /Catalog", "broken.pdf", "corrupt"),
    "bad json": (b'{"a": ', "x.json", "not valid JSON"),
    "xxe html": (f'<?xml version="1.0"?>{XXE}<html><body>&xxe;</body></html>'.encode(),
                 "evil.html", "entities"),
    "xxe xml": (f'<?xml version="1.0"?>{XXE}<d>&xxe;</d>'.encode(), "evil.xml", "entities"),
    "xxe docx": (docx_bytes([("", "&xxe;")], prolog=XXE), "evil.docx", "entities"),
    "zip bomb docx": (docx_bytes([("", "hi")], filler=30_000_000), "bomb.docx", "zip bomb"),
    "zip not docx": (b"PK\x03\x04" + b"\x00" * 100, "a.docx", "corrupt"),
    "legacy doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "old.docx", "encrypted"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(HOSTILE), ids=list(HOSTILE))
def test_hostile_files_are_refused_with_a_reason(case):
    data, name, reason = HOSTILE[case]
    with pytest.raises(DocumentRejected) as info:
        parse(data, name)
    assert reason.lower() in info.value.reason.lower()
    assert "/etc/passwd" not in info.value.reason and "root:" not in info.value.reason


def test_encrypted_and_oversized(samples):
    with pytest.raises(DocumentRejected, match="encrypted"):
        parse(_encrypted_pdf(samples), "secret.pdf")
    with pytest.raises(DocumentRejected, match="larger than"):
        parse(b"a" * (MAX_FILE_BYTES + 1), "big.txt")


def test_pdf_without_text_is_refused():
    with pytest.raises(DocumentRejected, match="No text"):
        parse(pdf_bytes([[]]), "blank.pdf")
