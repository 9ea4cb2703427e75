"""Turning uploaded bytes into text sections, defensively.

The type is sniffed from the content (magic bytes, then text checks); the file name's extension
only chooses between text formats and must not contradict the content. Every refusal raises
``DocumentRejected`` with a reason fit for the user: empty, oversized, encrypted, corrupt,
decompression bombs (DOCX is a zip: total uncompressed size, entry count and ratio are checked
before anything is inflated), XML entity declarations (DOCX XML is parsed with defusedxml;
HTML/XML text declaring entities is refused) and unsupported types.

Supported: txt, md, html, pdf, docx, csv, json. Output is a ``ParsedDocument`` whose sections
carry citation metadata (``page`` for PDF) and whose ``markdown`` flag says that headings are
written as Markdown ``#`` lines (HTML and DOCX are converted so structure survives).
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_TEXT_CHARS = 5_000_000
MAX_PDF_PAGES = 2_000
MAX_ZIP_ENTRIES = 2_000
MAX_ZIP_UNCOMPRESSED = 100 * 1024 * 1024
MAX_ZIP_RATIO = 100
MAX_JSON_DEPTH = 128
KINDS = ("txt", "md", "html", "pdf", "docx", "csv", "json")

_BINARY_MAGIC = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x7fELF": "an executable",
    b"MZ": "an executable",
    b"\x1f\x8b": "a gzip archive",
    b"\xd0\xcf\x11\xe0": "an encrypted or legacy Office file",
    b"Rar!": "a RAR archive",
    b"7z\xbc\xaf": "a 7-Zip archive",
}
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


class DocumentRejected(Exception):  # noqa: N818 - a user-facing outcome, not a crash
    """The file cannot be ingested; ``reason`` is shown on the document row."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Section:
    """A run of text with citation metadata (e.g. ``{"page": 3}``)."""

    text: str
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class ParsedDocument:
    """What parsing produced; ``kind`` is the sniffed type (one of ``KINDS``)."""

    kind: str
    title: str
    sections: list[Section]
    markdown: bool = False


def _extension(filename: str) -> str:
    suffix = PurePath(filename or "").suffix.lower().lstrip(".")
    return {"htm": "html", "markdown": "md", "text": "txt", "xhtml": "html"}.get(suffix, suffix)


def sniff(data: bytes, filename: str = "") -> str:
    """The document kind from its content, one of ``KINDS``.

    Raises:
        DocumentRejected: empty, oversized, an unsupported type, or a content/extension clash.
    """
    if not data.strip():
        raise DocumentRejected("The file is empty.")
    if len(data) > MAX_FILE_BYTES:
        raise DocumentRejected(f"The file is larger than the {MAX_FILE_BYTES // 2**20} MB limit.")
    ext = _extension(filename)
    if data.startswith(b"%PDF-"):
        kind = "pdf"
    elif data.startswith(b"PK\x03\x04"):
        kind = "docx"
    else:
        for magic, label in _BINARY_MAGIC.items():
            if data.startswith(magic):
                raise DocumentRejected(f"Unsupported file type: the content is {label}.")
        kind = _sniff_text(data, ext)
    if ext in ("pdf", "docx") and kind != ext:
        raise DocumentRejected(f"The content is not a valid {ext.upper()} file.")
    return kind


