"""Knowledge: knowledge bases, their documents (upload, URL import, progress) and search."""

from __future__ import annotations

import reflex as rx

from agent_platform import routes
from agent_platform.components.page import app_page
from agent_platform.components.ui import (
    confirm,
    empty_state,
    field,
    page_header,
    section,
    submit_button,
    table,
    text_input,
)
from agent_platform.integrations.documents import KINDS, MAX_FILE_BYTES
from agent_platform.state.knowledge.bases import (
    CHUNKING,
    MAX_UPLOAD_FILES,
    DocRow,
    KbRow,
    KnowledgeDetailState,
    KnowledgeListState,
)
from agent_platform.state.knowledge.search import MODES, Hit, KnowledgeSearchState, Part

UPLOAD_ID = "kb-upload"
STATUS_COLORS = (
    ("ready", "green"),
    ("failed", "red"),
    ("embedding", "blue"),
    ("parsing", "amber"),
    "gray",
)
MODE_LABELS = {"vector": "Vector", "full_text": "Full text", "hybrid": "Hybrid"}


def doc_status(status) -> rx.Component:
    """A document status as a coloured badge."""
    return rx.badge(status, color_scheme=rx.match(status, *STATUS_COLORS), variant="soft")


def _kb_row(kb: KbRow) -> rx.Component:
    delete = confirm(
        rx.icon_button(
            rx.icon("trash-2", size=14),
            size="1",
            variant="ghost",
            color_scheme="red",
            aria_label="Delete " + kb.name,
        ),
        "Delete knowledge base?",
        "Its documents and their index are deleted; agents using it stop finding them.",
        "Delete",
        KnowledgeListState.delete(kb.id),
    )
    return rx.table.row(
        rx.table.cell(
            rx.vstack(
                rx.link(kb.name, href=routes.KNOWLEDGE_DETAIL + "?id=" + kb.id, weight="medium"),
                rx.text(
                    kb.description, size="1", color_scheme="gray", truncate=True, max_width="360px"
                ),
                spacing="0",
            )
        ),
        rx.table.cell(kb.documents),
        rx.table.cell(rx.text(kb.summary, size="2", color_scheme="gray")),
        rx.table.cell(rx.badge(kb.chunking, variant="surface")),
        rx.table.cell(rx.text(kb.created, size="2", color_scheme="gray")),
        rx.table.cell(rx.cond(KnowledgeListState.can_edit, delete)),
        align="center",
    )


def _create_form() -> rx.Component:
    return section(
        "Create a knowledge base",
        "A collection of documents agents can search and cite.",
        rx.form(
            rx.flex(
                field("Name", text_input("name", "Product docs", required=True, max_length=200)),
                field("Description", text_input("description", "Optional", max_length=2000)),
                field(
                    "Chunking",
                    rx.select(CHUNKING, name="chunking", default_value="sentence", size="3"),
                ),
                rx.box(submit_button(rx.icon("plus", size=16), "Create"), align_self="end"),
                spacing="3",
                direction=rx.breakpoints(initial="column", md="row"),
                width="100%",
            ),
            on_submit=KnowledgeListState.create,
            reset_on_submit=True,
        ),
    )


@app_page(routes.KNOWLEDGE, "Knowledge", on_load=[KnowledgeListState.load])
def knowledge() -> rx.Component:
    """Document collections agents can search."""
    nothing = empty_state(
        "book-open",
        "No knowledge bases yet",
        rx.cond(
            KnowledgeListState.can_edit,
            "Create a knowledge base above and upload documents so agents can answer from them.",
            "Knowledge bases your team adds will appear here.",
        ),
    )
    listing = table(
        ["Knowledge base", "Documents", "Status", "Chunking", "Created", ""],
        rx.foreach(KnowledgeListState.bases, _kb_row),
    )
    return rx.vstack(
        page_header("Knowledge", "Documents your agents can search and cite."),
        rx.cond(KnowledgeListState.can_edit, _create_form()),
        rx.cond(
            KnowledgeListState.bases.length() > 0,
            listing,
            rx.cond(KnowledgeListState.loaded, nothing, rx.center(rx.spinner(), width="100%")),
        ),
        spacing="5",
        width="100%",
    )


