"""Knowledge: the list of knowledge bases and one knowledge base's documents.

Uploads arrive in ``KnowledgeDetailState.upload`` and go straight to
``knowledge.upload_document``, which keeps the bytes in the blob store (nothing is written to
Reflex's upload folder; Starlette spools a large part to an unnamed temporary file that is
gone when the form closes). ``watch`` is a
background handler that polls the documents every second while any is still being indexed.
"""

import asyncio
import dataclasses
import time
import uuid

import reflex as rx

from agent_platform import routes
from agent_platform.db import session_scope
from agent_platform.integrations.documents import MAX_FILE_BYTES
from agent_platform.models.knowledge import ChunkingStrategy, DocumentStatus
from agent_platform.services.errors import InvalidInput, NotFound
from agent_platform.services.knowledge import bases as knowledge
from agent_platform.services.permissions import Permission, Principal
from agent_platform.state.base import (
    AppState,
    fmt_time,
    parse_id,
    requires,
    text,
)

CHUNKING = [s.value for s in ChunkingStrategy]
FINISHED = {DocumentStatus.READY.value, DocumentStatus.FAILED.value}
MAX_UPLOAD_FILES = 10
POLL_S = 1.0
WATCH_LIMIT_S = 15 * 60
SUMMARY_LIMIT = 100


@dataclasses.dataclass
class KbRow:
    """A knowledge base as the list shows it."""

    id: str
    name: str
    description: str
    chunking: str
    documents: str
    summary: str
    created: str


@dataclasses.dataclass
class DocRow:
    """A document with its indexing progress."""

    id: str
    title: str
    source: str
    status: str
    chunks_done: int
    chunks_total: int
    progress: int
    error: str
    added: str


def _summary(statuses: list[str], more: bool) -> tuple[str, str]:
    count = f"{len(statuses)}{'+' if more else ''}"
    parts = [f"{statuses.count(s.value)} {s.value}" for s in DocumentStatus]
    return count, ", ".join(p for p in parts if not p.startswith("0 ")) or "empty"


def _doc_row(doc) -> DocRow:  # noqa: ANN001 - a KnowledgeDocument
    total, done = doc.chunks_total or 0, doc.chunks_done or 0
    if doc.status == DocumentStatus.READY.value:
        progress = 100
    else:
        progress = int(100 * done / total) if total else 0
    return DocRow(
        id=str(doc.id),
        title=doc.title or doc.filename or doc.source_url or "Untitled",
        source=doc.source_url or doc.filename or "",
        status=doc.status,
        chunks_done=done,
        chunks_total=total,
        progress=progress,
        error=doc.error or "",
        added=fmt_time(doc.created_at),
    )


def fetch_documents(principal: Principal, kb_id: uuid.UUID) -> list[DocRow]:
    """The knowledge base's newest documents as rows (runs in a worker thread when polling)."""
    with session_scope() as session:
        page = knowledge.list_documents(
            session, principal=principal, knowledge_base_id=kb_id, limit=SUMMARY_LIMIT
        )
        return [_doc_row(d) for d in page.items]


class KnowledgeListState(AppState):
    """The org's knowledge bases."""

    loaded: bool = False
    can_edit: bool = False
    bases: list[KbRow] = []

    def _reload(self) -> None:
        principal = self._principal()
        rows = []
        with session_scope() as session:
            page = knowledge.list_knowledge_bases(session, principal=principal, limit=100)
            for kb in page.items:
                docs = knowledge.list_documents(
                    session, principal=principal, knowledge_base_id=kb.id, limit=SUMMARY_LIMIT
                )
                count, summary = _summary(
                    [d.status for d in docs.items], docs.next_cursor is not None
                )
                rows.append(
                    KbRow(
                        id=str(kb.id),
                        name=kb.name,
                        description=kb.description,
                        chunking=kb.chunking,
                        documents=count,
                        summary=summary,
                        created=fmt_time(kb.created_at),
                    )
                )
        self.bases = rows

    @rx.event
    @requires(Permission.VIEW_KNOWLEDGE)
    def load(self):
        """Load the knowledge bases."""
        self.can_edit = self._principal().can(Permission.EDIT_KNOWLEDGE)
        self._reload()
        self.loaded = True

    @rx.event
    @requires(Permission.EDIT_KNOWLEDGE)
    def create(self, form: dict):
        """Create a knowledge base and open it."""
        chunking = text(form, "chunking", limit=20) or "sentence"
        if chunking not in CHUNKING:
            raise InvalidInput("Unknown chunking strategy.")
        with session_scope() as session:
            kb = knowledge.create_knowledge_base(
                session,
                principal=self._principal(),
                name=text(form, "name", limit=200),
                description=text(form, "description", limit=2000),
                chunking=chunking,
            )
            kb_id = str(kb.id)
        return rx.redirect(routes.knowledge_url(kb_id))

    @rx.event
    @requires(Permission.EDIT_KNOWLEDGE)
    def delete(self, kb_id: str):
        """Delete a knowledge base with its documents."""
        target = parse_id(kb_id, "knowledge base")
        with session_scope() as session:
            knowledge.delete_knowledge_base(
                session, principal=self._principal(), knowledge_base_id=target
            )
        self._reload()
        return rx.toast.success("Knowledge base deleted.")