def _sniff_text(data: bytes, ext: str) -> str:
    if b"\x00" in data[:8192]:
        raise DocumentRejected("Unsupported file type: the content is binary.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DocumentRejected("Unsupported file type: the text is not UTF-8.") from None
    head = text.lstrip()[:1000].lower()
    if head.startswith(("<!doctype html", "<html", "<?xml")) or ext == "html":
        return "html"
    if ext == "json" or head.startswith(("{", "[")):
        try:
            _load_json(text)
            return "json"
        except json.JSONDecodeError:
            if ext == "json":
                raise DocumentRejected("The JSON file is not valid JSON.") from None
    if ext in ("csv", "md"):
        return ext
    return "txt"


def _load_json(text: str) -> Any:
    """``json.loads`` for untrusted text, refusing nesting deeper than ``MAX_JSON_DEPTH``.

    The decoder recurses per level and re-encoding with ``indent`` recurses in Python, so
    ``[[[[...`` would otherwise raise ``RecursionError`` (not a clean refusal) in the worker.

    Raises:
        json.JSONDecodeError: not JSON. DocumentRejected: nested too deeply.
    """
    too_deep = DocumentRejected(f"The JSON is nested more than {MAX_JSON_DEPTH} levels deep.")
    try:
        value = json.loads(text)
    except RecursionError:
        raise too_deep from None
    stack = [(value, 1)]
    while stack:  # iterative: the check itself must not recurse
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise too_deep
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return value


def parse(data: bytes, filename: str = "") -> ParsedDocument:
    """Sniff and parse ``data`` into sections.

    Raises:
        DocumentRejected: for any file that cannot be ingested safely (see module docstring).
    """
    kind = sniff(data, filename)
    stem = PurePath(filename).stem if filename else ""
    parser = {"pdf": _parse_pdf, "docx": _parse_docx, "html": _parse_html}.get(kind, _parse_text)
    doc = parser(data, kind)
    doc.title = (doc.title or stem or "Untitled").strip()[:500]
    total = sum(len(s.text) for s in doc.sections)
    if total > MAX_TEXT_CHARS:
        raise DocumentRejected("The document's text is too long (more than 5 million characters).")
    doc.sections = [s for s in doc.sections if s.text.strip()]
    if not doc.sections:
        raise DocumentRejected("No text could be extracted from the document.")
    return doc


def _parse_text(data: bytes, kind: str) -> ParsedDocument:
    text = data.decode("utf-8-sig")
    if kind == "json":
        value = _load_json(text)
        text = json.dumps(value, indent=2, ensure_ascii=False)
    elif kind == "csv":
        text = _csv_rows(text)
    title = ""
    if kind == "md":
        match = re.search(r"^#\s+(.+)$", text, re.MULTILINE)
        title = match.group(1) if match else ""
    return ParsedDocument(kind, title, [Section(text)], markdown=kind == "md")


def _csv_rows(text: str) -> str:
    """CSV as ``header: value`` lines per row, so each row reads as a self-contained fact."""
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise DocumentRejected(f"The CSV file is malformed: {exc}") from None
    if not rows:
        return ""
    header, lines = rows[0], []
    for row in rows[1:]:
        pairs = [f"{h}: {v}" for h, v in zip(header, row, strict=False) if v.strip()]
        lines.append("; ".join(pairs))
    return "\n".join(lines) if lines else ", ".join(header)


def _parse_pdf(data: bytes, kind: str) -> ParsedDocument:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise DocumentRejected("The PDF is encrypted (password-protected).")
        if len(reader.pages) > MAX_PDF_PAGES:
            raise DocumentRejected(f"The PDF has more than {MAX_PDF_PAGES} pages.")
        sections = [
            Section(page.extract_text() or "", {"page": number})
            for number, page in enumerate(reader.pages, start=1)
        ]
        title = str((reader.metadata or {}).get("/Title") or "")
    except DocumentRejected:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        reason = f"The PDF is corrupt or unreadable ({type(exc).__name__})."
        raise DocumentRejected(reason) from None
    return ParsedDocument(kind, title, sections)


def _check_zip(archive: zipfile.ZipFile) -> None:
    """Refuse zip bombs before inflating anything (sizes come from the central directory)."""
    infos = archive.infolist()
    if len(infos) > MAX_ZIP_ENTRIES:
        raise DocumentRejected("The DOCX file has too many parts (possible zip bomb).")
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if total > MAX_ZIP_UNCOMPRESSED:
        raise DocumentRejected("The DOCX file expands to more than 100 MB (possible zip bomb).")
    if any(i.flag_bits & 0x1 for i in infos):
        raise DocumentRejected("The DOCX file is encrypted.")
    if total / packed > MAX_ZIP_RATIO and total > 1024 * 1024:
        raise DocumentRejected("The DOCX file's compression ratio is suspicious (zip bomb).")


def _read_part(archive: zipfile.ZipFile, name: str) -> bytes:
    """One part, stopping at its declared size (a lying header cannot inflate further)."""
    info = archive.getinfo(name)
    with archive.open(info) as handle:
        data = handle.read(info.file_size + 1)
    if len(data) > info.file_size:
        raise DocumentRejected("The DOCX file is corrupt (a part is larger than declared).")
    return data


def _parse_docx(data: bytes, kind: str) -> ParsedDocument:
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_zip(archive)
            if "word/document.xml" not in archive.namelist():
                raise DocumentRejected("Unsupported file type: a zip archive that is not DOCX.")
            xml = _read_part(archive, "word/document.xml")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError):
        raise DocumentRejected("The DOCX file is corrupt (not a readable zip).") from None
    if _ENTITY_DECL.search(xml):
        raise DocumentRejected("The DOCX file declares XML entities, which are not allowed.")
    try:
        root = fromstring(xml, forbid_dtd=True)
    except DefusedXmlException:
        raise DocumentRejected("The DOCX file uses a DTD or XML entities (not allowed).") from None
    except ParseError:
        raise DocumentRejected("The DOCX file is corrupt (invalid XML).") from None
    lines, title = [], ""
    for paragraph in root.iter(f"{_W}p"):
        text = "".join(t.text or "" for t in paragraph.iter(f"{_W}t")).strip()
        if not text:
            continue
        style = paragraph.find(f"{_W}pPr/{_W}pStyle")
        name = (style.get(f"{_W}val") or "") if style is not None else ""
        level = _heading_level(name)
        if name.lower() == "title" and not title:
            title, level = text, 1
        lines.append(f"{'#' * level} {text}" if level else text)
    return ParsedDocument(kind, title, [Section("\n\n".join(lines))], markdown=True)


