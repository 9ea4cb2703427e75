"""Knowledge-base fixtures: orgs with members, sample files of every type, hostile files.

Samples are generated here (nothing committed): a hand-assembled two-page PDF, a DOCX zip
with minimal WordprocessingML, and the usual text formats. The PostgreSQL manual pages come
from the system package ``postgresql-doc-15`` (installed by ``scripts/test-deps.sh``).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.api.conftest import Org, build_org

PG_DOCS = Path("/usr/share/doc/postgresql-doc-15/html")


def pdf_bytes(pages: list[list[str]], title: str = "") -> bytes:
    """A valid PDF with one text line per entry, one page per list (Helvetica, no deps)."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>"]
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(len(pages)))
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>")
    font_ref = 3 + 2 * len(pages)
    for i, lines in enumerate(pages):
        escaped = [ln.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") for ln in lines]
        stream = "BT /F1 12 Tf 72 720 Td 16 TL " + " ".join(f"({ln}) '" for ln in escaped) + " ET"
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {4 + 2 * i} 0 R "
            f"/Resources << /Font << /F1 {font_ref} 0 R >> >> >>"
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
    objects.append("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    info = f" /Info {len(objects) + 1} 0 R" if title else ""
    if title:
        objects.append(f"<< /Title ({title}) >>")
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    trailer = (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R{info} >>\nstartxref\n{xref}\n%%EOF\n"
    )
    return out + trailer.encode()


W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def docx_bytes(paragraphs: list[tuple[str, str]], *, prolog: str = "", filler: int = 0) -> bytes:
    """A DOCX zip: ``(style, text)`` paragraphs (style ``""`` or ``Heading1``...).

    ``prolog`` goes before the root element (e.g. a DOCTYPE); ``filler`` appends that many
    spaces of highly compressible padding (for zip-bomb tests).
    """
    body = "".join(
        "<w:p>"
        + (f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else "")
        + f"<w:r><w:t>{text}</w:t></w:r></w:p>"
        for style, text in paragraphs
    )
    xml = f'<?xml version="1.0"?>{prolog}<w:document {W}><w:body>{body}</w:body></w:document>'
    xml += " " * filler
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("word/document.xml", xml)
    return buffer.getvalue()


@pytest.fixture
def samples() -> dict[str, bytes]:
    """One small document per supported type, each with a distinctive fact."""
    return {
        "notes.txt": b"The lighthouse keeper logs the weather every morning at six.\n",
        "guide.md": (
            b"# Garden guide\n\n## Tomatoes\n\nWater tomatoes deeply twice a week.\n\n"
            b"## Roses\n\nPrune roses in late winter before the buds swell.\n"
        ),
        "page.html": (
            b"<html><head><title>Bakery hours</title><script>var x=1;</script></head>"
            b"<body><h1>Bakery</h1><p>The bakery opens at seven and sells rye bread.</p>"
            b"</body></html>"
        ),
        "prices.csv": b"item,price\nkayak rental,40 euros per day\nlife jacket,5 euros\n",
        "config.json": json.dumps({"service": "billing", "retention_days": 90}).encode(),
        "manual.pdf": pdf_bytes(
            [["Chapter one explains assembly of the bicycle frame."],
             ["Chapter two: inflate the tyres to four bar."]],
            title="Bicycle manual",
        ),
        "handbook.docx": docx_bytes(
            [("Title", "Staff handbook"), ("Heading1", "Holidays"),
             ("", "Employees receive twenty-five days of paid holiday per year.")]
        ),
    }  # fmt: skip


@pytest.fixture
def make_org(db: None) -> Callable[..., Org]:
    """``make_org("acme")``: an organization with an owner, admin, editor and viewer."""
    return build_org


@pytest.fixture
def client(db: None):
    """A ``TestClient`` on a fresh ``create_api()``."""
    from fastapi.testclient import TestClient

    from agent_platform.api.app import create_api

    with TestClient(create_api()) as test_client:
        yield test_client