def _progress(doc: DocRow) -> rx.Component:
    return rx.cond(
        doc.status == "failed",
        rx.text(doc.error, size="1", color_scheme="red", max_width="320px"),
        rx.vstack(
            rx.progress(value=doc.progress, max=100, width="140px"),
            rx.text(
                doc.chunks_done.to_string() + " / " + doc.chunks_total.to_string() + " chunks",
                size="1",
                color_scheme="gray",
            ),
            spacing="1",
        ),
    )


def _doc_row(doc: DocRow) -> rx.Component:
    actions = rx.hstack(
        rx.icon_button(
            rx.icon("refresh-cw", size=14),
            size="1",
            variant="ghost",
            aria_label="Re-index " + doc.title,
            title="Re-index",
            on_click=KnowledgeDetailState.reindex(doc.id),
        ),
        confirm(
            rx.icon_button(
                rx.icon("trash-2", size=14),
                size="1",
                variant="ghost",
                color_scheme="red",
                aria_label="Delete " + doc.title,
            ),
            "Delete document?",
            "Its chunks leave the index at once.",
            "Delete",
            KnowledgeDetailState.delete_doc(doc.id),
        ),
        spacing="2",
    )
    return rx.table.row(
        rx.table.cell(
            rx.vstack(
                rx.text(doc.title, weight="medium"),
                rx.text(
                    doc.source, size="1", color_scheme="gray", truncate=True, max_width="300px"
                ),
                spacing="0",
            )
        ),
        rx.table.cell(doc_status(doc.status)),
        rx.table.cell(_progress(doc)),
        rx.table.cell(rx.text(doc.added, size="2", color_scheme="gray", white_space="nowrap")),
        rx.table.cell(rx.cond(KnowledgeDetailState.can_edit, actions)),
        align="center",
    )


def _add_documents() -> rx.Component:
    kinds = ", ".join(KINDS)
    dropzone = rx.upload(
        rx.vstack(
            rx.icon("upload", size=28, color=rx.color("indigo", 11)),
            rx.text("Drop files here, or click to choose", weight="medium"),
            rx.text(
                f"{kinds} · up to {MAX_FILE_BYTES // 2**20} MB each, {MAX_UPLOAD_FILES} at a time",
                size="1",
                color_scheme="gray",
            ),
            align="center",
            spacing="2",
        ),
        id=UPLOAD_ID,
        multiple=True,
        max_files=MAX_UPLOAD_FILES,
        max_size=MAX_FILE_BYTES,
        on_drop=KnowledgeDetailState.upload,
        border=f"1px dashed {rx.color('gray', 7)}",
        border_radius="12px",
        padding="28px",
        width="100%",
        cursor="pointer",
    )
    by_url = rx.form(
        rx.hstack(
            text_input("url", "https://example.com/handbook", type="url", max_length=2000),
            submit_button(rx.icon("link", size=16), "Import URL", variant="soft"),
            spacing="2",
            width="100%",
        ),
        on_submit=KnowledgeDetailState.add_url,
        reset_on_submit=True,
        width="100%",
    )
    return section(
        "Add documents",
        "Files are parsed, chunked and embedded in the background.",
        dropzone,
        by_url,
    )


def _documents() -> rx.Component:
    return section(
        "Documents",
        rx.cond(
            KnowledgeDetailState.watching, "Indexing… updating every second.", "Indexed content."
        ),
        rx.cond(
            KnowledgeDetailState.docs.length() > 0,
            table(
                ["Document", "Status", "Progress", "Added", ""],
                rx.foreach(KnowledgeDetailState.docs, _doc_row),
            ),
            rx.text("No documents yet.", size="2", color_scheme="gray"),
        ),
    )