def _heading_level(style: str) -> int:
    match = re.fullmatch(r"(?i)heading\s?([1-6])", style)
    return int(match.group(1)) if match else 0


def _parse_html(data: bytes, kind: str) -> ParsedDocument:
    if _ENTITY_DECL.search(data):
        raise DocumentRejected("The document declares XML entities, which are not allowed.")
    title, text = html_to_markdown(data.decode("utf-8-sig"))
    return ParsedDocument(kind, title, [Section(text)], markdown=True)


_SKIP_TAGS = ["script", "style", "noscript", "nav", "header", "footer", "template", "svg", "form"]
_BLOCKS = ["p", "div", "li", "pre", "dt", "dd", "tr", "table", "blockquote", "section", "br"]
_HEADINGS = ["h1", "h2", "h3", "h4", "h5", "h6"]


def html_to_markdown(html: str) -> tuple[str, str]:
    """``(title, text)`` of an HTML page, headings as Markdown ``#`` lines, chrome removed.

    Uses the standard-library parser through BeautifulSoup: no DTDs, no entity expansion
    beyond HTML's named characters, nothing fetched.
    """
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(_SKIP_TAGS):
        tag.decompose()
    for tag in soup.find_all(class_=re.compile(r"^nav(header|footer)$|^navigation$")):
        tag.decompose()
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    if soup.title:
        soup.title.decompose()
    for string in soup.find_all(string=True):
        # Source line breaks inside running text are formatting, not structure.
        if "\n" in string and string.find_parent("pre") is None:
            string.replace_with(string.replace("\n", " "))
    for heading in soup.find_all(_HEADINGS):
        text = heading.get_text(" ", strip=True)
        level = int(heading.name[1])
        heading.replace_with(f"\n\n{'#' * level} {text}\n\n" if text else "")
    for block in soup.find_all(_BLOCKS):
        block.insert_before("\n")
        block.insert_after("\n")
    lines = (re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in soup.get_text().split("\n"))
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    if not title:
        match = re.search(r"^#{1,6} (.+)$", text, re.MULTILINE)
        title = match.group(1) if match else ""
    return title, text