class KnowledgeDetailState(AppState):
    """One knowledge base: its documents, uploads, URL imports and re-indexing."""

    kb_id: str = ""
    name: str = ""
    description: str = ""
    chunking: str = ""
    embedding_model: str = ""
    can_edit: bool = False
    missing: bool = False
    docs: list[DocRow] = []
    watching: bool = False
    uploading: bool = False

    def _kb_uuid(self) -> uuid.UUID:
        return parse_id(self.kb_id, "knowledge base")

    def _refresh(self) -> None:
        self.docs = fetch_documents(self._principal(), self._kb_uuid())

    def _busy(self) -> bool:
        return any(d.status not in FINISHED for d in self.docs)

    @rx.event
    @requires(Permission.VIEW_KNOWLEDGE)
    def load(self):
        """Load the knowledge base named by ``?id=`` and its documents."""
        self.kb_id, self.docs, self.missing, self.name = self._query("id"), [], False, ""
        principal = self._principal()
        self.can_edit = principal.can(Permission.EDIT_KNOWLEDGE)
        try:
            with session_scope() as session:
                kb = knowledge.get_knowledge_base(
                    session, principal=principal, knowledge_base_id=self._kb_uuid()
                )
                self.name, self.description = kb.name, kb.description
                self.chunking, self.embedding_model = kb.chunking, kb.embedding_model
        except (InvalidInput, NotFound):
            self.missing = True
            return
        self._refresh()
        return KnowledgeDetailState.watch if self._busy() else None

    @rx.event
    @requires(Permission.EDIT_KNOWLEDGE)
    async def upload(self, files: list[rx.UploadFile]):
        """Store dropped files as documents and queue their indexing."""
        if not isinstance(files, list) or not files:
            raise InvalidInput("Choose a file to upload.")
        if len(files) > MAX_UPLOAD_FILES:
            raise InvalidInput(f"Upload at most {MAX_UPLOAD_FILES} files at a time.")
        principal, kb_id = self._principal(), self._kb_uuid()
        added = 0
        for file in files:
            data = await file.read(MAX_FILE_BYTES + 1)
            name = file.filename or "upload"
            with session_scope() as session:
                _, created = knowledge.upload_document(
                    session,
                    principal=principal,
                    knowledge_base_id=kb_id,
                    filename=str(name),
                    data=data,
                    oversized=len(data) > MAX_FILE_BYTES,
                )
            added += int(created)
        self._refresh()
        skipped = len(files) - added
        note = f"{added} file(s) added" + (f", {skipped} unchanged" if skipped else "") + "."
        return [rx.toast.success(note), KnowledgeDetailState.watch]

    @rx.event
    @requires(Permission.EDIT_KNOWLEDGE)
    def add_url(self, form: dict):
        """Queue a web page for import."""
        with session_scope() as session:
            knowledge.import_url(
                session,
                principal=self._principal(),
                knowledge_base_id=self._kb_uuid(),
                url=text(form, "url", limit=2000),
            )
        self._refresh()
        return [rx.toast.success("The page is queued for import."), KnowledgeDetailState.watch]

    @rx.event
    @requires(Permission.EDIT_KNOWLEDGE)
    def reindex(self, doc_id: str):
        """Parse and embed a document again."""
        target = parse_id(doc_id, "document")
        with session_scope() as session:
            knowledge.reindex_document(
                session,
                principal=self._principal(),
                knowledge_base_id=self._kb_uuid(),
                document_id=target,
            )
        self._refresh()
        return KnowledgeDetailState.watch

    @rx.event
    @requires(Permission.EDIT_KNOWLEDGE)
    def delete_doc(self, doc_id: str):
        """Delete a document and its chunks."""
        target = parse_id(doc_id, "document")
        with session_scope() as session:
            knowledge.delete_document(
                session,
                principal=self._principal(),
                knowledge_base_id=self._kb_uuid(),
                document_id=target,
            )
        self._refresh()
        return rx.toast.success("Document deleted.")

    @rx.event(background=True)
    @requires(Permission.VIEW_KNOWLEDGE)
    async def watch(self):
        """Refresh the documents every second while any is still being indexed."""
        async with self:
            if self.watching or not self.kb_id:
                return
            self.watching = True
            kb_id = self.kb_id
        try:
            principal = self._principal()
            deadline = time.monotonic() + WATCH_LIMIT_S
            while time.monotonic() < deadline:
                await asyncio.sleep(POLL_S)
                rows = await asyncio.to_thread(fetch_documents, principal, uuid.UUID(kb_id))
                async with self:
                    if self.kb_id != kb_id:
                        return
                    self.docs = rows
                if all(r.status in FINISHED for r in rows):
                    return
        finally:
            async with self:
                self.watching = False