def _part(part: Part) -> rx.Component:
    return rx.cond(part.hit, rx.el.mark(rx.text.strong(part.text)), rx.fragment(part.text))


def _hit(hit: Hit) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.badge("#" + hit.rank.to_string(), variant="soft"),
                rx.text(hit.title, weight="medium", class_name="kb-hit-title"),
                rx.spacer(),
                rx.code("score " + hit.score, size="1"),
                align="center",
                width="100%",
            ),
            rx.hstack(
                rx.text(hit.source, size="1", color_scheme="gray", class_name="kb-hit-source"),
                rx.cond(
                    hit.location != "",
                    rx.text("· " + hit.location, size="1", color_scheme="gray"),
                ),
                spacing="1",
                wrap="wrap",
            ),
            rx.text(rx.foreach(hit.parts, _part), size="2", white_space="pre-wrap"),
            spacing="2",
            width="100%",
        ),
        width="100%",
        class_name="kb-hit",
    )


def _playground() -> rx.Component:
    form = rx.form(
        rx.flex(
            rx.box(
                text_input("query", "Ask something your documents answer", required=True),
                flex="1",
                width="100%",
            ),
            rx.input(
                name="top_k",
                type="number",
                min=1,
                max=50,
                default_value="5",
                size="3",
                width="90px",
                aria_label="Results",
            ),
            submit_button(rx.icon("search", size=16), "Search"),
            spacing="2",
            direction=rx.breakpoints(initial="column", sm="row"),
            width="100%",
        ),
        on_submit=KnowledgeSearchState.search,
        width="100%",
    )
    modes = rx.segmented_control.root(
        *[rx.segmented_control.item(MODE_LABELS[m], value=m) for m in MODES],
        value=KnowledgeSearchState.mode,
        on_change=KnowledgeSearchState.set_mode,
    )
    return section(
        "Search playground",
        "Try the queries your agents will run: results show what they would cite.",
        rx.hstack(rx.text("Mode", size="2", weight="medium"), modes, align="center"),
        form,
        rx.cond(
            KnowledgeSearchState.hits.length() > 0,
            rx.vstack(rx.foreach(KnowledgeSearchState.hits, _hit), spacing="3", width="100%"),
            rx.cond(
                KnowledgeSearchState.searched,
                rx.text("No matching chunks.", size="2", color_scheme="gray"),
            ),
        ),
    )


@app_page(
    routes.KNOWLEDGE_DETAIL,
    "Knowledge base",
    on_load=[KnowledgeDetailState.load, KnowledgeSearchState.reset_search],
)
def knowledge_detail() -> rx.Component:
    """One knowledge base: documents and search."""
    back = rx.link(
        rx.hstack(rx.icon("arrow-left", size=14), "Knowledge", align="center", spacing="1"),
        href=routes.KNOWLEDGE,
        size="2",
    )
    found = rx.vstack(
        back,
        rx.flex(
            rx.vstack(
                rx.heading(KnowledgeDetailState.name, size="7", weight="bold"),
                rx.text(KnowledgeDetailState.description, color_scheme="gray"),
                spacing="1",
            ),
            rx.hstack(
                rx.badge(KnowledgeDetailState.chunking, variant="surface"),
                rx.badge(
                    KnowledgeDetailState.embedding_model, variant="surface", color_scheme="gray"
                ),
                spacing="2",
            ),
            justify="between",
            align="start",
            width="100%",
        ),
        rx.cond(KnowledgeDetailState.can_edit, _add_documents()),
        _documents(),
        _playground(),
        spacing="5",
        width="100%",
    )
    return rx.cond(
        KnowledgeDetailState.missing,
        empty_state("book-open", "Knowledge base not found", "It may have been deleted.", back),
        rx.cond(KnowledgeDetailState.name != "", found, rx.center(rx.spinner(), width="100%")),
    )
